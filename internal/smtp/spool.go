package smtp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
)

// spool holds one message body while it is received: in memory up to a
// threshold, then in a temporary file that is unlinked as soon as it is
// created (so no crash leaves it behind). One spool serves the
// transactions of one session in turn; reset frees what it held.
type spool struct {
	dir       string
	threshold int64
	mem       bytes.Buffer
	f         *os.File
	size      int64
	chunk     []byte
}

// maxKeptMemory is the memory buffer a spool keeps between transactions.
const maxKeptMemory = 64 << 10

// errSpool marks failures to store the body locally, as opposed to
// failures reading it from the client.
var errSpool = errors.New("smtp: spool")

// fill reads r to its end into the spool. A failure to read r is
// returned as it is; a failure to store makes fill drain r to its end
// and return an error wrapping errSpool, unless the drain itself fails.
func (sp *spool) fill(r io.Reader) error {
	if sp.chunk == nil {
		sp.chunk = make([]byte, 32<<10)
	}
	for {
		n, rerr := r.Read(sp.chunk)
		if n > 0 {
			if werr := sp.write(sp.chunk[:n]); werr != nil {
				if _, derr := io.Copy(io.Discard, r); derr != nil {
					return derr
				}
				return fmt.Errorf("%w: %w", errSpool, werr)
			}
		}
		if rerr == io.EOF {
			return nil
		}
		if rerr != nil {
			return rerr
		}
	}
}

func (sp *spool) write(p []byte) error {
	if sp.f == nil && sp.size+int64(len(p)) > sp.threshold {
		f, err := os.CreateTemp(sp.dir, "lmtp-*.spool")
		if err != nil {
			return err
		}
		if err := os.Remove(f.Name()); err != nil {
			f.Close()
			return err
		}
		sp.f = f
		if _, err := f.Write(sp.mem.Bytes()); err != nil {
			return err
		}
		sp.mem.Reset()
	}
	sp.size += int64(len(p))
	if sp.f != nil {
		_, err := sp.f.Write(p)
		return err
	}
	sp.mem.Write(p)
	return nil
}

// reader returns the spooled body from its start.
func (sp *spool) reader() io.Reader {
	if sp.f != nil {
		return io.NewSectionReader(sp.f, 0, sp.size)
	}
	return bytes.NewReader(sp.mem.Bytes())
}

// reset empties the spool, closing its file.
func (sp *spool) reset() {
	if sp.f != nil {
		sp.f.Close()
		sp.f = nil
	}
	if sp.mem.Cap() > maxKeptMemory {
		sp.mem = bytes.Buffer{}
	}
	sp.mem.Reset()
	sp.size = 0
}

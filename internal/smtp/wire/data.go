package wire

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// Errors of DataReader. Both are returned only after the body has been
// read up to its real terminator, so the session is in sync and can reply.
var (
	// ErrBareLineEnding reports a CR not followed by LF, or an LF not
	// preceded by CR, in a DATA body. The message is rejected (554 5.6.0):
	// repairing it would let a message mean different things to different
	// hops, which is what SMTP smuggling exploits.
	ErrBareLineEnding = errors.New("wire: bare CR or LF in message data")
	// ErrTooBig reports a body over the reader's maximum (552 5.3.4).
	ErrTooBig = errors.New("wire: message too big")
)

// dataState is where DataReader stands in the line structure of the body.
type dataState uint8

const (
	stBOL   dataState = iota // at the start of a line (or of the body)
	stMid                    // inside a line
	stCR                     // after a CR inside a line (emitted)
	stDot                    // after a "." that started a line (dropped)
	stDotCR                  // after "." CR at the start of a line
)

// DataReader reads a DATA body (RFC 5321 4.1.1.4, 4.5.2): it removes the
// dot-stuffing, and returns io.EOF at the terminator <CRLF>.<CRLF>, of
// which the first CRLF may be the one that ended the DATA command line.
// It consumes exactly up to the terminator's final LF and never beyond,
// so pipelined input stays in the bufio.Reader.
//
// A bare CR or LF, or a body over the maximum, makes the reader stop
// returning octets, keep reading and discarding to the terminator, and
// then return ErrBareLineEnding or ErrTooBig (the first problem wins).
// Whatever it returned before belongs to the rejected message and must be
// thrown away. End of input before the terminator is io.ErrUnexpectedEOF;
// other read errors are passed through.
type DataReader struct {
	r    *bufio.Reader
	max  int64
	n    int64
	st   dataState
	err  error // the rejection, reported at the terminator
	done bool
}

// NewDataReader returns a reader of the body that starts at r's next
// octet. max is the largest body accepted, in octets after un-stuffing and
// counting each CRLF as two (RFC 1870 4); max <= 0 means no limit.
func NewDataReader(r *bufio.Reader, max int64) *DataReader {
	return &DataReader{r: r, max: max}
}

// Size returns the number of body octets returned so far.
func (d *DataReader) Size() int64 { return d.n }

// Read implements io.Reader.
func (d *DataReader) Read(p []byte) (int, error) {
	if d.done {
		return 0, d.final()
	}
	if len(p) == 0 {
		return 0, nil
	}
	n := 0
	for n == 0 {
		if d.r.Buffered() == 0 {
			if _, err := d.r.Peek(1); err != nil {
				if err == io.EOF {
					err = io.ErrUnexpectedEOF
				}
				return 0, err
			}
		}
		buf, _ := d.r.Peek(d.r.Buffered())
		used, wrote, end := d.scan(buf, p)
		d.r.Discard(used)
		n += wrote
		if end {
			d.done = true
			return n, d.final()
		}
	}
	return n, nil
}

func (d *DataReader) final() error {
	if d.err != nil {
		return d.err
	}
	return io.EOF
}

// scan runs the state machine over buf, writing body octets to out. It
// stops when out is full (unless discarding) or at the terminator.
func (d *DataReader) scan(buf, out []byte) (used, wrote int, end bool) {
	for used < len(buf) {
		if d.err == nil && wrote == len(out) {
			return used, wrote, false
		}
		if d.st == stMid {
			k := d.run(buf[used:], out[wrote:])
			used += k
			if d.err == nil {
				wrote += k
			}
			if k > 0 {
				continue
			}
		}
		c := buf[used]
		switch d.st {
		case stBOL:
			switch c {
			case '.':
				d.st = stDot
			case '\n':
				d.reject(ErrBareLineEnding)
				d.st = stMid
			default:
				wrote += d.emit(c, out[wrote:])
			}
		case stMid:
			wrote += d.emit(c, out[wrote:])
		case stCR:
			if c != '\n' {
				d.reject(ErrBareLineEnding)
				d.st = stMid
				continue // c is an ordinary octet of the line
			}
			wrote += d.emit(c, out[wrote:])
		case stDot:
			if c != '\r' {
				d.st = stMid // the dot was stuffing; c starts the line
				continue
			}
			d.st = stDotCR
		case stDotCR:
			if c == '\n' {
				return used + 1, wrote, true
			}
			d.reject(ErrBareLineEnding)
			d.st = stMid
			continue
		}
		used++
	}
	return used, wrote, false
}

// run copies the longest prefix of buf free of CR and LF (and within the
// room of out and the size limit) and returns its length. When discarding
// it only measures.
func (d *DataReader) run(buf, out []byte) int {
	k := bytes.IndexByte(buf, '\r')
	if k < 0 {
		k = len(buf)
	}
	if j := bytes.IndexByte(buf[:k], '\n'); j >= 0 {
		k = j
	}
	if d.err != nil {
		return k
	}
	k = min(k, len(out))
	if d.max > 0 {
		k = int(min(int64(k), d.max-d.n))
	}
	copy(out, buf[:k])
	d.n += int64(k)
	return k
}

// emit handles one octet in states stBOL, stMid and stCR: it writes it
// unless discarding, and moves the state on. It returns the octets
// written (0 or 1).
func (d *DataReader) emit(c byte, out []byte) int {
	switch c {
	case '\r':
		d.st = stCR
	case '\n':
		if d.st != stCR {
			d.reject(ErrBareLineEnding)
			d.st = stMid
			return 0
		}
		d.st = stBOL
	default:
		d.st = stMid
	}
	if d.err != nil {
		return 0
	}
	if d.max > 0 && d.n >= d.max {
		d.reject(ErrTooBig)
		return 0
	}
	out[0] = c
	d.n++
	return 1
}

func (d *DataReader) reject(err error) {
	if d.err == nil {
		d.err = err
	}
}

// DataWriter writes a DATA body in wire form: every line ending becomes
// CRLF (a bare LF or a bare CR is turned into CRLF), a "." that starts a
// line is doubled (RFC 5321 4.5.2), and Close writes the terminator,
// adding a final CRLF first if the body did not end with one. It does not
// close the underlying writer.
type DataWriter struct {
	w      io.Writer
	buf    []byte
	midCR  bool // the last octet was a CR whose LF is not yet seen
	midLn  bool // inside a line
	closed bool
}

// NewDataWriter returns a DataWriter writing to w.
func NewDataWriter(w io.Writer) *DataWriter { return &DataWriter{w: w} }

// Reset makes d write a new body to w, keeping its buffer.
func (d *DataWriter) Reset(w io.Writer) { *d = DataWriter{w: w, buf: d.buf[:0]} }

// Write implements io.Writer; n counts the octets of p consumed.
func (d *DataWriter) Write(p []byte) (int, error) { return writeData(d, p) }

// WriteString implements io.StringWriter.
func (d *DataWriter) WriteString(s string) (int, error) { return writeData(d, s) }

func writeData[T string | []byte](d *DataWriter, p T) (int, error) {
	if d.closed {
		return 0, errors.New("wire: write after Close")
	}
	b := d.buf[:0]
	for i := 0; i < len(p); i++ {
		c := p[i]
		if d.midCR && c != '\n' {
			b = append(b, '\n') // bare CR: complete it
			d.midCR, d.midLn = false, false
		}
		switch {
		case c == '\n':
			if !d.midCR {
				b = append(b, '\r')
			}
			b = append(b, '\n')
			d.midCR, d.midLn = false, false
		case c == '\r':
			b = append(b, '\r')
			d.midCR = true
		case c == '.' && !d.midLn:
			b = append(b, '.', '.')
			d.midLn = true
		default:
			b = append(b, c)
			d.midLn = true
		}
	}
	d.buf = b
	if _, err := d.w.Write(b); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Close ends the body with <CRLF>.<CRLF>.
func (d *DataWriter) Close() error {
	if d.closed {
		return nil
	}
	d.closed = true
	var b []byte
	switch {
	case d.midCR:
		b = append(b, '\n')
	case d.midLn:
		b = append(b, '\r', '\n')
	}
	b = append(b, '.', '\r', '\n')
	_, err := d.w.Write(b)
	return err
}

package backend

import (
	"bufio"
	"context"
	"errors"
	"io"

	"github.com/postern/postern/internal/pop3/wire"
	"github.com/postern/postern/internal/store"
)

func (s *session) retr(ctx context.Context, args []string) bool {
	e, _, ok := s.message(args[0])
	if !ok {
		return false
	}
	if s.send(ctx, e, -1) {
		e.markSeen = true
	}
	return false
}

func (s *session) top(ctx context.Context, args []string) bool {
	e, _, ok := s.message(args[0])
	if !ok {
		return false
	}
	lines, err := wire.Number(args[1])
	if err != nil {
		s.fail(textProtocol)
		return false
	}
	s.send(ctx, e, lines)
	return false
}

// send writes a message as a multi-line reply: all of it, or (TOP) the
// header, the blank line and the first bodyLines lines of the body. It
// reports whether the whole reply was sent.
func (s *session) send(ctx context.Context, e *entry, bodyLines int) bool {
	body, err := s.st.Open(ctx, s.folder.ID, e.uid)
	if err != nil {
		switch {
		case errors.Is(err, store.ErrExpunged) || errors.Is(err, store.ErrNotFound):
			s.fail(textGone)
		case errors.Is(err, store.ErrDamaged):
			// The message stays listed; this command fails, the
			// session goes on, and the log names the file.
			s.log.Error("damaged message", "folder", "Inbox", "uid", e.uid, "err", err)
			s.fail(textDamaged)
		default:
			s.log.Error("open message", "uid", e.uid, "err", err)
			s.fail(textGone)
		}
		return false
	}
	defer body.Close()
	w := s.c.Writer()
	wire.OK(w, "")
	var r io.Reader = body
	if bodyLines >= 0 {
		r = &topReader{r: bufio.NewReaderSize(body, 4096), lines: bodyLines}
	}
	if _, err := wire.Body(w, r); err != nil {
		// The reply is already under way: the only honest end is to close.
		s.log.Error("read message", "uid", e.uid, "err", err)
		s.c.Close()
		return false
	}
	wire.End(w)
	return true
}

// topReader yields the header, the empty line after it, and then at most
// lines lines of the body (RFC 1939 §7 TOP).
type topReader struct {
	r       *bufio.Reader
	inBody  bool
	lines   int
	pending []byte // the unread rest of the current line part
	err     error  // the error that came with pending
}

func (t *topReader) Read(p []byte) (int, error) {
	if len(t.pending) == 0 {
		if t.err != nil {
			return 0, t.err
		}
		if t.inBody && t.lines <= 0 {
			return 0, io.EOF
		}
		line, err := t.r.ReadSlice('\n')
		switch {
		case err == nil:
			t.endLine(line)
		case errors.Is(err, bufio.ErrBufferFull):
			err = nil // a long line: this part now, the rest next
		}
		t.pending, t.err = line, err
	}
	n := copy(p, t.pending)
	t.pending = t.pending[n:]
	return n, nil
}

// endLine updates the state after a complete line.
func (t *topReader) endLine(line []byte) {
	if !t.inBody {
		if len(line) <= 2 && (string(line) == "\r\n" || string(line) == "\n") {
			t.inBody = true
		}
		return
	}
	t.lines--
}

// quit enters the UPDATE state: it removes the messages marked deleted and
// marks retrieved ones \Seen, durably, before the "+OK" (RFC 1939 §6).
func (s *session) quit(ctx context.Context, _ []string) bool {
	var del, seen []uint32
	for _, e := range s.drop {
		switch {
		case e.deleted:
			del = append(del, e.uid)
		case e.markSeen && !e.seen:
			seen = append(seen, e.uid)
		}
	}
	w := s.c.Writer()
	if len(seen) > 0 {
		if _, err := s.st.StoreFlags(ctx, s.folder.ID, seen, store.FlagsAdd, []string{store.FlagSeen}); err != nil {
			s.log.Warn("mark seen", "err", err)
		}
	}
	if len(del) > 0 {
		if _, err := s.st.Expunge(ctx, s.folder.ID, del); err != nil {
			s.log.Error("expunge at QUIT", "err", err)
			wire.Err(w, textNotDeleted)
			return true
		}
	}
	wire.OK(w, textSignOff)
	return true
}

package smtp

import (
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/postern/postern/internal/smtp/wire"
)

// maxChunkDigits bounds the size argument of BDAT (19 digits fit int64).
const maxChunkDigits = 18

// errChunkBareLineEnding marks a BDAT message with a bare CR or LF.
var errChunkBareLineEnding = errors.New("smtp: bare CR or LF in BDAT data")

// cmdBDAT receives one chunk of a message (RFC 3030 CHUNKING). The chunk
// is always read, whatever the reply, so the session stays in step; BDAT
// LAST ends the message, which is then checked and stored as after DATA.
// The octets are taken as they come (no dot-stuffing), so a message
// whose line ends are not all CRLF is refused as after DATA.
func (s *session) cmdBDAT(arg string) action {
	size, last, ok := parseBDAT(arg)
	if !ok {
		// The chunk's length is unknown: the rest of the stream cannot be
		// told from commands (RFC 3030 2, 4.2), so the session ends.
		s.reply(wire.CodeServiceNotAvail, wire.StatusInvalidArgs, "Syntax: BDAT size [LAST]; closing connection")
		return actClose
	}
	if size > s.lim.maxMessageSize {
		// Reading a chunk larger than any message could take forever:
		// refuse it and end the session rather than drain it.
		s.log.Info("BDAT chunk over the size limit, closing", "size", size)
		s.reply(wire.CodeExceededStorage, wire.StatusMsgTooBig, "Message size exceeds fixed maximum message size")
		return actClose
	}
	if s.state != stateRcpt || s.sub.chunkFail != nil {
		if err := s.discard(size); err != nil {
			return s.chunkReadFailed(err)
		}
		switch {
		case s.state != stateRcpt:
			s.reply(wire.CodeBadSequence, wire.StatusInvalidCommand, "No valid recipients")
		default:
			f := *s.sub.chunkFail
			if last {
				s.resetTransaction()
			}
			s.reply(f.code, f.status, f.text)
		}
		return actContinue
	}
	if s.spool.size+size > s.lim.maxMessageSize {
		// Too big: the rest of this message is read and thrown away.
		if err := s.discard(size); err != nil {
			return s.chunkReadFailed(err)
		}
		s.log.Info("message rejected", "from", s.from, "reason", "too big")
		return s.chunkFailed(failure{wire.CodeExceededStorage, wire.StatusMsgTooBig, "Message size exceeds fixed maximum message size"}, last)
	}
	s.sub.chunked = true
	s.io.streaming = true
	err := s.spool.fill(&lineEndChecker{r: io.LimitReader(s.r, size), prevCR: &s.sub.prevCR, bad: &s.sub.bareEnding})
	s.io.streaming = false
	if err != nil && !errors.Is(err, errSpool) {
		return s.chunkReadFailed(err)
	}
	if err != nil {
		s.log.Error("spooling message failed", "err", err)
		return s.chunkFailed(replyForError(err), last)
	}
	if !last {
		s.reply(wire.CodeOK, wire.StatusOther, strconv.FormatInt(size, 10)+" octets received")
		return actContinue
	}
	if s.sub.bareEnding || s.sub.prevCR {
		s.log.Info("message rejected", "from", s.from, "reason", "bare CR or LF")
		s.reply(wire.CodeTransactionFailed, wire.StatusMediaOther, "Bare CR or LF in message")
	} else if f, ok := s.submit(); !ok {
		s.reply(f.code, f.status, f.text)
	}
	s.resetTransaction()
	return actContinue
}

// chunkFailed answers a chunk that failed the message: later chunks of
// the same message are read and get the same answer, until LAST.
func (s *session) chunkFailed(f failure, last bool) action {
	s.sub.chunkFail = &f
	if last {
		s.resetTransaction()
	}
	s.reply(f.code, f.status, f.text)
	return actContinue
}

// parseBDAT reads "size [LAST]".
func parseBDAT(arg string) (size int64, last bool, ok bool) {
	f := strings.Fields(arg)
	if len(f) == 0 || len(f) > 2 || len(f[0]) > maxChunkDigits || strings.Trim(f[0], "0123456789") != "" {
		return 0, false, false
	}
	if len(f) == 2 {
		if !strings.EqualFold(f[1], "LAST") {
			return 0, false, false
		}
		last = true
	}
	n, err := strconv.ParseInt(f[0], 10, 64)
	return n, last, err == nil
}

// discard reads and drops n octets of chunk data.
func (s *session) discard(n int64) error {
	s.io.streaming = true
	defer func() { s.io.streaming = false }()
	got, err := io.CopyN(io.Discard, s.r, n)
	if err == nil && got != n {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// chunkReadFailed ends the session after a failed chunk read.
func (s *session) chunkReadFailed(err error) action {
	s.receiveFailure(err) // logs; answers a timeout
	return actClose
}

// lineEndChecker passes data through and notes a CR not followed by LF or
// an LF not preceded by CR, across chunk boundaries (prevCR carries the
// state from one chunk to the next).
type lineEndChecker struct {
	r      io.Reader
	prevCR *bool
	bad    *bool
}

func (l *lineEndChecker) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for _, b := range p[:n] {
		switch {
		case *l.prevCR && b != '\n', !*l.prevCR && b == '\n':
			*l.bad = true
		}
		*l.prevCR = b == '\r'
	}
	if err == io.EOF {
		return n, io.EOF
	}
	return n, err
}

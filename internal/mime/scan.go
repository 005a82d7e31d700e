package mime

import (
	"bufio"
	"errors"
	"io"
)

// scanBufSize is the line buffer. Longer lines are handled in pieces: only
// their first scanBufSize bytes are looked at to recognise a header field
// or a boundary delimiter, which is far more than either needs.
const scanBufSize = 32 << 10

// line is the line under the scanner's cursor.
type line struct {
	start int64  // offset of its first byte
	text  []byte // content without the line break; a prefix when long
	eol   int    // line-break length: 2 (CRLF), 1 (LF), 0 (none: EOF or long)
	long  bool   // the line continues past text
}

// scanner reads a message line by line and keeps the byte and line-break
// counts that the parser turns into offsets. A line ends at LF; a CR just
// before it is part of the line break, any other CR is content. The line
// under the cursor is looked at with peek and passed with consume, so a
// parser level can stop at a boundary line and leave it to its caller.
type scanner struct {
	br  *bufio.Reader
	off int64 // offset of the first byte not consumed
	lfs int64 // line breaks consumed so far

	loaded bool // cur holds the line at off
	cur    line
	eof    bool  // nothing left to read (or a read error)
	err    error // the first read error other than io.EOF

	prevEOL   int  // line-break length of the last consumed line
	prevEmpty bool // the last consumed line had no content
}

func newScanner(r io.Reader) *scanner {
	return &scanner{br: bufio.NewReaderSize(r, scanBufSize)}
}

// peek returns the line at the cursor, or nil at the end of input. The
// returned text is valid until the next consume.
func (s *scanner) peek() *line {
	if s.loaded {
		return &s.cur
	}
	if s.eof {
		return nil
	}
	b, err := s.br.ReadSlice('\n')
	c := line{start: s.off, text: b}
	switch {
	case err == nil:
		c.text, c.eol = trimEOL(b)
	case errors.Is(err, bufio.ErrBufferFull):
		c.long = true
	case errors.Is(err, io.EOF):
		if len(b) == 0 {
			s.eof = true
			return nil
		}
	default:
		s.eof, s.err = true, err
		return nil
	}
	s.cur, s.loaded = c, true
	return &s.cur
}

// trimEOL splits a line ending in LF into content and line-break length.
func trimEOL(b []byte) ([]byte, int) {
	n := len(b) - 1
	if n > 0 && b[n-1] == '\r' {
		return b[:n-1], 2
	}
	return b[:n], 1
}

// consume passes the line at the cursor (which must have been peeked),
// appending its content to dst without letting dst grow beyond limit
// bytes, and returns dst. A long line is read to its end.
func (s *scanner) consume(dst []byte, limit int) []byte {
	c := &s.cur
	dst = appendLimited(dst, c.text, limit)
	n := int64(len(c.text) + c.eol)
	content := len(c.text)
	eol := c.eol
	if c.long {
		var more int64
		dst, more, content, eol = s.finishLong(dst, limit, content)
		n += more
	}
	s.loaded = false
	s.off += n
	if eol > 0 {
		s.lfs++
	} else if !c.long {
		s.eof = true // a line without a break is the last one
	}
	s.prevEOL, s.prevEmpty = eol, content == 0
	return dst
}

// finishLong reads the rest of a long line. It returns dst, the number of
// bytes read, the content length of the whole line and its line break.
func (s *scanner) finishLong(dst []byte, limit, content int) ([]byte, int64, int, int) {
	var n int64
	last := byte(0)
	if len(s.cur.text) > 0 {
		last = s.cur.text[len(s.cur.text)-1]
	}
	for {
		b, err := s.br.ReadSlice('\n')
		n += int64(len(b))
		if err == nil {
			text, eol := trimEOL(b)
			if len(text) == 0 && eol == 1 && last == '\r' {
				// The CR of a CRLF ended the previous piece.
				eol, content = 2, content-1
				if len(dst) > 0 && dst[len(dst)-1] == '\r' {
					dst = dst[:len(dst)-1]
				}
			}
			return appendLimited(dst, text, limit), n, content + len(text), eol
		}
		dst = appendLimited(dst, b, limit)
		content += len(b)
		if len(b) > 0 {
			last = b[len(b)-1]
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			s.eof = true
			if !errors.Is(err, io.EOF) {
				s.err = err
			}
			return dst, n, content, 0
		}
	}
}

// appendLimited appends as much of b to dst as fits in limit bytes.
func appendLimited(dst, b []byte, limit int) []byte {
	if room := limit - len(dst); room < len(b) {
		if room <= 0 {
			return dst
		}
		b = b[:room]
	}
	return append(dst, b...)
}

package mime

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// header holds the fields of one header block that the parser keeps: the
// Content-* fields of every entity and, for messages, the envelope fields.
// Values are unfolded (RFC 5322 §2.2.3) and trimmed; the first occurrence
// of a name wins.
type header struct {
	fields []field
}

type field struct {
	name  string // lower-case
	value string
}

func (h *header) get(name string) (string, bool) {
	for _, f := range h.fields {
		if f.name == name {
			return f.value, true
		}
	}
	return "", false
}

// keptField returns the lower-case name of a field the parser keeps, or ""
// for any other field.
func keptField(raw []byte, message bool) string {
	var buf [32]byte
	if len(raw) > len(buf) {
		return ""
	}
	low := buf[:len(raw)]
	for i, c := range raw {
		low[i] = lowerASCII(c)
	}
	switch string(low) {
	case "content-type", "content-transfer-encoding", "content-id",
		"content-description", "content-disposition", "content-language",
		"content-location", "content-md5":
		return string(low)
	case "date", "subject", "from", "sender", "reply-to", "to", "cc", "bcc",
		"in-reply-to", "message-id":
		if message {
			return string(low)
		}
	}
	return ""
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// rawFieldName returns the name of the header field that line starts, or
// nil when it does not start one. Tolerated beyond RFC 5322: white space
// before the colon (obsolete syntax) and 8-bit bytes in the name.
func rawFieldName(line []byte) []byte {
	i := bytes.IndexByte(line, ':')
	if i <= 0 {
		return nil
	}
	name := bytes.TrimRight(line[:i], " \t")
	if len(name) == 0 {
		return nil
	}
	for _, c := range name {
		if c <= ' ' || c == 0x7f {
			return nil
		}
	}
	return name
}

// readHeader reads the header block of pt starting at the cursor and sets
// pt.HeaderEnd. cut reports that the block was ended by a boundary line of
// an open multipart (so the entity has an empty body).
func (p *parser) readHeader(pt *Part, message bool) (h *header, cut bool) {
	s := p.s
	h = &header{}
	start := s.off
	limit := int64(p.o.MaxHeaderBytes)
	var (
		used int64  // bytes of the block read so far
		name string // lower-case name of the field being kept, or ""
		cur  []byte // its lines, concatenated: that is, unfolded
	)
	for first := true; ; first = false {
		ln := s.peek()
		if ln == nil {
			p.keep(h, name, cur)
			pt.HeaderEnd = s.off
			return h, false
		}
		if _, _, ok := p.matchBoundary(ln, len(p.bounds)); ok {
			p.keep(h, name, cur)
			pt.HeaderEnd = max(start, s.off-int64(s.prevEOL))
			return h, true
		}
		if len(ln.text) == 0 && !ln.long { // the blank line ending the block
			s.consume(nil, 0)
			p.keep(h, name, cur)
			pt.HeaderEnd = s.off
			return h, false
		}
		cont := ln.text[0] == ' ' || ln.text[0] == '\t'
		if first && (cont || rawFieldName(ln.text) == nil) {
			pt.HeaderEnd = start // no header: the body starts here
			return h, false
		}
		if !cont {
			p.keep(h, name, cur)
			name, cur = "", cur[:0]
			if used < limit {
				name = keptField(rawFieldName(ln.text), message)
			}
		}
		before := s.off
		if name != "" {
			cur = s.consume(cur, int(limit))
		} else {
			s.consume(nil, 0)
		}
		if used += s.off - before; used > limit {
			name = "" // the field crosses the limit: drop it
		}
	}
}

// keep stores the field being read, if any, unless a field of that name is
// already kept or the message's header budget is spent.
func (p *parser) keep(h *header, name string, raw []byte) {
	if name == "" {
		return
	}
	if _, dup := h.get(name); dup {
		return
	}
	i := bytes.IndexByte(raw, ':')
	v := bytes.Trim(raw[i+1:], " \t\r")
	if len(v) > p.budget {
		return
	}
	p.budget -= len(v)
	h.fields = append(h.fields, field{name: name, value: string(v)})
}

// HeaderFields returns the lines of p's header block whose field names are
// in names (case-insensitive), or not in names when not is true, with
// their continuation lines, in their original order, followed by the blank
// line that ends the block when the block has one: RFC 3501 §6.4.5
// HEADER.FIELDS and HEADER.FIELDS.NOT. For the header of a message/rfc822
// part's encapsulated message, pass its Message. A line without a colon
// inside the block is a field with no name: it never matches names.
func HeaderFields(r io.ReaderAt, p *Part, names []string, not bool) ([]byte, error) {
	size := p.HeaderEnd - p.HeaderStart
	br := bufio.NewReaderSize(io.NewSectionReader(r, p.HeaderStart, size), int(min(scanBufSize, max(size, 16))))
	var out []byte
	include, lineStart := false, true
	for {
		b, err := br.ReadSlice('\n')
		if len(b) > 0 && lineStart {
			switch {
			case bytes.Equal(b, []byte("\n")) || bytes.Equal(b, []byte("\r\n")):
				include = true // the blank line ending the block
			case b[0] != ' ' && b[0] != '\t':
				n := rawFieldName(b)
				include = n != nil && hasName(names, n) != not
				if n == nil {
					include = not
				}
			}
		}
		if include {
			out = append(out, b...)
		}
		lineStart = err == nil
		switch {
		case err == nil || errors.Is(err, bufio.ErrBufferFull):
		case errors.Is(err, io.EOF):
			return out, nil
		default:
			return nil, err
		}
	}
}

// hasName reports whether name is one of names, ignoring ASCII case.
func hasName(names []string, name []byte) bool {
	for _, n := range names {
		if len(n) == len(name) && equalFoldASCII(name, n) {
			return true
		}
	}
	return false
}

func equalFoldASCII(a []byte, b string) bool {
	for i := range a {
		if lowerASCII(a[i]) != lowerASCII(b[i]) {
			return false
		}
	}
	return true
}

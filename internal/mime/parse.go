package mime

import (
	"bytes"
	"io"
	"strings"
)

// Parse reads a message from r once, streaming, and returns its part
// tree. It never fails on malformed content (see the package invariants and
// the tolerance rules below); the only errors are a read error from r and
// invalid Options.
//
// Tolerance rules, in short:
//   - Lines end at LF, with or without CR; offsets count the real bytes.
//   - A header block ends at a blank line, at a boundary delimiter of an
//     enclosing multipart, or at the end of input. When its first line is
//     not a header field ("name:" or continuation), the entity has no
//     header and its body starts there. A later line without a colon is
//     kept in the header as a malformed field and otherwise ignored.
//   - Duplicated fields: the first one wins.
//   - A multipart without a boundary parameter, or whose boundary never
//     appears, has only a preamble and gets one synthetic empty text/plain
//     child. An unclosed multipart ends where its enclosing one does, or at
//     the end of input. Preamble and epilogue are kept out of the children.
//   - A boundary line matches the innermost open multipart first; a line
//     of an enclosing multipart's boundary ends every part inside it.
//   - Limits (Options) turn what lies beyond them into opaque leaves; they
//     never make Parse fail.
func Parse(r io.Reader, o Options) (*Part, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	o = o.withDefaults()
	pr := &prefixReader{r: r}
	p := &parser{s: newScanner(pr), o: o, budget: o.MaxTotalHeaderBytes}
	root := p.parseEntity(entity{message: true})
	if p.s.err != nil {
		return nil, p.s.err
	}
	if n := root.HeaderEnd; root.HeaderStart == 0 && n > 0 && n <= int64(len(pr.buf)) {
		root.Header = bytes.Clone(pr.buf[:n])
	}
	return root, nil
}

// MaxKeptHeader bounds the top-level header block that Parse keeps in
// Part.Header. Larger blocks (long Received chains, DKIM signatures) are
// read from the message when asked for.
const MaxKeptHeader = 16 << 10

// prefixReader passes reads through and keeps a copy of the first
// MaxKeptHeader bytes, from which Parse takes the top-level header block.
type prefixReader struct {
	r   io.Reader
	buf []byte
}

func (p *prefixReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if room := MaxKeptHeader - len(p.buf); room > 0 && n > 0 {
		p.buf = append(p.buf, b[:min(n, room)]...)
	}
	return n, err
}

// parser holds the state of one Parse call.
type parser struct {
	s      *scanner
	o      Options
	bounds [][]byte // "--" + boundary of each open multipart, outermost first
	parts  int      // Parts created so far
	budget int      // header value bytes that may still be kept
}

// entity describes the context an entity is parsed in.
type entity struct {
	depth   int  // nesting level; the top-level message is 0
	message bool // a message (top level or encapsulated): keep its envelope
	digest  bool // a direct child of multipart/digest
	opaque  bool // keep the body opaque whatever the Content-Type says
}

// parseEntity parses one entity (header and body) starting at the cursor.
// It returns when the body ends: at the end of input, or with the cursor
// on a boundary line of an open multipart, which it leaves unconsumed.
func (p *parser) parseEntity(e entity) *Part {
	pt := &Part{HeaderStart: p.s.off}
	p.parts++
	h, cut := p.readHeader(pt, e.message)
	p.applyHeader(pt, h, e)
	lf0 := p.s.lfs
	nest := !e.opaque && e.depth < p.o.MaxDepth && p.parts < p.o.MaxParts
	switch {
	case e.opaque:
		makeOpaque(pt)
		p.skipBody(len(p.bounds))
	case pt.IsMultipart() || pt.IsMessage():
		switch {
		case !nest:
			makeOpaque(pt)
			p.skipBody(len(p.bounds))
		case pt.IsMessage() && cut:
			pt.Message = emptyTextPart(pt.HeaderEnd)
			pt.Message.Envelope = &Envelope{}
		case pt.IsMessage():
			pt.Message = p.parseEntity(entity{depth: e.depth + 1, message: true})
		case !cut:
			p.parseMultipart(pt, e.depth)
		}
	default:
		p.skipBody(len(p.bounds))
	}
	p.finish(pt, lf0)
	return pt
}

// makeOpaque turns a part whose structure is not parsed into a plain leaf,
// so that BODYSTRUCTURE stays valid (a multipart needs children and a
// message/rfc822 an envelope).
func makeOpaque(pt *Part) {
	pt.Type, pt.Subtype = "application", "octet-stream"
}

// parseMultipart parses the body of multipart pt: preamble, body parts,
// epilogue (RFC 2046 §5.1.1).
func (p *parser) parseMultipart(pt *Part, depth int) {
	b, _ := pt.Param("boundary")
	b = strings.TrimRight(b, " \t") // RFC 2046 §5.1.1: a boundary does not end in space
	if b == "" {
		p.skipBody(len(p.bounds))
		return
	}
	level := len(p.bounds)
	p.bounds = append(p.bounds, append([]byte("--"), b...))
	defer func() { p.bounds = p.bounds[:level] }()

	// Preamble: up to the first delimiter of ours.
	if !p.skipPreamble(level) {
		return
	}
	child := entity{depth: depth + 1, digest: pt.Subtype == "digest"}
	for {
		if p.parts >= p.o.MaxParts {
			// Out of parts: one opaque child takes the rest of this
			// multipart, our own delimiters included.
			p.bounds = p.bounds[:level]
			child.opaque = true
			pt.Children = append(pt.Children, p.parseEntity(child))
			return
		}
		pt.Children = append(pt.Children, p.parseEntity(child))
		ln := p.s.peek()
		if ln == nil {
			return // never closed
		}
		lv, closing, ok := p.matchBoundary(ln, level+1)
		if !ok || lv < level {
			return // an enclosing multipart's boundary: never closed
		}
		p.s.consume(nil, 0)
		if closing {
			p.skipBody(level) // epilogue
			return
		}
	}
}

// skipPreamble consumes the preamble of the multipart at level and its
// first delimiter line. It reports whether body parts follow: false at the
// end of input, at an enclosing boundary, or after an immediate close
// delimiter (whose epilogue it also consumes).
func (p *parser) skipPreamble(level int) bool {
	for {
		ln := p.s.peek()
		if ln == nil {
			return false
		}
		lv, closing, ok := p.matchBoundary(ln, level+1)
		if ok && lv < level {
			return false
		}
		p.s.consume(nil, 0)
		if ok && closing {
			p.skipBody(level)
			return false
		}
		if ok {
			return true
		}
	}
}

// skipBody consumes lines until the end of input or a boundary line of
// one of the n outermost open multiparts, which it leaves at the cursor.
func (p *parser) skipBody(n int) {
	for {
		ln := p.s.peek()
		if ln == nil {
			return
		}
		if _, _, ok := p.matchBoundary(ln, n); ok {
			return
		}
		p.s.consume(nil, 0)
	}
}

// matchBoundary reports whether ln is a delimiter line ("--" boundary) or
// close-delimiter line ("--" boundary "--") of one of the n outermost open
// multiparts, trying the innermost of them first, and which level matched.
// Transport padding (trailing white space) is allowed (RFC 2046 §5.1.1).
func (p *parser) matchBoundary(ln *line, n int) (level int, closing, ok bool) {
	t := ln.text
	if n == 0 || len(t) < 2 || t[0] != '-' || t[1] != '-' || ln.long {
		return 0, false, false
	}
	for i := n - 1; i >= 0; i-- {
		b := p.bounds[i]
		if !bytes.HasPrefix(t, b) {
			continue
		}
		rest := t[len(b):]
		closing := bytes.HasPrefix(rest, []byte("--"))
		if closing {
			rest = rest[2:]
		}
		if isBlank(rest) {
			return i, closing, true
		}
	}
	return 0, false, false
}

func isBlank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' {
			return false
		}
	}
	return true
}

// finish sets BodyEnd and Lines of pt once its body has been read. The
// cursor is at the end of input or on the boundary line that ended pt;
// in the latter case the preceding line break belongs to the boundary
// (RFC 2046 §5.1.1) and is left out of the body, except when it also ends
// a header block inside (an entity "Subject: x" CRLF CRLF "--b" keeps its
// blank line): parts never end before what they contain. lf0 is the
// line-break count at the body start.
func (p *parser) finish(pt *Part, lf0 int64) {
	s := p.s
	atBoundary := s.peek() != nil
	end := s.off
	if atBoundary {
		end -= int64(s.prevEOL)
	}
	floor := pt.HeaderEnd
	if pt.Message != nil {
		floor = max(floor, pt.Message.BodyEnd)
	}
	if n := len(pt.Children); n > 0 {
		floor = max(floor, pt.Children[n-1].BodyEnd)
	}
	kept := end < floor // the final line break stays in the body
	pt.BodyEnd = max(end, floor)
	if pt.IsMultipart() && len(pt.Children) == 0 {
		pt.Children = []*Part{emptyTextPart(pt.BodyEnd)}
	}
	if pt.BodyEnd == pt.HeaderEnd || !(pt.Type == "text" || pt.IsMessage()) {
		return
	}
	n := s.lfs - lf0
	switch {
	case atBoundary && s.prevEmpty && !kept:
		n-- // the last line was empty and lost its break to the boundary
	case !atBoundary && s.prevEOL == 0:
		n++ // an unterminated last line
	}
	pt.Lines = n
}

// emptyTextPart is the stand-in child of a multipart without body parts.
func emptyTextPart(at int64) *Part {
	return &Part{
		HeaderStart: at, HeaderEnd: at, BodyEnd: at,
		Type: "text", Subtype: "plain",
		Params:   []Param{{Name: "charset", Value: "us-ascii"}},
		Encoding: "7bit",
	}
}

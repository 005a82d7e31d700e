package loadgen

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// This file reads IMAP server responses (RFC 3501 §7, grammar §9). It is
// deliberately not internal/imap/wire: the generator checks the server,
// so it parses the server's output with code the server does not share
// (a bug in a shared codec would otherwise pass unnoticed on both ends).
// It reads only what the workloads ask for and skips, still in step with
// literals, anything else a server may send.

// response is one server response: a status (tagged or untagged), a
// continuation request, or untagged data.
type response struct {
	// Tag is "*", "+" or a command's tag.
	Tag string
	// Status is OK, NO, BAD, BYE or PREAUTH for status responses, with
	// the response code between the brackets (without them) and the
	// text. A continuation request has its text in Text.
	Status, Code, Text string
	// Kind names untagged data: EXISTS, EXPUNGE, RECENT and FETCH, which
	// carry Num; CAPABILITY, SEARCH, FLAGS, LIST and others, whose
	// arguments are in Fields.
	Kind   string
	Num    uint32
	Fields []string
	Fetch  *fetchData
}

// fetchData is what one FETCH response carried.
type fetchData struct {
	UID               uint32
	HasUID, HasFlags  bool
	Flags             []string
	Size              int64 // RFC822.SIZE
	HasSize           bool
	Bodies            []bodyData
	items             map[string]bool
	hasDate, hasOther bool
}

// bodyData is one BODY[section] item of a FETCH response.
type bodyData struct {
	// Section is the item's name as sent, upper-cased: "BODY[]",
	// "BODY[HEADER.FIELDS (FROM SUBJECT)]".
	Section string
	Nil     bool
	Size    int64 // octets of the literal or quoted string
	// Checked reports that a full message (BODY[]) carried a
	// BodyDigestHeader and its body matched it.
	Checked bool
	// Head is the start of the content, at most maxBodyHead octets.
	Head []byte
	// Tail is the last (up to) 4 octets.
	Tail string
}

// Bounds of what the reader keeps in memory.
const (
	maxBodyHead  = 16 << 10 // start of a body item kept (headers)
	maxQuoted    = 64 << 10 // a quoted string
	maxFields    = 100_000  // arguments of one untagged data response
	maxListDepth = 16       // nesting of parenthesized lists
	maxLiteral   = 1 << 30  // announced size of one literal
)

// body returns the item whose section is name, or nil.
func (f *fetchData) body(name string) *bodyData {
	for i := range f.Bodies {
		if f.Bodies[i].Section == name {
			return &f.Bodies[i]
		}
	}
	return nil
}

// flagsOnly reports a FETCH response with nothing but FLAGS (and UID):
// the unsolicited kind a server sends when another session changed a
// message's flags (RFC 3501 §7.4.2), which may come amid the responses
// to a FETCH.
func (f *fetchData) flagsOnly() bool {
	return f.HasFlags && len(f.Bodies) == 0 && !f.HasSize && !f.hasDate && !f.hasOther
}

// hasFlag reports whether FLAGS listed flag (case-insensitive).
func (f *fetchData) hasFlag(flag string) bool {
	for _, g := range f.Flags {
		if strings.EqualFold(g, flag) {
			return true
		}
	}
	return false
}

// respReader parses responses from a buffered reader. The first error
// sticks: every later call returns at once, so a parse step reads as a
// sequence of calls followed by one check.
type respReader struct {
	r       *bufio.Reader
	c       interface{ SetReadDeadline(time.Time) error }
	timeout time.Duration
	err     error
}

func (p *respReader) fail(format string, args ...any) {
	if p.err == nil {
		p.err = protoErr(format, args...)
	}
}

func (p *respReader) ioFail(err error) {
	if p.err == nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		p.err = err
	}
}

func (p *respReader) deadline() {
	if p.c != nil && p.timeout > 0 {
		p.c.SetReadDeadline(time.Now().Add(p.timeout))
	}
}

func (p *respReader) peek() byte {
	if p.err != nil {
		return 0
	}
	b, err := p.r.Peek(1)
	if err != nil {
		p.ioFail(err)
		return 0
	}
	return b[0]
}

func (p *respReader) next() byte {
	if p.err != nil {
		return 0
	}
	b, err := p.r.ReadByte()
	if err != nil {
		p.ioFail(err)
		return 0
	}
	return b
}

// expect consumes byte b or fails naming what was being read.
func (p *respReader) expect(b byte, what string) {
	if c := p.next(); p.err == nil && c != b {
		p.fail("%s: %q where %q was expected", what, c, b)
	}
}

func (p *respReader) crlf(what string) {
	p.expect('\r', what)
	p.expect('\n', what)
}

// atomEnd reports the octets that end an atom-like token here: atom
// specials that can follow one in a response, and the line end.
func atomEnd(c byte) bool {
	switch c {
	case ' ', '(', ')', '[', ']', '{', '"', '\r', '\n':
		return true
	}
	return c < 0x20 || c == 0x7f
}

// atom reads a non-empty atom (flags such as \Seen included).
func (p *respReader) atom(what string) string {
	var b []byte
	for p.err == nil && !atomEnd(p.peek()) {
		if len(b) == maxLine {
			p.fail("%s: token over %d octets", what, maxLine)
			return ""
		}
		b = append(b, p.next())
	}
	if p.err == nil && len(b) == 0 {
		p.fail("%s: %q where a token was expected", what, p.peek())
	}
	return string(b)
}

// number reads an unsigned 32-bit number.
func (p *respReader) number(what string) uint32 {
	a := p.atom(what)
	if p.err != nil {
		return 0
	}
	n, err := strconv.ParseUint(a, 10, 32)
	if err != nil {
		p.fail("%s: %q is not a number", what, a)
	}
	return uint32(n)
}

// number64 reads an unsigned number of up to 63 bits.
func (p *respReader) number64(what string) int64 {
	a := p.atom(what)
	if p.err != nil {
		return 0
	}
	n, err := strconv.ParseInt(a, 10, 64)
	if err != nil || n < 0 {
		p.fail("%s: %q is not a number", what, a)
	}
	return n
}

// restOfLine reads up to CRLF (a status text); a bare LF fails.
func (p *respReader) restOfLine(what string) string {
	if p.err != nil {
		return ""
	}
	l, err := p.r.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		p.fail("%s: line over %d octets", what, maxLine)
		return ""
	}
	if err != nil {
		p.ioFail(err)
		return ""
	}
	if len(l) < 2 || l[len(l)-2] != '\r' {
		p.fail("%s: line %q does not end in CRLF", what, trunc(l))
		return ""
	}
	return string(l[:len(l)-2])
}

// quoted reads a quoted string (the opening quote not yet consumed).
func (p *respReader) quoted(what string) string {
	p.expect('"', what)
	var b []byte
	for p.err == nil {
		c := p.next()
		switch {
		case p.err != nil:
		case c == '"':
			return string(b)
		case c == '\\':
			c = p.next()
			if c != '\\' && c != '"' {
				p.fail("%s: quoted string escapes %q", what, c)
			}
			b = append(b, c)
		case c == '\r' || c == '\n':
			p.fail("%s: line end inside a quoted string", what)
		default:
			b = append(b, c)
		}
		if len(b) > maxQuoted {
			p.fail("%s: quoted string over %d octets", what, maxQuoted)
		}
	}
	return ""
}

// literalSize reads "{n}" CRLF and returns n. Servers send synchronizing
// literals only ({n+} is LITERAL+ syntax for clients).
func (p *respReader) literalSize(what string) int64 {
	p.expect('{', what)
	var n int64
	for digits := 0; p.err == nil && p.peek() != '}'; digits++ {
		c := p.next()
		if c < '0' || c > '9' || digits == 18 {
			p.fail("%s: literal size with %q", what, c)
			return 0
		}
		n = n*10 + int64(c-'0')
	}
	p.expect('}', what)
	p.crlf(what)
	if p.err == nil && n > maxLiteral {
		p.fail("%s: literal of %d octets", what, n)
	}
	return n
}

// literal reads n octets of a literal into d (size, head, tail), and,
// when full is set (BODY[], a whole message), requires CRLF line ends
// and checks the BodyDigestHeader. It streams: only the head is kept.
func (p *respReader) literal(n int64, full bool, d *bodyData, what string) {
	d.Size = n
	bc := bodyChecker{bol: true}
	lastCR := false // the octet before the current chunk was CR
	var tail []byte
	for rem := n; rem > 0 && p.err == nil; {
		p.deadline()
		want := int(min(rem, int64(p.r.Size())))
		buf, err := p.r.Peek(want)
		if err != nil {
			p.ioFail(err)
			return
		}
		if room := maxBodyHead - len(d.Head); room > 0 {
			d.Head = append(d.Head, buf[:min(room, len(buf))]...)
		}
		tail = append(tail, buf[max(0, len(buf)-4):]...)
		tail = tail[max(0, len(tail)-4):]
		if full {
			for len(buf) > 0 {
				i := bytes.IndexByte(buf, '\n')
				piece, ends := buf, false
				if i >= 0 {
					piece, ends = buf[:i+1], true
					if i == 0 && !lastCR || i > 0 && buf[i-1] != '\r' {
						p.fail("%s: bare LF in the message", what)
						return
					}
				}
				lastCR = piece[len(piece)-1] == '\r'
				bc.write(piece, ends)
				buf = buf[len(piece):]
			}
		}
		p.r.Discard(want)
		rem -= int64(want)
	}
	d.Tail = string(tail)
	if full && p.err == nil {
		ok, err := bc.verdict()
		if err != nil {
			p.err = fmt.Errorf("%s: %w", what, err)
		}
		d.Checked = ok
	}
}

// skipValue reads and drops one value: atom, number, NIL, quoted
// string, literal or a parenthesized list of values.
func (p *respReader) skipValue(depth int, what string) {
	switch p.peek() {
	case '"':
		p.quoted(what)
	case '{':
		var d bodyData
		p.literal(p.literalSize(what), false, &d, what)
	case '(':
		p.list(depth+1, what, nil)
	default:
		p.atom(what)
	}
}

// list reads a parenthesized list (the opening parenthesis not yet
// consumed); each atom or string element at the top is passed to each,
// when not nil.
func (p *respReader) list(depth int, what string, each func(string)) {
	if depth > maxListDepth {
		p.fail("%s: lists nested over %d deep", what, maxListDepth)
		return
	}
	p.expect('(', what)
	for first := true; p.err == nil; first = false {
		if p.peek() == ')' {
			p.next()
			return
		}
		if !first {
			p.expect(' ', what)
		}
		switch p.peek() {
		case '(':
			p.list(depth+1, what, nil)
		case '"':
			if s := p.quoted(what); each != nil {
				each(s)
			}
		default:
			if p.peek() == '{' {
				p.skipValue(depth, what)
			} else if s := p.atom(what); each != nil {
				each(s)
			}
		}
	}
}

// read reads one whole response. FETCH responses are parsed (and their
// body literals streamed and checked); other data responses are split
// into Fields, with literals read in full (bounded).
func (p *respReader) read() (*response, error) {
	p.deadline()
	r := &response{}
	r.Tag = p.atomOrPlus()
	switch {
	case p.err != nil:
	case r.Tag == "+":
		if p.peek() == ' ' {
			p.next()
		}
		r.Text = p.restOfLine("continuation")
	case r.Tag == "*":
		p.expect(' ', "untagged response")
		p.untagged(r)
	default:
		p.expect(' ', "tagged response")
		r.Status = strings.ToUpper(p.atom("tagged response"))
		if p.err == nil && r.Status != "OK" && r.Status != "NO" && r.Status != "BAD" {
			p.fail("tagged response %s %q is not OK, NO or BAD", r.Tag, r.Status)
		}
		p.statusText(r)
	}
	if p.err != nil {
		return nil, p.err
	}
	return r, nil
}

// atomOrPlus reads a tag: "+", "*" or a tag atom.
func (p *respReader) atomOrPlus() string {
	switch p.peek() {
	case '+', '*':
		return string(p.next())
	}
	return p.atom("response tag")
}

// untagged reads what follows "* ".
func (p *respReader) untagged(r *response) {
	if c := p.peek(); c >= '0' && c <= '9' {
		r.Num = p.number("message data")
		p.expect(' ', "message data")
		r.Kind = strings.ToUpper(p.atom("message data"))
		switch r.Kind {
		case "EXISTS", "EXPUNGE", "RECENT":
			p.crlf(r.Kind)
		case "FETCH":
			p.expect(' ', "FETCH")
			r.Fetch = p.fetch()
			p.crlf("FETCH")
		default:
			p.fail("untagged %d %q", r.Num, r.Kind)
		}
		return
	}
	word := strings.ToUpper(p.atom("untagged response"))
	switch word {
	case "OK", "NO", "BAD", "BYE", "PREAUTH":
		r.Status = word
		p.statusText(r)
	default:
		r.Kind = word
		r.Fields = p.fields(word)
	}
}

// statusText reads the optional " [code]" and text of a status response.
func (p *respReader) statusText(r *response) {
	if p.peek() == '\r' { // no text: RFC 3501 wants one, but no harm done
		p.crlf("status")
		return
	}
	p.expect(' ', "status")
	if p.peek() == '[' {
		p.next()
		var b []byte
		for p.err == nil {
			c := p.next()
			if c == ']' {
				break
			}
			if c == '\r' || c == '\n' || len(b) == maxLine {
				p.fail("response code not closed")
				return
			}
			b = append(b, c)
		}
		r.Code = string(b)
		if p.peek() == ' ' {
			p.next()
		}
	}
	r.Text = p.restOfLine("status")
}

// fields reads the rest of an untagged data response as tokens:
// parentheses dropped, quoted strings and literals as their content.
func (p *respReader) fields(what string) []string {
	var out []string
	for depth := 0; p.err == nil; {
		switch c := p.peek(); c {
		case '\r':
			if depth != 0 {
				p.fail("%s: unbalanced parentheses", what)
			}
			p.crlf(what)
			return out
		case ' ':
			p.next()
		case '(':
			p.next()
			if depth++; depth > maxListDepth {
				p.fail("%s: lists nested over %d deep", what, maxListDepth)
			}
		case ')':
			p.next()
			if depth--; depth < 0 {
				p.fail("%s: unbalanced parentheses", what)
			}
		case '"':
			out = append(out, p.quoted(what))
		case '{':
			var d bodyData
			p.literal(p.literalSize(what), false, &d, what)
			out = append(out, string(d.Head))
		case '[', ']':
			p.next() // NAMESPACE and LIST never send them; ESEARCH codes might
		default:
			out = append(out, p.atom(what))
		}
		if len(out) > maxFields {
			p.fail("%s: over %d arguments", what, maxFields)
		}
	}
	return out
}

// fetch reads a FETCH response's parenthesized list of items.
func (p *respReader) fetch() *fetchData {
	f := &fetchData{items: map[string]bool{}}
	p.expect('(', "FETCH")
	for first := true; p.err == nil; first = false {
		if p.peek() == ')' {
			p.next()
			if first {
				p.fail("FETCH: empty item list")
			}
			return f
		}
		if !first {
			p.expect(' ', "FETCH")
		}
		name := p.itemName()
		if p.err != nil {
			return f
		}
		if f.items[name] {
			p.fail("FETCH: item %s twice", name)
			return f
		}
		f.items[name] = true
		p.expect(' ', "FETCH "+name)
		switch {
		case name == "UID":
			f.UID, f.HasUID = p.number("FETCH UID"), true
			if f.UID == 0 {
				p.fail("FETCH: UID 0")
			}
		case name == "FLAGS":
			f.HasFlags, f.Flags = true, []string{}
			p.list(0, "FETCH FLAGS", func(s string) { f.Flags = append(f.Flags, s) })
		case name == "RFC822.SIZE":
			f.Size, f.HasSize = p.number64("FETCH RFC822.SIZE"), true
		case name == "INTERNALDATE":
			f.hasDate = true
			p.quoted("FETCH INTERNALDATE")
		case strings.HasPrefix(name, "BODY["):
			f.Bodies = append(f.Bodies, p.bodyValue(name))
		default:
			f.hasOther = true
			p.skipValue(0, "FETCH "+name)
		}
	}
	return f
}

// itemName reads a FETCH item's name, a section in brackets and a
// partial <origin> included, upper-cased.
func (p *respReader) itemName() string {
	var b []byte
	for p.err == nil && len(b) < maxLine {
		c := p.peek()
		if c == ' ' || c == ')' || c == '\r' || c == '\n' {
			break
		}
		p.next()
		b = append(b, c)
		if c == '[' { // a section: anything up to the closing bracket
			for p.err == nil && len(b) < maxLine {
				c = p.next()
				if c == '\r' || c == '\n' {
					p.fail("FETCH: section not closed")
				}
				b = append(b, c)
				if c == ']' {
					break
				}
			}
		}
	}
	if p.err == nil && len(b) == 0 {
		p.fail("FETCH: %q where an item name was expected", p.peek())
	}
	return strings.ToUpper(string(b))
}

// bodyValue reads the nstring of a BODY[section] item.
func (p *respReader) bodyValue(name string) bodyData {
	d := bodyData{Section: name}
	switch p.peek() {
	case '{':
		p.literal(p.literalSize("FETCH "+name), name == "BODY[]", &d, "FETCH "+name)
	case '"':
		s := p.quoted("FETCH " + name)
		d.Size, d.Head, d.Tail = int64(len(s)), []byte(s), s[max(0, len(s)-4):]
	default:
		if a := p.atom("FETCH " + name); p.err == nil && !strings.EqualFold(a, "NIL") {
			p.fail("FETCH %s: %q is not a string", name, a)
		}
		d.Nil = true
	}
	return d
}

package mime

// Part is one entity of a parsed message: the top-level message, a body
// part of a multipart, or a message encapsulated in a message/rfc822 part.
// Offsets are byte positions in the raw message as stored.
//
// The header block is [HeaderStart, HeaderEnd); it includes the blank line
// that ends it when there is one. The body is [HeaderEnd, BodyEnd). Inside
// a multipart the line break before a boundary delimiter belongs to the
// delimiter (RFC 2046 §5.1.1), so it is not part of the preceding body;
// the one exception is a header block whose blank line is directly
// followed by the delimiter: the blank line stays in the header (and in an
// enclosing message/rfc822 body), so BODY[n.MIME] and BODY[n.HEADER] keep
// it.
type Part struct {
	HeaderStart int64 // first byte of the header block
	HeaderEnd   int64 // end of the header block, which is also BodyStart
	BodyEnd     int64 // end of the body (exclusive)

	// Header is a copy of the header block [HeaderStart, HeaderEnd) of the
	// top-level message when Parse kept it (blocks of at most
	// MaxKeptHeader bytes), so that BODY[HEADER.FIELDS ...] is served
	// without reading the message; nil otherwise, and on every other part.
	// HasHeader reports whether it is usable.
	Header []byte

	// Lines is the number of lines in the body, counted for text/* and
	// message/rfc822 parts only (RFC 3501 body-fld-lines), 0 otherwise. A
	// final line without a line break counts.
	Lines int64

	// Type and Subtype are lower-case ("text", "plain"). A missing or
	// invalid Content-Type gives text/plain; charset=us-ascii, or
	// message/rfc822 inside a multipart/digest (RFC 2045 §5.2, RFC 2046
	// §5.1.5).
	Type, Subtype string
	// Params are the Content-Type parameters in header order, names
	// lower-case, values unquoted and with RFC 2231 continuations and
	// charsets decoded.
	Params []Param

	ID          string // Content-ID, unfolded, as written
	Description string // Content-Description, unfolded, as written
	// Encoding is the Content-Transfer-Encoding, lower-case; "7bit" when
	// absent. Unknown values are kept as written (lower-cased).
	Encoding string

	// Disposition is the Content-Disposition type, lower-case, "" when the
	// field is absent; DispositionParams are its parameters.
	Disposition       string
	DispositionParams []Param

	Language []string // Content-Language tags, in order
	Location string   // Content-Location, unfolded
	MD5      string   // Content-MD5, as written

	// Children are the body parts of a multipart, in order. A multipart
	// always has at least one child: when none was found, a synthetic
	// empty text/plain part at BodyEnd stands in (RFC 3501 requires one).
	Children []*Part

	// Message is the encapsulated message of a message/rfc822 part; it is
	// never nil for such a part and spans exactly its body.
	Message *Part

	// Envelope is set on the top-level message and on every Message.
	Envelope *Envelope
}

// Param is one parameter of a Content-Type or Content-Disposition field.
type Param struct {
	Name  string // lower-case
	Value string // decoded
}

// HasHeader reports whether Header holds the whole header block (an empty
// block needs no bytes).
func (p *Part) HasHeader() bool { return int64(len(p.Header)) == p.HeaderEnd-p.HeaderStart }

// BodyStart is the offset of the first byte of the body (= HeaderEnd).
func (p *Part) BodyStart() int64 { return p.HeaderEnd }

// Size is the body size in octets (RFC 3501 body-fld-octets).
func (p *Part) Size() int64 { return p.BodyEnd - p.HeaderEnd }

// IsMultipart reports whether p is a multipart/* part.
func (p *Part) IsMultipart() bool { return p.Type == "multipart" }

// IsMessage reports whether p is a message/rfc822 part, whose body is an
// encapsulated message (p.Message).
func (p *Part) IsMessage() bool { return p.Type == "message" && p.Subtype == "rfc822" }

// Param returns the value of the Content-Type parameter name (lower-case)
// and whether it is present.
func (p *Part) Param(name string) (string, bool) { return lookupParam(p.Params, name) }

func lookupParam(ps []Param, name string) (string, bool) {
	for _, x := range ps {
		if x.Name == name {
			return x.Value, true
		}
	}
	return "", false
}

// Find resolves an IMAP part number (RFC 3501 §6.4.5), given as its
// numbers (for "4.2.1", []int{4, 2, 1}), starting from the message p. An
// empty section is the message itself.
//
// Numbering rules: the parts of a multipart are numbered from 1 in order; a
// message that is not multipart has exactly one part, 1, which is the
// message itself (BODY[1] is its body); the parts of a message/rfc822 part
// are the parts of its encapsulated message, numbered by the same rules, so
// "3.1" is the first part of the body of the message in part 3 (or that
// whole body when it is not multipart). Other leaves have no sub-parts.
//
// For a message/rfc822 part q, HEADER and TEXT of that section refer to
// q.Message; MIME refers to q itself.
func (p *Part) Find(section []int) (*Part, bool) {
	if len(section) == 0 {
		return p, true
	}
	cur, ok := messagePart(p, section[0])
	for _, n := range section[1:] {
		if !ok {
			break
		}
		cur, ok = subPart(cur, n)
	}
	if !ok {
		return nil, false
	}
	return cur, true
}

// messagePart returns part n of message m.
func messagePart(m *Part, n int) (*Part, bool) {
	if m.IsMultipart() {
		return child(m, n)
	}
	if n == 1 {
		return m, true
	}
	return nil, false
}

// subPart returns part n inside part q, which already has a number.
func subPart(q *Part, n int) (*Part, bool) {
	switch {
	case q.IsMultipart():
		return child(q, n)
	case q.IsMessage() && q.Message != nil:
		return messagePart(q.Message, n)
	}
	return nil, false
}

func child(q *Part, n int) (*Part, bool) {
	if n < 1 || n > len(q.Children) {
		return nil, false
	}
	return q.Children[n-1], true
}

// Walk calls fn for every part that has an IMAP part number, in order, with
// that number; section is reused between calls and must be copied to be
// kept. The message p itself is visited as part 1 when it is not
// multipart. Walk stops early when fn returns false.
func (p *Part) Walk(fn func(section []int, q *Part) bool) {
	walkMessage(p, make([]int, 0, 8), fn)
}

func walkMessage(m *Part, sec []int, fn func([]int, *Part) bool) bool {
	if m.IsMultipart() {
		return walkChildren(m, sec, fn)
	}
	return walkNumbered(m, append(sec, 1), fn)
}

func walkChildren(q *Part, sec []int, fn func([]int, *Part) bool) bool {
	for i, c := range q.Children {
		if !walkNumbered(c, append(sec, i+1), fn) {
			return false
		}
	}
	return true
}

// walkNumbered visits q, numbered sec, and the parts under it.
func walkNumbered(q *Part, sec []int, fn func([]int, *Part) bool) bool {
	if !fn(sec, q) {
		return false
	}
	switch {
	case q.IsMultipart():
		return walkChildren(q, sec, fn)
	case q.IsMessage() && q.Message != nil:
		return walkMessage(q.Message, sec, fn)
	}
	return true
}

package mime

import (
	"fmt"
	"strconv"
	"testing"
)

// A small, independent reader of IMAP s-expressions, used to check that
// what imapform.go writes follows the RFC 3501 §9 grammar.

type sexp struct {
	list  []*sexp
	isNil bool
	isNum bool
	isStr bool
	str   string
	space bool // a SP preceded this element in its list
}

func parseSexp(b []byte) (*sexp, error) {
	r := &sexpReader{b: b}
	n, err := r.item()
	if err == nil && r.i != len(b) {
		err = fmt.Errorf("trailing bytes at %d", r.i)
	}
	return n, err
}

type sexpReader struct {
	b []byte
	i int
}

func (r *sexpReader) item() (*sexp, error) {
	if r.i >= len(r.b) {
		return nil, fmt.Errorf("unexpected end")
	}
	switch c := r.b[r.i]; {
	case c == '(':
		return r.listItem()
	case c == '"':
		return r.quoted()
	case c == '{':
		return r.literal()
	case c == 'N':
		if r.i+3 <= len(r.b) && string(r.b[r.i:r.i+3]) == "NIL" {
			r.i += 3
			return &sexp{isNil: true}, nil
		}
	case '0' <= c && c <= '9':
		j := r.i
		for j < len(r.b) && '0' <= r.b[j] && r.b[j] <= '9' {
			j++
		}
		n := &sexp{isNum: true, str: string(r.b[r.i:j])}
		r.i = j
		return n, nil
	}
	return nil, fmt.Errorf("unexpected %q at %d", r.b[r.i], r.i)
}

func (r *sexpReader) listItem() (*sexp, error) {
	r.i++
	n := &sexp{}
	for {
		if r.i >= len(r.b) {
			return nil, fmt.Errorf("unclosed list")
		}
		if r.b[r.i] == ')' {
			r.i++
			if len(n.list) == 0 {
				return nil, fmt.Errorf("empty list")
			}
			return n, nil
		}
		space := false
		if r.b[r.i] == ' ' {
			space = true
			r.i++
		}
		if space == (len(n.list) == 0) && !(len(n.list) > 0 && r.b[r.i] == '(') {
			return nil, fmt.Errorf("bad spacing at %d", r.i)
		}
		e, err := r.item()
		if err != nil {
			return nil, err
		}
		e.space = space
		n.list = append(n.list, e)
	}
}

func (r *sexpReader) quoted() (*sexp, error) {
	var s []byte
	for r.i++; r.i < len(r.b); r.i++ {
		switch c := r.b[r.i]; c {
		case '"':
			r.i++
			return &sexp{isStr: true, str: string(s)}, nil
		case '\\':
			r.i++
			if r.i >= len(r.b) || (r.b[r.i] != '"' && r.b[r.i] != '\\') {
				return nil, fmt.Errorf("bad escape")
			}
			s = append(s, r.b[r.i])
		case '\r', '\n', 0:
			return nil, fmt.Errorf("CR, LF or NUL in quoted string")
		default:
			if c >= 0x80 {
				return nil, fmt.Errorf("8-bit in quoted string")
			}
			s = append(s, c)
		}
	}
	return nil, fmt.Errorf("unclosed quoted string")
}

func (r *sexpReader) literal() (*sexp, error) {
	j := r.i + 1
	for j < len(r.b) && r.b[j] != '}' {
		j++
	}
	n, err := strconv.Atoi(string(r.b[r.i+1 : min(j, len(r.b))]))
	if err != nil || j+3+n > len(r.b) || string(r.b[j:j+3]) != "}\r\n" {
		return nil, fmt.Errorf("bad literal at %d", r.i)
	}
	s := r.b[j+3 : j+3+n]
	for _, c := range s {
		if c == 0 {
			return nil, fmt.Errorf("NUL in literal")
		}
	}
	r.i = j + 3 + n
	return &sexp{isStr: true, str: string(s)}, nil
}

// checkBodySyntax validates a BODY (ext false) or BODYSTRUCTURE (ext true).
func checkBodySyntax(b []byte, ext bool) error {
	n, err := parseSexp(b)
	if err != nil {
		return err
	}
	return checkBody(n, ext, 0)
}

func checkBody(n *sexp, ext bool, depth int) error {
	if n.list == nil || depth > maxUnmarshalDepth {
		return fmt.Errorf("body is not a list")
	}
	l := n.list
	if l[0].list != nil { // body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]
		i := 0
		for ; i < len(l) && l[i].list != nil; i++ {
			if i > 0 && l[i].space {
				return fmt.Errorf("space between multipart bodies")
			}
			if err := checkBody(l[i], ext, depth+1); err != nil {
				return err
			}
		}
		if i >= len(l) || !l[i].isStr || !l[i].space {
			return fmt.Errorf("multipart without subtype")
		}
		rest := l[i+1:]
		if !ext {
			return wantLen(rest, 0)
		}
		if err := wantLen(rest, 4); err != nil {
			return err
		}
		return checkExt(rest[0], rest[1:])
	}
	return checkSinglePart(l, ext, depth)
}

func checkSinglePart(l []*sexp, ext bool, depth int) error {
	if len(l) < 7 {
		return fmt.Errorf("single part with %d fields", len(l))
	}
	for i, ok := range []bool{l[0].isStr, l[1].isStr, isParams(l[2]), isNString(l[3]), isNString(l[4]), l[5].isStr, l[6].isNum} {
		if !ok {
			return fmt.Errorf("body field %d invalid", i)
		}
	}
	rest := l[7:]
	switch {
	case l[0].str == "MESSAGE" && l[1].str == "RFC822":
		if len(rest) < 3 || !rest[2].isNum {
			return fmt.Errorf("message/rfc822 without envelope, body, lines")
		}
		if err := checkEnvelope(rest[0]); err != nil {
			return err
		}
		if err := checkBody(rest[1], ext, depth+1); err != nil {
			return err
		}
		rest = rest[3:]
	case l[0].str == "TEXT":
		if len(rest) < 1 || !rest[0].isNum {
			return fmt.Errorf("text without lines")
		}
		rest = rest[1:]
	}
	if !ext {
		return wantLen(rest, 0)
	}
	if err := wantLen(rest, 4); err != nil {
		return err
	}
	if !isNString(rest[0]) {
		return fmt.Errorf("bad md5")
	}
	return checkExt(nil, rest[1:])
}

// checkExt checks [params] dsp lang loc.
func checkExt(params *sexp, l []*sexp) error {
	if params != nil && !isParams(params) {
		return fmt.Errorf("bad multipart params")
	}
	dsp, lang, loc := l[0], l[1], l[2]
	if !dsp.isNil && (len(dsp.list) != 2 || !dsp.list[0].isStr || !isParams(dsp.list[1])) {
		return fmt.Errorf("bad disposition")
	}
	if !isNString(lang) && !allStrings(lang) {
		return fmt.Errorf("bad language")
	}
	if !isNString(loc) {
		return fmt.Errorf("bad location")
	}
	return nil
}

func checkEnvelope(n *sexp) error {
	if len(n.list) != 10 {
		return fmt.Errorf("envelope with %d fields", len(n.list))
	}
	l := n.list
	for _, i := range []int{0, 1, 8, 9} {
		if !isNString(l[i]) {
			return fmt.Errorf("envelope field %d not an nstring", i)
		}
	}
	for _, a := range l[2:8] {
		if err := checkAddresses(a); err != nil {
			return err
		}
	}
	return nil
}

func checkAddresses(n *sexp) error {
	if n.isNil {
		return nil
	}
	for i, a := range n.list {
		if a.list == nil || len(a.list) != 4 || (i > 0 && a.space) {
			return fmt.Errorf("bad address")
		}
		for _, f := range a.list {
			if !isNString(f) {
				return fmt.Errorf("bad address field")
			}
		}
	}
	if n.list == nil {
		return fmt.Errorf("address list is not a list")
	}
	return nil
}

func isNString(n *sexp) bool { return n.isNil || n.isStr }

func isParams(n *sexp) bool {
	return n.isNil || (len(n.list)%2 == 0 && allStrings(n))
}

func allStrings(n *sexp) bool {
	if len(n.list) == 0 {
		return false
	}
	for _, e := range n.list {
		if !e.isStr {
			return false
		}
	}
	return true
}

func wantLen(l []*sexp, n int) error {
	if len(l) != n {
		return fmt.Errorf("%d trailing fields, want %d", len(l), n)
	}
	return nil
}

// The checker itself must reject what the grammar forbids.
func TestSyntaxCheckerRejects(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		`("TEXT" "PLAIN" NIL NIL NIL "7BIT" 1)`,                                                     // no lines
		`("TEXT" "PLAIN" NIL NIL NIL "7BIT" 1 1 NIL NIL NIL)`,                                       // short extension
		`(("TEXT" "PLAIN" NIL NIL NIL "7BIT" 1 1) ("TEXT" "PLAIN" NIL NIL NIL "7BIT" 1 1) "MIXED")`, // space between bodies
		`("IMAGE" "PNG" ("A") NIL NIL "BASE64" 1)`,                                                  // odd params
		`("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 1 ("TEXT" "PLAIN" NIL NIL NIL "7BIT" 1 1) 1)`,       // no envelope
		`("TEXT"  "PLAIN" NIL NIL NIL "7BIT" 1 1)`,
		"(\"a\nb\" \"PLAIN\" NIL NIL NIL \"7BIT\" 1 1)",
	} {
		if checkBodySyntax([]byte(s), false) == nil && checkBodySyntax([]byte(s), true) == nil {
			t.Errorf("accepted %s", s)
		}
	}
}

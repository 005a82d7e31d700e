package wire

import (
	"encoding/base64"
	"strconv"
)

// Parser reads the arguments of one Command. Every helper reads one
// argument, separated from the previous one by one or more spaces (spec
// §4.2: spaces are parsed liberally), and returns its zero value once an
// error has been recorded; the first error is kept and returned by Err, so
// a handler checks once after parsing everything, End included.
type Parser struct {
	cmd *Command
	s   []byte
	pos int
	li  int  // next literal in cmd.lits
	sep bool // a space is required before the next argument
	err error
	// nameErr records a mailbox name that is not valid modified UTF-7:
	// the command is well formed, so parsing goes on and Err reports it
	// (Status NO) only when nothing else is wrong.
	nameErr error
	paren   int // current parenthesis depth in search keys
}

// NewParser returns a parser over cmd's arguments.
func NewParser(cmd *Command) *Parser {
	return &Parser{cmd: cmd, s: cmd.args, sep: true}
}

// Err returns the first error as a *CommandError with the command's tag
// (Status BAD), or nil. A command well formed but for a mailbox name that
// is not valid modified UTF-7 returns one with Status NO wrapping
// ErrMailboxName: the session answers NO, not BAD.
func (p *Parser) Err() error {
	if p.err != nil {
		return p.err
	}
	return p.nameErr
}

// fail records a syntax error with a short client-safe text.
func (p *Parser) fail(text string) { p.failKind(ErrSyntax, text) }

func (p *Parser) failKind(kind error, text string) {
	if p.err == nil {
		p.err = badError(p.cmd.Tag, kind, text)
	}
}

// begin prepares to read an argument: it requires a separating space where
// one is due, skips any number of spaces and reports whether a token
// follows. It may be called again before the token is read.
func (p *Parser) begin(what string) bool {
	if p.err != nil {
		return false
	}
	start := p.pos
	for p.pos < len(p.s) && p.s[p.pos] == ' ' {
		p.pos++
	}
	if p.pos == len(p.s) {
		p.fail("Missing " + what)
		return false
	}
	if p.sep && p.pos == start {
		p.fail("Missing space before " + what)
		return false
	}
	p.sep = false
	return true
}

// done ends a token: the next argument needs a separator. The token must
// be followed by a space, ")" or the end of the arguments.
func (p *Parser) done(what string) {
	p.sep = true
	if p.pos < len(p.s) && p.s[p.pos] != ' ' && p.s[p.pos] != ')' {
		p.fail("Invalid " + what)
	}
}

// Peek returns the first octet of the next argument without consuming
// anything, or 0 at the end of the arguments (or after an error). Handlers
// use it for optional arguments, e.g. APPEND's flag list ('(') and
// date-time ('"').
func (p *Parser) Peek() byte {
	if p.err != nil {
		return 0
	}
	i := p.pos
	for i < len(p.s) && p.s[i] == ' ' {
		i++
	}
	if i == len(p.s) {
		return 0
	}
	return p.s[i]
}

// More reports whether another argument follows.
func (p *Parser) More() bool {
	if p.err != nil {
		return false
	}
	i := p.pos
	for i < len(p.s) && p.s[i] == ' ' {
		i++
	}
	return i < len(p.s)
}

// End requires that no argument is left (trailing spaces are ignored).
func (p *Parser) End() {
	if p.err != nil {
		return
	}
	for p.pos < len(p.s) && p.s[p.pos] == ' ' {
		p.pos++
	}
	if p.pos < len(p.s) || p.li < len(p.cmd.lits) {
		p.fail("Too many arguments")
	}
}

// run advances over octets accepted by ok and returns them.
func (p *Parser) run(ok func(byte) bool) []byte {
	start := p.pos
	for p.pos < len(p.s) && ok(p.s[p.pos]) {
		p.pos++
	}
	return p.s[start:p.pos]
}

// Atom reads an atom (1*ATOM-CHAR), as sent.
func (p *Parser) Atom() string {
	if !p.begin("argument") {
		return ""
	}
	a := p.run(isAtomChar)
	if len(a) == 0 {
		p.fail("Invalid atom")
		return ""
	}
	p.done("atom")
	return string(a)
}

// AString reads an astring: 1*ASTRING-CHAR, a quoted string or a literal.
func (p *Parser) AString() string {
	if !p.begin("argument") {
		return ""
	}
	if c := p.s[p.pos]; c == '"' || c == '{' {
		return p.StringArg()
	}
	a := p.run(isAStringChar)
	if len(a) == 0 {
		p.fail("Invalid string")
		return ""
	}
	p.done("string")
	return string(a)
}

// StringArg reads a string: quoted or literal (RFC 3501 §4.3). The result
// may hold any octet but NUL, CR and LF outside literals, and any but NUL
// inside them.
func (p *Parser) StringArg() string {
	if !p.begin("string") {
		return ""
	}
	var b []byte
	switch p.s[p.pos] {
	case '"':
		b = p.quoted()
	case '{':
		b = p.literal()
	default:
		p.fail("Invalid string")
	}
	if p.err != nil {
		return ""
	}
	p.done("string")
	return string(b)
}

// NString reads an nstring: NIL (ok false) or a string.
func (p *Parser) NString() (s string, ok bool) {
	if !p.begin("string") {
		return "", false
	}
	if p.nilAhead() {
		p.pos += 3
		p.done("NIL")
		return "", false
	}
	s = p.StringArg()
	return s, p.err == nil
}

// nilAhead reports the atom NIL (any case) at the current position.
func (p *Parser) nilAhead() bool {
	rest := p.s[p.pos:]
	if len(rest) < 3 || upperASCII(rest[:3]) != "NIL" {
		return false
	}
	return len(rest) == 3 || !isAtomChar(rest[3])
}

// quoted reads a quoted string at p.pos: DQUOTE *QUOTED-CHAR DQUOTE, where
// only "\" and DQUOTE may be escaped. It must not run into a literal.
func (p *Parser) quoted() []byte {
	b := []byte{}
	next := p.nextLiteralAt()
	for i := p.pos + 1; i < len(p.s) && i != next; i++ {
		switch c := p.s[i]; c {
		case '"':
			p.pos = i + 1
			return b
		case '\\':
			i++
			if i == len(p.s) || i == next || p.s[i] != '"' && p.s[i] != '\\' {
				p.fail("Invalid quoted string")
				return nil
			}
			b = append(b, p.s[i])
		case 0, '\r', '\n':
			p.fail("Invalid character in quoted string")
			return nil
		default:
			b = append(b, c)
		}
	}
	p.fail("Unterminated quoted string")
	return nil
}

// nextLiteralAt returns where the next literal's marker ends, or -1.
func (p *Parser) nextLiteralAt() int {
	if p.li < len(p.cmd.lits) {
		return p.cmd.lits[p.li].at
	}
	return -1
}

// literal reads a literal at p.pos: its marker must be the one the decoder
// read the octets for.
func (p *Parser) literal() []byte {
	i := p.pos + 1
	for i < len(p.s) && isDigit(p.s[i]) {
		i++
	}
	if i < len(p.s) && p.s[i] == '+' {
		i++
	}
	if i == len(p.s) || p.s[i] != '}' || i+1 != p.nextLiteralAt() {
		p.fail("Invalid literal")
		return nil
	}
	data := p.cmd.lits[p.li].data
	for _, c := range data {
		if c == 0 {
			p.fail("NUL in literal")
			return nil
		}
	}
	p.li++
	p.pos = i + 1
	return data
}

// Number reads a number: an unsigned 32-bit decimal (RFC 3501 §9 "number").
func (p *Parser) Number() uint32 {
	if !p.begin("number") {
		return 0
	}
	n, ok := p.scanUint32()
	if !ok {
		p.fail("Invalid number")
		return 0
	}
	p.done("number")
	return n
}

// NzNumber reads a non-zero number.
func (p *Parser) NzNumber() uint32 {
	n := p.Number()
	if n == 0 && p.err == nil {
		p.fail("Invalid number")
	}
	return n
}

// scanUint32 reads 1*DIGIT at p.pos without overflowing 32 bits.
func (p *Parser) scanUint32() (uint32, bool) {
	d := p.run(isDigit)
	if len(d) == 0 || len(d) > 10 {
		return 0, false
	}
	n, err := strconv.ParseUint(string(d), 10, 32)
	return uint32(n), err == nil
}

// list reads "(" elem *(SP elem) ")" with at least min elements, calling
// elem for each (elem reads one argument, and may call p.fail). At most
// MaxArgs elements are accepted. The list must be followed by a space, ")"
// or the end.
func (p *Parser) list(what string, min int, elem func()) {
	p.listBody(what, min, elem)
	if p.err == nil {
		p.done(what)
	}
}

// listBody is list without the check of what follows.
func (p *Parser) listBody(what string, min int, elem func()) {
	if !p.begin(what) {
		return
	}
	if p.s[p.pos] != '(' {
		p.fail("Invalid " + what)
		return
	}
	p.pos++
	p.sep = false
	for n := 0; p.err == nil; n++ {
		i := p.pos
		for i < len(p.s) && p.s[i] == ' ' {
			i++
		}
		if i == len(p.s) {
			p.fail("Unterminated list")
			return
		}
		if p.s[i] == ')' {
			if n < min {
				p.fail("Invalid " + what)
				return
			}
			p.pos = i + 1
			p.sep = true
			return
		}
		if n >= p.cmd.maxArgs {
			p.failKind(ErrTooMany, "Too many arguments")
			return
		}
		elem()
	}
}

// InitialResponse reads the optional SASL initial response of AUTHENTICATE
// (RFC 4959): ok is false when there is none; "=" is an empty response.
func (p *Parser) InitialResponse() (resp []byte, ok bool) {
	if !p.More() {
		return nil, false
	}
	a := p.Atom()
	if p.err != nil {
		return nil, false
	}
	if a == "=" {
		return []byte{}, true
	}
	resp, err := base64.StdEncoding.DecodeString(a)
	if err != nil {
		p.fail("Invalid base64")
		return nil, false
	}
	return resp, true
}

package lang

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The tokenizer follows PowerShell's two modes (about_Parsing): in
// argument mode (a command's arguments) a run of ordinary characters is a
// string even without quotes (mail.contoso.com, *Bindings, 00:00:30); in
// expression mode (the start of a statement, hash table values, method
// arguments) a bare word is a command name or a key and numbers are
// numbers. The parser chooses the mode for each token.

type mode int

const (
	argMode mode = iota
	exprMode
)

type tokKind int

const (
	tEOF tokKind = iota
	tNewline
	tSemi
	tPipe
	tComma
	tLParen
	tRParen
	tAtBrace     // @{
	tAtParen     // @(
	tDollarParen // $(
	tRBrace
	tEquals
	tParam    // -Name or -Name:
	tString   // a quoted string or a bare word
	tNumber   // 1024, 0x10, 10MB
	tVariable // $name
	tType     // [System.IO.File]
	tColonColon
)

func (k tokKind) String() string {
	return [...]string{"end of input", "newline", "';'", "'|'", "','", "'('", "')'", "'@{'", "'@('", "'$('",
		"'}'", "'='", "parameter", "string", "number", "variable", "type name", "'::'"}[k]
}

type token struct {
	kind tokKind
	pos  Pos
	end  Pos
	// text is the parameter, variable or type name, or a number's text.
	text  string
	colon bool // -Name:
	str   *StringLit
	num   int64
}

// lexer scans one token at a time from src, in the mode the parser asks
// for. It never looks further back than the current token.
type lexer struct {
	src string
	off int
}

// errAt builds a ParseError; incomplete marks input that may continue on
// the next line (an open quote, a '|' at the end).
func (lx *lexer) errAt(p int, incomplete bool, msg string) *ParseError {
	return &ParseError{Source: lx.src, Offset: p, Msg: msg, Incomplete: incomplete}
}

func (lx *lexer) peekRune(at int) (rune, int) {
	if at >= len(lx.src) {
		return -1, 0
	}
	return utf8.DecodeRuneInString(lx.src[at:])
}

// skipSpace skips blanks, comments and line continuations (a backtick at
// the end of a line), but not line breaks, which end statements.
func (lx *lexer) skipSpace() error {
	for lx.off < len(lx.src) {
		r, n := lx.peekRune(lx.off)
		switch {
		case r == '\n' || r == '\r':
			return nil
		case isSpace(r):
			lx.off += n
		case r == '`' && lx.lineBreakAt(lx.off+1) > 0:
			lx.off += 1 + lx.lineBreakAt(lx.off+1)
		case r == '`' && lx.off+1 == len(lx.src):
			return lx.errAt(lx.off+1, true, "Missing line after the line continuation character (`).")
		case r == '<' && strings.HasPrefix(lx.src[lx.off:], "<#"):
			end := strings.Index(lx.src[lx.off+2:], "#>")
			if end < 0 {
				return lx.errAt(lx.off, true, "The comment is not closed: missing '#>'.")
			}
			lx.off += 2 + end + 2
		case r == '#':
			for lx.off < len(lx.src) && lx.src[lx.off] != '\n' && lx.src[lx.off] != '\r' {
				lx.off++
			}
		default:
			return nil
		}
	}
	return nil
}

// lineBreakAt returns the length of a line break at p, or 0.
func (lx *lexer) lineBreakAt(p int) int {
	switch {
	case strings.HasPrefix(lx.src[p:], "\r\n"):
		return 2
	case p < len(lx.src) && (lx.src[p] == '\n' || lx.src[p] == '\r'):
		return 1
	}
	return 0
}

// next scans the next token in mode m.
func (lx *lexer) next(m mode) (token, error) {
	if err := lx.skipSpace(); err != nil {
		return token{}, err
	}
	start := lx.off
	tok := token{pos: Pos(start)}
	if start >= len(lx.src) {
		tok.kind, tok.end = tEOF, Pos(start)
		return tok, nil
	}
	if n := lx.lineBreakAt(start); n > 0 {
		lx.off += n
		tok.kind, tok.end = tNewline, Pos(lx.off)
		return tok, nil
	}
	if k, n := punct(lx.src[start:], m); n > 0 {
		lx.off += n
		tok.kind, tok.end = k, Pos(lx.off)
		return tok, nil
	}
	var err error
	if m == argMode {
		tok, err = lx.argToken(start)
	} else {
		tok, err = lx.exprToken(start)
	}
	tok.pos, tok.end = Pos(start), Pos(lx.off)
	return tok, err
}

// punct recognises the fixed tokens valid in mode m.
func punct(s string, m mode) (tokKind, int) {
	for _, p := range []struct {
		text string
		kind tokKind
	}{{"@{", tAtBrace}, {"@(", tAtParen}, {"$(", tDollarParen}, {";", tSemi}, {"|", tPipe},
		{",", tComma}, {"(", tLParen}, {")", tRParen}, {"}", tRBrace}} {
		if strings.HasPrefix(s, p.text) {
			return p.kind, len(p.text)
		}
	}
	if m == exprMode {
		switch {
		case strings.HasPrefix(s, "::"):
			return tColonColon, 2
		case strings.HasPrefix(s, "="):
			return tEquals, 1
		}
	}
	return 0, 0
}

// refuse reports the characters PowerShell gives a meaning this shell
// does not implement, so that they are never silently taken as text.
func (lx *lexer) refuse(p int, r rune) error {
	switch r {
	case '<':
		return lx.errAt(p, false, "The '<' operator is reserved for future use.")
	case '>':
		return lx.errAt(p, false, "Output redirection (>) is not supported by this shell.")
	case '&':
		return lx.errAt(p, false, "The ampersand (&) character is not allowed. Wrap it in quotation marks (\"&\") to pass it as part of a string.")
	case '{':
		return lx.errAt(p, false, "Script blocks ({...}) are not supported by this shell.")
	case '@':
		return lx.errAt(p, false, "Splatting (@name) is not supported by this shell.")
	}
	return lx.errAt(p, false, "Unexpected character '"+string(r)+"'.")
}

// argToken scans a token in argument mode: a parameter, a variable, or a
// word made of bare text, quoted pieces and variables.
func (lx *lexer) argToken(start int) (token, error) {
	r, n := lx.peekRune(start)
	if isDash(r) {
		if r2, _ := lx.peekRune(start + n); isParamStart(r2) {
			return lx.paramToken(start + n), nil
		}
	}
	switch r {
	case '<', '>', '&', '{':
		return token{}, lx.refuse(start, r)
	case '@':
		return token{}, lx.refuse(start, r)
	}
	if r == '$' {
		if name, end, ok := lx.varName(start + 1); ok && (lx.endsArgAt(end) || lx.memberAt(end)) {
			lx.off = end
			return token{kind: tVariable, text: name}, nil
		}
	}
	s, err := lx.word(start, argMode)
	if err != nil {
		return token{}, err
	}
	if s.Quote == 0 && len(s.Parts) == 1 && !s.Parts[0].Var {
		if v, ok := parseNumber(s.Parts[0].Text); ok {
			return token{kind: tNumber, text: s.Parts[0].Text, num: v}, nil
		}
	}
	return token{kind: tString, str: s}, nil
}

// endsArgAt reports whether an argument-mode token may end at p.
func (lx *lexer) endsArgAt(p int) bool {
	r, _ := lx.peekRune(p)
	return r < 0 || endsWord(r) || r == '<' || r == '>' || r == '&'
}

// memberAt reports whether ".Name" (a property access) starts at p.
func (lx *lexer) memberAt(p int) bool {
	return p+1 < len(lx.src) && lx.src[p] == '.' && (isLetter(lx.src[p+1]) || lx.src[p+1] == '_')
}

// member scans ".Name" at the current offset, or returns "".
func (lx *lexer) member() string {
	if !lx.memberAt(lx.off) {
		return ""
	}
	p := lx.off + 1
	for p < len(lx.src) && (isLetter(lx.src[p]) || isDigitByte(lx.src[p]) || lx.src[p] == '_') {
		p++
	}
	name := lx.src[lx.off+1 : p]
	lx.off = p
	return name
}

// paramToken scans -Name or -Name: starting after the dash.
func (lx *lexer) paramToken(p int) token {
	start := p
	for p < len(lx.src) {
		r, n := lx.peekRune(p)
		if r == ':' || endsWord(r) || r == '<' || r == '>' || r == '&' || isSingleQuote(r) || isDoubleQuote(r) {
			break
		}
		p += n
	}
	tok := token{kind: tParam, text: lx.src[start:p]}
	if p < len(lx.src) && lx.src[p] == ':' {
		tok.colon = true
		p++
	}
	lx.off = p
	return tok
}

// exprToken scans a token in expression mode.
func (lx *lexer) exprToken(start int) (token, error) {
	r, n := lx.peekRune(start)
	switch {
	case r == '$':
		name, end, ok := lx.varName(start + 1)
		if !ok {
			return token{}, lx.errAt(start, false, "Variable reference is not valid. '$' was not followed by a valid variable name character.")
		}
		lx.off = end
		return token{kind: tVariable, text: name}, nil
	case r == '[':
		return lx.typeToken(start)
	case isDigit(r) || (isDash(r) || r == '+') && isDigitAt(lx.src, start+n):
		end := start + n
		for end < len(lx.src) && isNumberChar(lx.src[end]) {
			end++
		}
		text := lx.src[start:end]
		if isDash(r) {
			text = "-" + lx.src[start+n:end]
		}
		v, ok := parseNumber(text)
		if !ok {
			return token{}, lx.errAt(start, false, "The number '"+lx.src[start:end]+"' is not valid.")
		}
		lx.off = end
		return token{kind: tNumber, text: text, num: v}, nil
	case isDash(r) || strings.ContainsRune("+*/%!<>&{@.", r):
		return token{}, lx.operatorError(start, r)
	case isSingleQuote(r) || isDoubleQuote(r):
		s, err := lx.word(start, exprMode)
		return token{kind: tString, str: s}, err
	}
	end := start
	for end < len(lx.src) {
		r, n := lx.peekRune(end)
		if endsWord(r) || r == '=' || r == '`' || isSingleQuote(r) || isDoubleQuote(r) || r == '<' || r == '>' || r == '&' {
			break
		}
		end += n
	}
	if end == start {
		return token{}, lx.refuse(start, r)
	}
	lx.off = end
	return token{kind: tString, str: &StringLit{Parts: []Part{{Text: lx.src[start:end]}}}}, nil
}

func (lx *lexer) operatorError(p int, r rune) error {
	if isDash(r) {
		end := p + utf8.RuneLen(r)
		for end < len(lx.src) && isLetter(lx.src[end]) {
			end++
		}
		if end > p+utf8.RuneLen(r) {
			return lx.errAt(p, false, "The '-"+lx.src[p+utf8.RuneLen(r):end]+"' operator is not supported by this shell.")
		}
	}
	if r == '<' || r == '>' || r == '&' || r == '{' || r == '@' {
		return lx.refuse(p, r)
	}
	return lx.errAt(p, false, "The '"+string(r)+"' operator is not supported by this shell.")
}

// typeToken scans [Type.Name] (brackets may nest: [Byte[]]).
func (lx *lexer) typeToken(start int) (token, error) {
	depth, p := 0, start
	for p < len(lx.src) {
		c := lx.src[p]
		switch {
		case c == '[':
			depth++
		case c == ']':
			depth--
		case !(isLetter(c) || isDigitByte(c) || c == '.' || c == '_' || c == ',' || c == ' '):
			return token{}, lx.errAt(p, false, "Unexpected character in a type name.")
		}
		p++
		if depth == 0 {
			lx.off = p
			return token{kind: tType, text: strings.TrimSpace(lx.src[start+1 : p-1])}, nil
		}
	}
	return token{}, lx.errAt(start, true, "Missing ']' at the end of a type name.")
}

// varName reads a variable name at p ($name, ${any text}, $env:NAME) and
// returns it with the offset after it.
func (lx *lexer) varName(p int) (string, int, bool) {
	if p < len(lx.src) && lx.src[p] == '{' {
		end := strings.IndexByte(lx.src[p+1:], '}')
		if end < 0 {
			return "", p, false
		}
		return lx.src[p+1 : p+1+end], p + 2 + end, true
	}
	start := p
	for p < len(lx.src) {
		c := lx.src[p]
		if isLetter(c) || isDigitByte(c) || c == '_' || c == '?' ||
			c == ':' && p > start && p+1 < len(lx.src) && isLetter(lx.src[p+1]) {
			p++
			continue
		}
		break
	}
	return lx.src[start:p], p, p > start
}

// word scans a string token: in argument mode bare text with quoted
// pieces and variables until a separator; in expression mode exactly one
// quoted string. A token that is one quoted piece keeps its quote kind.
func (lx *lexer) word(start int, m mode) (*StringLit, error) {
	s := &StringLit{}
	b := &partBuilder{s: s}
	p, pieces, bare := start, 0, false
loop:
	for p < len(lx.src) {
		r, n := lx.peekRune(p)
		var err error
		switch {
		case isSingleQuote(r):
			p, err = lx.singleQuoted(p+n, b)
			pieces++
			s.Quote = '\''
		case isDoubleQuote(r):
			p, err = lx.doubleQuoted(p+n, b)
			pieces++
			s.Quote = '"'
		case m == exprMode || endsWord(r) || r == '<' || r == '>' || r == '&':
			break loop
		default:
			p, err = lx.bareRune(p, b)
			bare = true
		}
		if err != nil {
			return nil, err
		}
		if m == exprMode {
			break
		}
	}
	lx.off = p
	if pieces > 1 || bare {
		s.Quote = 0
	}
	b.flush()
	return s, nil
}

// partBuilder accumulates a string's literal text and variables.
type partBuilder struct {
	s   *StringLit
	buf strings.Builder
}

func (b *partBuilder) text(t string) { b.buf.WriteString(t) }

func (b *partBuilder) variable(name string) {
	b.flush()
	b.s.Parts = append(b.s.Parts, Part{Text: name, Var: true})
}

func (b *partBuilder) flush() {
	if b.buf.Len() > 0 || len(b.s.Parts) == 0 {
		b.s.Parts = append(b.s.Parts, Part{Text: b.buf.String()})
		b.buf.Reset()
	}
}

// singleQuoted reads a '...' string after its opening quote: no escapes
// but a doubled quote.
func (lx *lexer) singleQuoted(p int, b *partBuilder) (int, error) {
	for p < len(lx.src) {
		r, n := lx.peekRune(p)
		if isSingleQuote(r) {
			if r2, n2 := lx.peekRune(p + n); isSingleQuote(r2) {
				b.text(string(r2))
				p += n + n2
				continue
			}
			return p + n, nil
		}
		b.text(lx.src[p : p+n])
		p += n
	}
	return p, lx.errAt(p, true, "The string is missing the terminator: '.")
}

// doubleQuoted reads a "..." string after its opening quote: backtick
// escapes, a doubled quote, and $name expansion.
func (lx *lexer) doubleQuoted(p int, b *partBuilder) (int, error) {
	for p < len(lx.src) {
		r, n := lx.peekRune(p)
		switch {
		case isDoubleQuote(r):
			if r2, n2 := lx.peekRune(p + n); isDoubleQuote(r2) {
				b.text(string(r2))
				p += n + n2
				continue
			}
			return p + n, nil
		case r == '`':
			if p+n >= len(lx.src) {
				return p + n, lx.errAt(p+n, true, "The string is missing the terminator: \".")
			}
			r2, n2 := lx.peekRune(p + n)
			b.text(escape(r2))
			p += n + n2
		case r == '$':
			np, err := lx.dollar(p, b)
			if err != nil {
				return np, err
			}
			p = np
		default:
			b.text(lx.src[p : p+n])
			p += n
		}
	}
	return p, lx.errAt(p, true, "The string is missing the terminator: \".")
}

// dollar handles '$' inside a double-quoted string or a bare word.
func (lx *lexer) dollar(p int, b *partBuilder) (int, error) {
	if strings.HasPrefix(lx.src[p:], "$(") {
		return p, lx.errAt(p, false, "Subexpressions ($(...)) inside strings are not supported by this shell.")
	}
	if name, end, ok := lx.varName(p + 1); ok {
		b.variable(name)
		return end, nil
	}
	b.text("$")
	return p + 1, nil
}

// bareRune consumes one piece of a bare word: a character, an escape or a
// variable.
func (lx *lexer) bareRune(p int, b *partBuilder) (int, error) {
	r, n := lx.peekRune(p)
	switch r {
	case '`':
		if p+n >= len(lx.src) {
			return p + n, lx.errAt(p+n, true, "Missing line after the line continuation character (`).")
		}
		r2, n2 := lx.peekRune(p + n)
		b.text(escape(r2))
		return p + n + n2, nil
	case '$':
		return lx.dollar(p, b)
	}
	b.text(lx.src[p : p+n])
	return p + n, nil
}

// escape returns the character a backtick escape stands for.
func escape(r rune) string {
	switch r {
	case '0':
		return "\x00"
	case 'a':
		return "\a"
	case 'b':
		return "\b"
	case 'e':
		return "\x1b"
	case 'f':
		return "\f"
	case 'n':
		return "\n"
	case 'r':
		return "\r"
	case 't':
		return "\t"
	case 'v':
		return "\v"
	}
	return string(r)
}

// parseNumber reads PowerShell's integer literals: decimal or 0x hex, with
// an optional sign and a KB/MB/GB/TB/PB multiplier. Anything else
// (1.5, 00:30:00, 1e3) stays text.
func parseNumber(s string) (int64, bool) {
	t := strings.ToLower(s)
	neg := false
	if strings.HasPrefix(t, "-") || strings.HasPrefix(t, "+") {
		neg, t = t[0] == '-', t[1:]
	}
	mult := int64(1)
	for i, suf := range []string{"kb", "mb", "gb", "tb", "pb"} {
		if strings.HasSuffix(t, suf) {
			mult, t = int64(1)<<(10*(i+1)), strings.TrimSuffix(t, suf)
			break
		}
	}
	base := 10
	if strings.HasPrefix(t, "0x") {
		base, t = 16, t[2:]
	}
	if t == "" || strings.ContainsAny(t, "+-_") {
		return 0, false
	}
	v, err := strconv.ParseInt(t, base, 64)
	if err != nil || v > (1<<63-1)/mult {
		return 0, false
	}
	v *= mult
	if neg {
		v = -v
	}
	return v, true
}

// looksLikeNumber reports whether a bare word would scan as a number.
func looksLikeNumber(s string) bool { _, ok := parseNumber(s); return ok }

func isSpace(r rune) bool {
	return r != '\n' && r != '\r' && (r == ' ' || r == '\t' || unicode.IsSpace(r))
}

// endsWord reports the characters that end a bare word in argument mode.
func endsWord(r rune) bool {
	return r < 0 || r == '\n' || r == '\r' || isSpace(r) || strings.ContainsRune(";|,(){}", r)
}

// isDash accepts the dashes PowerShell accepts for parameters: copying a
// command from a web page often turns '-' into an en or em dash.
func isDash(r rune) bool { return r == '-' || r == '–' || r == '—' || r == '―' }

func isSingleQuote(r rune) bool {
	return r == '\'' || r == '‘' || r == '’' || r == '‚' || r == '‛'
}

func isDoubleQuote(r rune) bool { return r == '"' || r == '“' || r == '”' || r == '„' }

func isParamStart(r rune) bool { return r == '_' || r == '?' || unicode.IsLetter(r) }

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isDigitByte(c byte) bool { return c >= '0' && c <= '9' }

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

func isDigitAt(s string, p int) bool { return p < len(s) && isDigitByte(s[p]) }

func isNumberChar(c byte) bool { return isLetter(c) || isDigitByte(c) }

func isVarName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isLetter(c) || isDigitByte(c) || c == '_' || c == '?' || c == ':' && i > 0 && i+1 < len(s) && isLetter(s[i+1])) {
			return false
		}
	}
	return true
}

func firstRune(s string) rune { r, _ := utf8.DecodeRuneInString(s); return r }

package mime

import "strings"

// tokenize splits a structured header value into RFC 5322 lexical tokens.
// It never fails: unclosed quoted strings, comments and domain literals
// run to the end, and stray closing parentheses or brackets are dropped.
func tokenize(s string) []token {
	var toks []token
	space := false
	for i := 0; i < len(s); {
		c := s[i]
		t := token{space: space}
		n := 1
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			space = true
			i++
			continue
		case c == ')' || c == ']':
			i++
			continue
		case c == '"':
			t.kind = tokQuoted
			t.text, n = scanQuoted(s[i:])
		case c == '(':
			t.kind = tokComment
			t.text, n = scanComment(s[i:])
		case c == '[':
			t.kind = tokLiteral
			n = strings.IndexByte(s[i:], ']') + 1
			if n == 0 {
				n = len(s) - i
			}
			t.text = s[i : i+n]
		case strings.IndexByte("<>,:;@", c) >= 0:
			t.kind, t.text = tokSpecial, s[i:i+1]
		default:
			n = wordLen(s[i:])
			t.kind, t.text = tokWord, s[i:i+n]
		}
		toks = append(toks, t)
		space = false
		i += n
	}
	return toks
}

// wordLen is the length of the atom at the start of s.
func wordLen(s string) int {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(" \t\r\n\"()[]<>,:;@", s[i]) >= 0 {
			return i
		}
	}
	return len(s)
}

// scanQuoted reads the quoted string at the start of s and returns its
// unescaped content and its length in s.
func scanQuoted(s string) (string, int) {
	v, rest := unquote(s[1:])
	return v, len(s) - len(rest)
}

// scanComment reads the comment at the start of s, which nests, and
// returns its text (without the outer parentheses) and its length in s.
func scanComment(s string) (string, int) {
	var b strings.Builder
	depth := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			i++
			b.WriteByte(s[i])
			continue
		case c == '(':
			depth++
			if depth == 1 {
				continue
			}
		case c == ')':
			depth--
			if depth == 0 {
				return b.String(), i + 1
			}
		}
		b.WriteByte(c)
	}
	return b.String(), len(s)
}

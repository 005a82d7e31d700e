package wire

// Character classes of RFC 3501 §9.

// isAtomChar reports ATOM-CHAR: any CHAR except atom-specials, that is
// "(" ")" "{" SP CTL "%" "*" DQUOTE "\" "]". 8-bit octets are not CHARs.
func isAtomChar(c byte) bool {
	if c <= ' ' || c >= 0x7f {
		return false
	}
	switch c {
	case '(', ')', '{', '%', '*', '"', '\\', ']':
		return false
	}
	return true
}

// isAStringChar reports ASTRING-CHAR: ATOM-CHAR or resp-specials ("]").
func isAStringChar(c byte) bool { return isAtomChar(c) || c == ']' }

// isListChar reports list-char: ATOM-CHAR, list-wildcards or "]".
func isListChar(c byte) bool { return isAStringChar(c) || c == '%' || c == '*' }

// isTagChar reports a tag octet: ASTRING-CHAR except "+".
func isTagChar(c byte) bool { return isAStringChar(c) && c != '+' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// isFieldChar reports an octet of a header field name (RFC 5322 §3.6.8
// ftext: printable US-ASCII except ":").
func isFieldChar(c byte) bool { return c > ' ' && c < 0x7f && c != ':' }

// upperASCII upper-cases ASCII letters only.
func upperASCII(b []byte) string {
	out := make([]byte, len(b))
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		out[i] = c
	}
	return string(out)
}

// blank reports whether b holds only spaces.
func blank(b []byte) bool {
	for _, c := range b {
		if c != ' ' {
			return false
		}
	}
	return true
}

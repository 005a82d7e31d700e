package mime

import (
	"encoding/base64"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxParamSection caps RFC 2231 continuation numbers; higher sections are
// dropped.
const maxParamSection = 999

// rawParam is one "name=value" of a parameter list before RFC 2231
// processing.
type rawParam struct {
	name  string // lower-case, as written (may end in "*N*")
	value string // unquoted
}

// parseParams parses a parameter list "; a=b; c="d"" (RFC 2045 §5.1) and
// decodes RFC 2231 continuations and charsets. Tolerated: missing or
// doubled semicolons, unquoted values with spaces or specials, unclosed
// quotes, parameters without a value (dropped), duplicates (first wins).
func parseParams(s string) []Param {
	var raw []rawParam
	for s != "" {
		var rp rawParam
		var ok bool
		rp, s, ok = nextParam(s)
		if ok {
			raw = append(raw, rp)
		}
	}
	return combineParams(raw)
}

// nextParam parses the parameter at the start of s (after any separators)
// and returns it and the rest of s.
func nextParam(s string) (rawParam, string, bool) {
	s = strings.TrimLeft(s, "; \t\r\n")
	end := strings.IndexAny(s, "=;")
	if end < 0 {
		return rawParam{}, "", false
	}
	if s[end] == ';' {
		return rawParam{}, s[end:], false // a name without a value
	}
	name := strings.ToLower(strings.TrimSpace(s[:end]))
	s = strings.TrimLeft(s[end+1:], " \t\r\n")
	var value string
	if strings.HasPrefix(s, `"`) {
		value, s = unquote(s[1:])
		if i := strings.IndexByte(s, ';'); i >= 0 {
			s = s[i:]
		} else {
			s = ""
		}
	} else {
		i := strings.IndexByte(s, ';')
		if i < 0 {
			i = len(s)
		}
		value, s = strings.TrimRight(s[:i], " \t\r\n"), s[i:]
	}
	if name == "" {
		return rawParam{}, s, false
	}
	return rawParam{name: name, value: value}, s, true
}

// unquote reads the rest of a quoted string whose opening quote has been
// consumed; it returns the unescaped content and what follows the closing
// quote (nothing when the quote is never closed).
func unquote(s string) (string, string) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			return b.String(), s[i+1:]
		case c == '\\' && i+1 < len(s):
			i++
			b.WriteByte(s[i])
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), ""
}

// section is one piece of an RFC 2231 parameter.
type section struct {
	n       int  // continuation number, -1 for "name*"
	encoded bool // written with a trailing '*': charset'lang'%XX form
	value   string
}

// combineParams joins RFC 2231 continuations and decodes extended values
// (RFC 2231 §3, §4). Each base name appears once, where it first appeared;
// an extended value is preferred to a plain one of the same name.
func combineParams(raw []rawParam) []Param {
	var (
		order []string
		seen  = map[string]bool{}
		plain = map[string]string{}
		ext   = map[string][]section{}
	)
	for _, rp := range raw {
		base, sec, isExt := splitExtended(rp.name)
		if !seen[base] {
			seen[base] = true
			order = append(order, base)
		}
		switch {
		case !isExt:
			if _, dup := plain[base]; !dup {
				plain[base] = rp.value
			}
		case sec.n <= maxParamSection:
			sec.value = rp.value
			ext[base] = append(ext[base], sec)
		}
	}
	var out []Param
	for _, base := range order {
		if secs := ext[base]; len(secs) > 0 {
			out = append(out, Param{Name: base, Value: joinSections(secs)})
		} else if v, ok := plain[base]; ok {
			out = append(out, Param{Name: base, Value: v})
		}
	}
	return out
}

// splitExtended splits an RFC 2231 name ("title*", "title*0", "title*1*")
// into its base name and section; isExt is false for a plain name.
func splitExtended(name string) (string, section, bool) {
	star := strings.IndexByte(name, '*')
	if star <= 0 {
		return name, section{}, false
	}
	base, rest := name[:star], name[star+1:]
	if rest == "" {
		return base, section{n: -1, encoded: true}, true
	}
	enc := strings.HasSuffix(rest, "*")
	n, err := strconv.Atoi(strings.TrimSuffix(rest, "*"))
	if err != nil || n < 0 {
		return name, section{}, false // not RFC 2231 after all
	}
	return base, section{n: n, encoded: enc}, true
}

// joinSections concatenates the sections in order, percent-decoding the
// encoded ones, and converts the result from the charset named by the
// first encoded section.
func joinSections(secs []section) string {
	sort.SliceStable(secs, func(i, j int) bool { return secs[i].n < secs[j].n })
	var (
		buf     []byte
		charset string
		last    = -2
	)
	for i, sc := range secs {
		if sc.n == last {
			continue // duplicate section: first wins
		}
		last = sc.n
		v := sc.value
		if sc.encoded {
			if i == 0 {
				charset, v = splitCharset(v)
			}
			buf = percentDecode(buf, v)
		} else {
			buf = append(buf, v...)
		}
	}
	return convertCharset(charset, buf)
}

// splitCharset splits "charset'language'value" (RFC 2231 §4).
func splitCharset(v string) (string, string) {
	i := strings.IndexByte(v, '\'')
	if i < 0 {
		return "", v
	}
	j := strings.IndexByte(v[i+1:], '\'')
	if j < 0 {
		return "", v
	}
	return strings.ToLower(strings.TrimSpace(v[:i])), v[i+1+j+1:]
}

// percentDecode appends s to dst with %XX escapes decoded; a malformed
// escape is kept as written.
func percentDecode(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			dst = append(dst, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		dst = append(dst, s[i])
	}
	return dst
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// convertCharset turns b, in charset cs, into a string. UTF-8, US-ASCII
// and ISO-8859-1 are converted to UTF-8; ASCII-only text is kept as is.
// Other charsets, which the standard library cannot convert, become one
// RFC 2047 encoded word, so a client can still decode the value.
func convertCharset(cs string, b []byte) string {
	if isASCII(b) {
		return string(b)
	}
	switch cs {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
		return string(b)
	case "iso-8859-1", "iso_8859-1", "latin1", "l1":
		return latin1ToUTF8(b)
	}
	if strings.ContainsAny(cs, "? \t\r\n") {
		return string(b)
	}
	return "=?" + cs + "?B?" + base64.StdEncoding.EncodeToString(b) + "?="
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func latin1ToUTF8(b []byte) string {
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

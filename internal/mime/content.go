package mime

import "strings"

// applyHeader sets pt's content fields from its header (RFC 2045, RFC
// 2183, RFC 3066, RFC 2557, RFC 1864) and, for a message, its envelope.
func (p *parser) applyHeader(pt *Part, h *header, e entity) {
	ct, _ := h.get("content-type")
	if typ, sub, params, ok := parseContentType(ct); ok {
		pt.Type, pt.Subtype, pt.Params = typ, sub, params
	} else if e.digest {
		pt.Type, pt.Subtype = "message", "rfc822" // RFC 2046 §5.1.5
	} else {
		pt.Type, pt.Subtype = "text", "plain" // RFC 2045 §5.2
		pt.Params = []Param{{Name: "charset", Value: "us-ascii"}}
	}
	pt.Encoding = "7bit"
	if v, ok := h.get("content-transfer-encoding"); ok {
		if t := firstToken(v); t != "" {
			pt.Encoding = t
		}
	}
	pt.ID, _ = h.get("content-id")
	pt.Description, _ = h.get("content-description")
	pt.Location, _ = h.get("content-location")
	pt.MD5, _ = h.get("content-md5")
	if v, ok := h.get("content-disposition"); ok {
		pt.Disposition, pt.DispositionParams = parseDisposition(v)
	}
	if v, ok := h.get("content-language"); ok {
		pt.Language = parseLanguage(v)
	}
	if e.message {
		pt.Envelope = buildEnvelope(h)
	}
}

// parseContentType parses a Content-Type value. ok is false when the
// value is missing or invalid, in which case the caller applies the
// default (RFC 2045 §5.2). Tolerated: comments, white space around the
// slash, a missing semicolon before the first parameter, and "text"
// without a subtype (taken as text/plain, parameters kept).
func parseContentType(v string) (typ, sub string, params []Param, ok bool) {
	media, rest := v, ""
	if i := strings.IndexByte(v, ';'); i >= 0 {
		media, rest = v[:i], v[i:]
	}
	media = strings.TrimSpace(stripComments(media))
	if i := strings.IndexByte(media, '/'); i >= 0 {
		typ = strings.TrimSpace(media[:i])
		sub = strings.TrimSpace(media[i+1:])
	} else {
		typ = media
	}
	if i := strings.IndexAny(sub, " \t"); i >= 0 {
		sub, rest = sub[:i], sub[i:]+";"+rest
	}
	typ, sub = strings.ToLower(typ), strings.ToLower(sub)
	if typ == "text" && sub == "" {
		sub = "plain"
	}
	if !isToken(typ) || !isToken(sub) {
		return "", "", nil, false
	}
	return typ, sub, parseParams(rest), true
}

// parseDisposition parses a Content-Disposition value (RFC 2183).
func parseDisposition(v string) (string, []Param) {
	typ, rest := v, ""
	if i := strings.IndexByte(v, ';'); i >= 0 {
		typ, rest = v[:i], v[i:]
	}
	typ = firstToken(typ)
	if typ == "" {
		return "", nil
	}
	return typ, parseParams(rest)
}

// parseLanguage splits a Content-Language list (RFC 3282).
func parseLanguage(v string) []string {
	var out []string
	for _, t := range strings.Split(stripComments(v), ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// firstToken returns the first word of v, comments removed, lower-case.
func firstToken(v string) string {
	f := strings.Fields(stripComments(v))
	if len(f) == 0 {
		return ""
	}
	return strings.ToLower(f[0])
}

// isToken reports whether s is a non-empty RFC 2045 token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?=`, c) >= 0 {
			return false
		}
	}
	return true
}

// stripComments removes RFC 5322 comments, which nest, outside quoted
// strings. An unclosed comment runs to the end.
func stripComments(s string) string {
	if strings.IndexByte(s, '(') < 0 {
		return s
	}
	var b strings.Builder
	depth, quoted := 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && (quoted || depth > 0) && i+1 < len(s):
			if depth == 0 {
				b.WriteString(s[i : i+2])
			}
			i++
		case quoted:
			quoted = c != '"'
			b.WriteByte(c)
		case c == '(':
			if depth == 0 {
				b.WriteByte(' ') // a comment separates like white space
			}
			depth++
		case c == ')' && depth > 0:
			depth--
		case depth > 0:
		default:
			quoted = c == '"'
			b.WriteByte(c)
		}
	}
	return b.String()
}

package mime

import "strings"

// AddressKind tells a mailbox from the group markers of an IMAP address
// list (RFC 3501 §7.4.2 ENVELOPE).
type AddressKind uint8

// Address kinds.
const (
	AddrMailbox    AddressKind = iota // an ordinary mailbox
	AddrGroupStart                    // start of a group; Mailbox holds its name
	AddrGroupEnd                      // end of a group
)

// Address is one element of an address list as IMAP ENVELOPE shows it.
type Address struct {
	Kind AddressKind
	// Name is the display name as written, quoting removed, RFC 2047
	// encoded words left encoded; "" means NIL. Without a display name, a
	// comment after the address ("a@b (Name)") is used.
	Name string
	// ADL is the obsolete source route ("@a,@b"); "" means NIL.
	ADL string
	// Mailbox is the local part with quoting removed, or the group name
	// for AddrGroupStart.
	Mailbox string
	// Host is the domain; "" when the address has none (it is still sent
	// as "" rather than NIL, which would mean a group marker).
	Host string
}

type tokKind uint8

const (
	tokWord    tokKind = iota // atom or dot-atom
	tokQuoted                 // quoted string, unescaped
	tokComment                // comment, without its parentheses
	tokLiteral                // domain literal, with its brackets
	tokSpecial                // one of < > , : ; @
)

type token struct {
	kind  tokKind
	text  string
	space bool // white space precedes it
}

func (t token) is(c byte) bool { return t.kind == tokSpecial && t.text[0] == c }

// ParseAddressList parses an address-list header value (RFC 5322 §3.4,
// with the obsolete forms of §4.4) as tolerantly as it can: it never
// fails, and salvages what it can from broken input. Unclosed quotes,
// comments, brackets and groups run to the end; a stray ';' separates like
// ','; an address without '<>' whose local part follows other words
// ("John Doe john@example.com") takes those words as its display name; a
// word without '@' becomes a mailbox without host. Encoded words are left
// as written.
func ParseAddressList(s string) []Address {
	toks := tokenize(s)
	var out []Address
	inGroup := false
	for len(toks) > 0 {
		seg, term, rest := nextSegment(toks, inGroup)
		toks = rest
		if term == ':' {
			out = append(out, Address{Kind: AddrGroupStart, Mailbox: phrase(seg)})
			inGroup = true
			continue
		}
		if a, ok := parseMailbox(seg); ok {
			out = append(out, a)
		}
		if term == ';' && inGroup {
			out = append(out, Address{Kind: AddrGroupEnd})
			inGroup = false
		}
	}
	if inGroup {
		out = append(out, Address{Kind: AddrGroupEnd})
	}
	return out
}

// nextSegment splits off the tokens of one list element and the special
// that ended it (',', ';', ':' for a group name, or 0 at the end).
func nextSegment(toks []token, inGroup bool) (seg []token, term byte, rest []token) {
	inAngle := false
	for i, t := range toks {
		if t.kind != tokSpecial {
			continue
		}
		switch c := t.text[0]; {
		case c == '<':
			inAngle = true
		case c == '>':
			inAngle = false
		case c == ',' && inAngle && i+1 < len(toks) && toks[i+1].is('@'):
			// a comma inside an obsolete source route
		case c == ':' && (inAngle || inGroup):
			// a route's end, or a stray colon inside a group
		case c == ',' || c == ';' || c == ':':
			return toks[:i], c, toks[i+1:]
		}
	}
	return toks, 0, nil
}

// parseMailbox builds an address from one element; ok is false when the
// element holds nothing but comments and white space.
func parseMailbox(seg []token) (Address, bool) {
	for i, t := range seg {
		if !t.is('<') {
			continue
		}
		end := i + 1
		for end < len(seg) && !seg[end].is('>') {
			end++
		}
		a := parseAngle(seg[i+1 : end])
		if a.Name = phrase(seg[:i]); a.Name == "" {
			a.Name = commentText(seg[end:])
		}
		return a, true
	}
	var words []token
	for _, t := range seg {
		if t.kind != tokComment && !t.is('<') && !t.is('>') {
			words = append(words, t)
		}
	}
	if len(words) == 0 {
		return Address{}, false
	}
	a := parseAddrSpec(words)
	if a.Name == "" {
		a.Name = lastCommentText(seg) // "a@b (Name)": the comment after the address
	}
	return a, true
}

// parseAngle parses the inside of "<...>": [route ":"] addr-spec.
func parseAngle(inner []token) Address {
	var a Address
	inner = withoutComments(inner)
	if len(inner) > 0 && inner[0].is('@') {
		for i, t := range inner {
			if t.is(':') {
				a.ADL, inner = joinTight(inner[:i]), inner[i+1:]
				break
			}
		}
	}
	at := lastAt(inner)
	if at < 0 {
		a.Mailbox = joinTight(inner)
		return a
	}
	a.Mailbox, a.Host = joinTight(inner[:at]), joinTight(inner[at+1:])
	return a
}

// parseAddrSpec parses an address written without angle brackets. The
// local part is the run of tokens not separated by white space just
// before the last '@'; words before it become the display name.
func parseAddrSpec(words []token) Address {
	at := lastAt(words)
	if at < 0 {
		return Address{Mailbox: phrase(words)}
	}
	start := max(at-1, 0)
	for start > 0 && !words[start].space {
		start--
	}
	end := at + 1
	for end+1 < len(words) && joinsDomain(words[end], words[end+1]) {
		end++
	}
	end = min(end+1, len(words))
	return Address{
		Name:    phrase(words[:start]),
		Mailbox: joinTight(words[start:at]),
		Host:    joinTight(words[at+1 : end]),
	}
}

// joinsDomain reports whether b continues the domain that a ends: no white
// space between them, or a dot on either side (obsolete "a . b").
func joinsDomain(a, b token) bool {
	return !b.space || strings.HasSuffix(a.text, ".") || strings.HasPrefix(b.text, ".")
}

func lastAt(toks []token) int {
	for i := len(toks) - 1; i >= 0; i-- {
		if toks[i].is('@') {
			return i
		}
	}
	return -1
}

func withoutComments(toks []token) []token {
	out := toks[:0:0]
	for _, t := range toks {
		if t.kind != tokComment {
			out = append(out, t)
		}
	}
	return out
}

// phrase joins the non-comment tokens, one space where white space was.
func phrase(toks []token) string {
	var b strings.Builder
	for _, t := range toks {
		if t.kind == tokComment {
			continue
		}
		if t.space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(t.text)
	}
	return strings.TrimSpace(b.String())
}

// joinTight joins the non-comment tokens without white space, as in a
// local part, a domain or a route.
func joinTight(toks []token) string {
	var b strings.Builder
	for _, t := range toks {
		if t.kind != tokComment {
			b.WriteString(t.text)
		}
	}
	return b.String()
}

// lastCommentText is the last non-empty comment among toks.
func lastCommentText(toks []token) string {
	for i := len(toks) - 1; i >= 0; i-- {
		if t := toks[i]; t.kind == tokComment {
			if s := strings.TrimSpace(t.text); s != "" {
				return s
			}
		}
	}
	return ""
}

func commentText(toks []token) string {
	for _, t := range toks {
		if t.kind == tokComment {
			if s := strings.TrimSpace(t.text); s != "" {
				return s
			}
		}
	}
	return ""
}

package wire

import (
	"fmt"
	"net/netip"
	"strings"
	"unicode/utf8"
)

// Length limits of RFC 5321 4.5.3.1 and of RFC 3696 (errata 1690): a
// usable address is at most 254 octets.
const (
	maxLocalPart = 64
	maxDomain    = 255
	maxLabel     = 63
	maxAddress   = 254
)

// PathKind says which path a parse expects, and so what it allows.
type PathKind int

const (
	// ReversePath is the MAIL FROM path: the null path <> is allowed.
	ReversePath PathKind = iota + 1
	// ForwardPath is the RCPT TO path: <Postmaster> without a domain is
	// allowed (RFC 5321 4.1.1.3), the null path is not.
	ForwardPath
)

// Param is one ESMTP parameter, key[=value] (RFC 5321 4.1.2).
type Param struct {
	// Key is upper-cased; keywords are case-insensitive.
	Key string
	// Value is as written; "" when the parameter has no "=value".
	Value string
}

// Path is a parsed reverse-path or forward-path with its parameters.
type Path struct {
	// Addr is the mailbox in canonical form: local "@" domain, with a
	// quoted local part unquoted when it is a plain dot-string and quoted
	// minimally otherwise. "" for the null path; "Postmaster" (as written)
	// for the domain-less postmaster of RFC 5321 4.1.1.3.
	Addr string
	// Local is the local part with quoting removed.
	Local string
	// Domain is the domain as written, or an address literal with its
	// brackets; "" for the null path and the domain-less postmaster.
	Domain string
	// UTF8 reports non-ASCII in the mailbox, which needs SMTPUTF8
	// (RFC 6531 3.3).
	UTF8 bool
	// Params are the ESMTP parameters in order; keys are unique.
	Params []Param
}

// Param returns the value of the parameter with the given upper-case key.
func (p Path) Param(key string) (value string, ok bool) {
	for _, pr := range p.Params {
		if pr.Key == key {
			return pr.Value, true
		}
	}
	return "", false
}

// IsNull reports whether p is the null reverse-path <>.
func (p Path) IsNull() bool { return p.Addr == "" }

// ParseRcptTo parses the argument of RCPT: "TO:<forward-path> [params]".
func ParseRcptTo(arg string) (Path, error) {
	rest, ok := cutPrefixFold(arg, "TO:")
	if !ok {
		return Path{}, fmt.Errorf("%w: expected TO:<address>", ErrSyntax)
	}
	return ParsePath(strings.TrimLeft(rest, " "), ForwardPath)
}

// ParsePath parses "<path> [SP params]" (RFC 5321 4.1.2): angle brackets
// are required; a source route (@a,@b:) is parsed and ignored (RFC 5321
// 4.1.1.3, Appendix C); the local part may be quoted. Control characters,
// invalid UTF-8 and over-long parts are errors wrapping ErrBadAddress;
// malformed parameters wrap ErrBadParam; anything else ErrSyntax.
func ParsePath(s string, kind PathKind) (Path, error) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c == 0x7f {
			return Path{}, fmt.Errorf("%w: control character", ErrBadAddress)
		}
	}
	if !utf8.ValidString(s) {
		return Path{}, fmt.Errorf("%w: invalid UTF-8", ErrBadAddress)
	}
	if !strings.HasPrefix(s, "<") {
		return Path{}, fmt.Errorf("%w: address must be in angle brackets", ErrSyntax)
	}
	p := pathParser{s: s, i: 1}
	var path Path
	var err error
	if p.peek() == '>' {
		if kind != ReversePath {
			return Path{}, fmt.Errorf("%w: null path not allowed here", ErrBadAddress)
		}
		p.i++
	} else if path, err = p.mailbox(kind); err != nil {
		return Path{}, err
	}
	rest := s[p.i:]
	if rest != "" && rest[0] != ' ' {
		return Path{}, fmt.Errorf("%w: junk after address", ErrSyntax)
	}
	if path.Params, err = parseParams(rest); err != nil {
		return Path{}, err
	}
	return path, nil
}

// pathParser walks a path; i is the index of the next unread octet.
type pathParser struct {
	s string
	i int
}

func (p *pathParser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

// mailbox parses [A-d-l ":"] Mailbox ">" after the "<".
func (p *pathParser) mailbox(kind PathKind) (Path, error) {
	if p.peek() == '@' {
		if err := p.sourceRoute(); err != nil {
			return Path{}, err
		}
	}
	start := p.i
	local, err := p.localPart()
	if err != nil {
		return Path{}, err
	}
	if p.i-start > maxLocalPart {
		return Path{}, fmt.Errorf("%w: local part longer than %d octets", ErrBadAddress, maxLocalPart)
	}
	if kind == ForwardPath && p.peek() == '>' && strings.EqualFold(p.s[start:p.i], "postmaster") {
		p.i++
		return Path{Addr: p.s[start : p.i-1], Local: local}, nil
	}
	if p.peek() != '@' {
		return Path{}, fmt.Errorf("%w: expected @domain", ErrBadAddress)
	}
	p.i++
	end := strings.IndexByte(p.s[p.i:], '>')
	if end < 0 {
		return Path{}, fmt.Errorf("%w: missing closing >", ErrSyntax)
	}
	domain := p.s[p.i : p.i+end]
	if err := checkDomainOrLiteral(domain); err != nil {
		return Path{}, err
	}
	p.i += end + 1
	addr := canonicalLocal(local) + "@" + domain
	if len(addr) > maxAddress {
		return Path{}, fmt.Errorf("%w: address longer than %d octets", ErrBadAddress, maxAddress)
	}
	return Path{Addr: addr, Local: local, Domain: domain, UTF8: !isASCII(addr)}, nil
}

// sourceRoute skips "@d1,@d2:" after checking each domain (RFC 5321
// 4.1.2 A-d-l). Routes are obsolete; receivers ignore them (Appendix C).
func (p *pathParser) sourceRoute() error {
	end := strings.IndexByte(p.s[p.i:], ':')
	if end < 0 {
		return fmt.Errorf("%w: unterminated source route", ErrBadAddress)
	}
	for _, hop := range strings.Split(p.s[p.i:p.i+end], ",") {
		d, ok := strings.CutPrefix(hop, "@")
		if !ok {
			return fmt.Errorf("%w: malformed source route", ErrBadAddress)
		}
		if err := checkDomainOrLiteral(d); err != nil {
			return err
		}
	}
	p.i += end + 1
	return nil
}

// localPart parses a Dot-string or a Quoted-string and returns it with
// quoting removed (RFC 5321 4.1.2).
func (p *pathParser) localPart() (string, error) {
	if p.peek() == '"' {
		return p.quotedString()
	}
	start := p.i
	for p.i < len(p.s) && (isAtext(p.s[p.i]) || p.s[p.i] == '.') {
		p.i++
	}
	local := p.s[start:p.i]
	if !isDotString(local) {
		return "", fmt.Errorf("%w: malformed local part", ErrBadAddress)
	}
	return local, nil
}

// quotedString parses DQUOTE *(qtextSMTP / quoted-pairSMTP) DQUOTE, with
// the UTF-8 extension of RFC 6531 3.3.
func (p *pathParser) quotedString() (string, error) {
	p.i++ // opening quote
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			if b.Len() == 0 {
				return "", fmt.Errorf("%w: empty quoted local part", ErrBadAddress)
			}
			return b.String(), nil
		case c == '\\':
			if p.i+1 >= len(p.s) || p.s[p.i+1] < ' ' || p.s[p.i+1] > '~' {
				return "", fmt.Errorf("%w: bad quoted pair", ErrBadAddress)
			}
			b.WriteByte(p.s[p.i+1])
			p.i += 2
		default: // qtextSMTP: %d32-33 / %d35-91 / %d93-126, or UTF-8
			b.WriteByte(c)
			p.i++
		}
	}
	return "", fmt.Errorf("%w: unterminated quoted local part", ErrBadAddress)
}

// canonicalLocal writes a local part as a dot-string when it is one, and
// as a minimal quoted string otherwise.
func canonicalLocal(local string) string {
	if isDotString(local) {
		return local
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(local); i++ {
		if c := local[i]; c == '"' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(local[i])
	}
	b.WriteByte('"')
	return b.String()
}

// isDotString reports Atom *("." Atom) (RFC 5321 4.1.2), atext extended
// to UTF-8 (RFC 6531 3.3).
func isDotString(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] != '.' && !isAtext(s[i]) {
			return false
		}
	}
	return true
}

// isAtext reports RFC 5322 atext, or any non-ASCII octet (UTF-8 validity
// is checked once for the whole path).
func isAtext(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	case c >= 0x80:
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// cutPrefixFold is strings.CutPrefix ignoring ASCII case.
func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return s, false
	}
	return s[len(prefix):], true
}

// checkDomainOrLiteral checks Domain / address-literal (RFC 5321 4.1.2,
// 4.1.3).
func checkDomainOrLiteral(d string) error {
	if strings.HasPrefix(d, "[") {
		return checkAddressLiteral(d)
	}
	return checkDomain(d, strictLabels)
}

// labelRule says which octets a domain label may hold.
type labelRule int

const (
	strictLabels     labelRule = iota // letters, digits, hyphens (RFC 5321)
	underscoreLabels                  // also "_", for hello names only
)

// checkDomain checks sub-domain *("." sub-domain), each Let-dig [Ldh-str]
// of at most 63 octets; non-ASCII octets count as letters (U-labels, RFC
// 6531).
func checkDomain(d string, rule labelRule) error {
	if d == "" || len(d) > maxDomain {
		return fmt.Errorf("%w: empty or over-long domain", ErrBadAddress)
	}
	for label := range strings.SplitSeq(d, ".") {
		if label == "" || len(label) > maxLabel || label[0] == '-' || label[len(label)-1] == '-' {
			return fmt.Errorf("%w: malformed domain", ErrBadAddress)
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			ok := c == '-' || c >= 0x80 || '0' <= c && c <= '9' ||
				'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || rule == underscoreLabels && c == '_'
			if !ok {
				return fmt.Errorf("%w: malformed domain", ErrBadAddress)
			}
		}
	}
	return nil
}

// checkAddressLiteral checks "[" (IPv4 / "IPv6:" IPv6 / tag ":" dcontent)
// "]" (RFC 5321 4.1.3).
func checkAddressLiteral(d string) error {
	if len(d) < 3 || d[len(d)-1] != ']' {
		return fmt.Errorf("%w: malformed address literal", ErrBadAddress)
	}
	inner := d[1 : len(d)-1]
	if v6, ok := cutPrefixFold(inner, "IPv6:"); ok {
		a, err := netip.ParseAddr(v6)
		if err != nil || !a.Is6() || a.Zone() != "" {
			return fmt.Errorf("%w: malformed IPv6 address literal", ErrBadAddress)
		}
		return nil
	}
	if a, err := netip.ParseAddr(inner); err == nil && a.Is4() {
		return nil
	}
	tag, content, ok := strings.Cut(inner, ":")
	if !ok || content == "" || checkDomain(tag, strictLabels) != nil || strings.Contains(tag, ".") {
		return fmt.Errorf("%w: malformed address literal", ErrBadAddress)
	}
	for i := 0; i < len(content); i++ {
		// dcontent = %d33-90 / %d94-126
		if c := content[i]; c < 33 || c > 126 || c == '[' || c == '\\' || c == ']' {
			return fmt.Errorf("%w: malformed address literal", ErrBadAddress)
		}
	}
	return nil
}

// ParseHelloName checks the argument of LHLO/EHLO/HELO: a domain or an
// address literal (RFC 5321 4.1.1.1). Underscores are admitted in labels,
// as many real hosts are named that way. It returns the name unchanged.
func ParseHelloName(arg string) (string, error) {
	if strings.HasPrefix(arg, "[") {
		if err := checkAddressLiteral(arg); err != nil {
			return "", fmt.Errorf("%w: bad hello name", ErrSyntax)
		}
		return arg, nil
	}
	if !isASCII(arg) || checkDomain(arg, underscoreLabels) != nil {
		return "", fmt.Errorf("%w: bad hello name", ErrSyntax)
	}
	return arg, nil
}

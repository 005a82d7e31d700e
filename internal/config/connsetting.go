package config

import (
	"net/netip"
	"strconv"
	"strings"
)

// Encryption is the third field of a ConnectionSetting.
type Encryption string

// The encryption values of a ConnectionSetting.
const (
	// EncryptionNone is a blank field: the connection is unencrypted.
	EncryptionNone Encryption = ""
	// EncryptionSSL is implicit TLS from the first byte (995, 993).
	EncryptionSSL Encryption = "SSL"
	// EncryptionTLS is a plain connection upgraded by STLS/STARTTLS (110, 143).
	EncryptionTLS Encryption = "TLS"
)

// ConnectionSetting is one entry of InternalConnectionSettings or
// ExternalConnectionSettings: the host, port and encryption a client should
// use, written Host:Port:[SSL|TLS] (spec section 2), e.g.
// mail.contoso.com:995:SSL.
type ConnectionSetting struct {
	// Host is a DNS name or an IP address; an IPv6 address is held without
	// brackets.
	Host string
	// Port is 1-65535.
	Port int
	// Encryption is EncryptionNone, EncryptionSSL or EncryptionTLS.
	Encryption Encryption
}

// connSettingSyntax describes the accepted input, for error messages.
const connSettingSyntax = "Host:Port:[SSL|TLS] with port 1-65535 and a blank encryption meaning unencrypted (for example mail.contoso.com:995:SSL)"

// ParseConnectionSetting parses Host:Port:[SSL|TLS], with surrounding
// spaces ignored. The encryption may be left out ("host:110") or blank
// ("host:110:"), which means unencrypted; SSL and TLS are case-insensitive
// and stored in upper case. Host is a DNS name (letters, digits, '-', '_',
// dot-separated labels of at most 63 characters, 253 in all) or an IPv4
// address, or an IPv6 address without a zone in brackets
// ("[2001:db8::1]:995:SSL").
func ParseConnectionSetting(text string) (ConnectionSetting, error) {
	s := strings.TrimSpace(text)
	bad := func() (ConnectionSetting, error) {
		return ConnectionSetting{}, syntaxError("ProtocolConnectionSettings", text, connSettingSyntax)
	}
	var host, rest string
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return bad()
		}
		addr, err := netip.ParseAddr(s[1:end])
		if err != nil || !addr.Is6() || addr.Zone() != "" {
			return bad()
		}
		host, rest = addr.String(), s[end+1:]
		var ok bool
		if rest, ok = strings.CutPrefix(rest, ":"); !ok {
			return bad()
		}
	} else {
		var ok bool
		host, rest, ok = strings.Cut(s, ":")
		if !ok || !validHostName(host) {
			return bad()
		}
	}
	portText, encText, _ := strings.Cut(rest, ":")
	port, ok := parseDigits(portText, 1, 5)
	if !ok || port < 1 || port > 65535 {
		return bad()
	}
	var enc Encryption
	switch {
	case encText == "":
		enc = EncryptionNone
	case strings.EqualFold(encText, "SSL"):
		enc = EncryptionSSL
	case strings.EqualFold(encText, "TLS"):
		enc = EncryptionTLS
	default:
		return bad()
	}
	return ConnectionSetting{Host: host, Port: int(port), Encryption: enc}, nil
}

// validHostName reports whether s is a DNS name of letters, digits, '-'
// and '_' in non-empty labels of at most 63 characters, 253 in all. An
// IPv4 address passes too.
func validHostName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// String returns the Exchange form Host:Port:Encryption, e.g.
// mail.contoso.com:995:SSL, or Host:Port when unencrypted. An IPv6 host is
// put in brackets.
func (c ConnectionSetting) String() string {
	host := c.Host
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	s := host + ":" + strconv.Itoa(c.Port)
	if c.Encryption != EncryptionNone {
		s += ":" + string(c.Encryption)
	}
	return s
}

// key identifies c for duplicate detection and Remove: host names compare
// case-insensitively.
func (c ConnectionSetting) key() string {
	return strings.ToLower(c.String())
}

// MarshalText encodes c as Host:Port:Encryption.
func (c ConnectionSetting) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText decodes the syntax accepted by ParseConnectionSetting.
func (c *ConnectionSetting) UnmarshalText(b []byte) error {
	v, err := ParseConnectionSetting(string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}

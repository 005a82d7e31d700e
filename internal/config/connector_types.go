package config

import (
	"strconv"
	"strings"
)

// This file holds the value types of the receive connector settings
// (Set-ReceiveConnector, spec section 8): the flag sets AuthMechanism and
// PermissionGroups, ProtocolLoggingLevel, and the Int32-or-unlimited
// counts. Each parses its Exchange input syntax and displays and stores
// its Exchange display form.

// flagSpec describes an Exchange [Flags] enum: names[i] is the flag 1<<i,
// and "None" is the empty set, which may only stand alone. The numeric
// values are Postern's (Exchange's own are not documented), so they are
// never accepted as input nor shown.
type flagSpec struct {
	typ   string
	names []string
}

// allowed lists the names, for error messages.
func (f flagSpec) allowed() string { return "None, " + strings.Join(f.names, ", ") }

// parse reads a comma-separated list of names, case-insensitive, with
// spaces ignored ("Tls, BasicAuth" or "Tls,BasicAuth"). Repeated names
// count once; None must stand alone.
func (f flagSpec) parse(text string) (uint, error) {
	parts := SplitList(text)
	if len(parts) == 0 {
		return 0, syntaxError(f.typ, text, f.allowed())
	}
	var v uint
	none := false
	for _, p := range parts {
		if strings.EqualFold(p, "None") {
			none = true
			continue
		}
		bit, ok := f.bit(p)
		if !ok {
			return 0, syntaxError(f.typ, text, f.allowed())
		}
		v |= bit
	}
	if none && (v != 0 || len(parts) > 1) {
		return 0, invalidError(text, "None must be used by itself")
	}
	return v, nil
}

func (f flagSpec) bit(name string) (uint, bool) {
	for i, n := range f.names {
		if strings.EqualFold(name, n) {
			return 1 << i, true
		}
	}
	return 0, false
}

// format returns the display form: the names of the set flags in their
// declared order, joined by ", ", or None.
func (f flagSpec) format(v uint) string {
	var out []string
	for i, n := range f.names {
		if v&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	if v>>len(f.names) != 0 {
		out = append(out, strconv.FormatUint(uint64(v>>len(f.names)<<len(f.names)), 10))
	}
	if len(out) == 0 {
		return "None"
	}
	return strings.Join(out, ", ")
}

// valid reports whether v holds only declared flags.
func (f flagSpec) valid(v uint) bool { return v>>len(f.names) == 0 }

// AuthMechanism is Exchange's AuthMechanisms: the authentication a receive
// connector advertises and accepts (spec 8.2). The zero value is None.
type AuthMechanism uint

// The AuthMechanism flags.
const (
	// AuthTLS advertises STARTTLS in EHLO.
	AuthTLS AuthMechanism = 1 << iota
	// AuthIntegrated is NTLM and Kerberos. Postern implements neither, so it
	// is stored and shown but never advertised (spec 2.1 "advertise only
	// what the state accepts").
	AuthIntegrated
	// AuthBasicAuth is Basic authentication (AUTH PLAIN and LOGIN).
	AuthBasicAuth
	// AuthBasicAuthRequireTLS offers Basic authentication only under TLS.
	AuthBasicAuthRequireTLS
	// AuthExchangeServer is server-to-server GSSAPI; stored, not offered.
	AuthExchangeServer
	// AuthExternalAuthoritative treats the connection as secured by
	// external means: its senders get the ExchangeServers rights.
	AuthExternalAuthoritative
)

func authMechanismSpec() flagSpec {
	return flagSpec{"AuthMechanisms", []string{"Tls", "Integrated", "BasicAuth", "BasicAuthRequireTLS", "ExchangeServer", "ExternalAuthoritative"}}
}

// ParseAuthMechanism parses a comma-separated list of AuthMechanism names.
func ParseAuthMechanism(s string) (AuthMechanism, error) {
	v, err := authMechanismSpec().parse(s)
	return AuthMechanism(v), err
}

// Has reports whether every flag of f is set in m.
func (m AuthMechanism) Has(f AuthMechanism) bool { return m&f == f }

// String returns the display form, e.g. "Tls, BasicAuth, BasicAuthRequireTLS".
func (m AuthMechanism) String() string { return authMechanismSpec().format(uint(m)) }

// MarshalText encodes the display form.
func (m AuthMechanism) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText decodes a list of names.
func (m *AuthMechanism) UnmarshalText(b []byte) error {
	v, err := ParseAuthMechanism(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// PermissionGroups is Exchange's PermissionGroups: who may use a receive
// connector and what they may do (spec 8.1). The zero value is None.
type PermissionGroups uint

// The PermissionGroups flags. Postern gives rights for the first three;
// the others are stored and shown.
const (
	// PermAnonymousUsers lets unauthenticated clients send mail to the
	// accepted domains (never relay), from senders outside them.
	PermAnonymousUsers PermissionGroups = 1 << iota
	// PermExchangeUsers lets authenticated users submit mail to any
	// recipient, as themselves.
	PermExchangeUsers
	// PermExchangeServers gives server rights (any sender, any recipient)
	// to connections secured by ExternalAuthoritative.
	PermExchangeServers
	// PermExchangeLegacyServers is stored and shown; no rights in Postern.
	PermExchangeLegacyServers
	// PermPartners is stored and shown; no rights in Postern.
	PermPartners
	// PermCustom is stored and shown; no rights in Postern.
	PermCustom
)

func permissionGroupsSpec() flagSpec {
	return flagSpec{"PermissionGroups", []string{"AnonymousUsers", "ExchangeUsers", "ExchangeServers", "ExchangeLegacyServers", "Partners", "Custom"}}
}

// ParsePermissionGroups parses a comma-separated list of group names.
func ParsePermissionGroups(s string) (PermissionGroups, error) {
	v, err := permissionGroupsSpec().parse(s)
	return PermissionGroups(v), err
}

// Has reports whether every flag of f is set in p.
func (p PermissionGroups) Has(f PermissionGroups) bool { return p&f == f }

// String returns the display form, e.g. "AnonymousUsers, ExchangeServers".
func (p PermissionGroups) String() string { return permissionGroupsSpec().format(uint(p)) }

// MarshalText encodes the display form.
func (p PermissionGroups) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText decodes a list of names.
func (p *PermissionGroups) UnmarshalText(b []byte) error {
	v, err := ParsePermissionGroups(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// ProtocolLoggingLevel is a receive connector's protocol logging switch.
type ProtocolLoggingLevel int

// The ProtocolLoggingLevel values.
const (
	// LoggingNone turns protocol logging off (the default).
	LoggingNone ProtocolLoggingLevel = 0
	// LoggingVerbose logs every command and reply.
	LoggingVerbose ProtocolLoggingLevel = 1
)

func protocolLoggingSpec() enumSpec {
	return enumSpec{"ProtocolLoggingLevel", 0, []string{"None", "Verbose"}}
}

// ParseProtocolLoggingLevel parses a name or number.
func ParseProtocolLoggingLevel(s string) (ProtocolLoggingLevel, error) {
	return parseEnum[ProtocolLoggingLevel](protocolLoggingSpec(), s)
}

// String returns the name, e.g. Verbose.
func (v ProtocolLoggingLevel) String() string { return protocolLoggingSpec().name(int(v)) }

// MarshalText encodes the name.
func (v ProtocolLoggingLevel) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// UnmarshalText decodes a name or number.
func (v *ProtocolLoggingLevel) UnmarshalText(b []byte) error {
	return unmarshalEnum(protocolLoggingSpec(), b, v)
}

// UnlimitedInt is Exchange's Unlimited<Int32>: a count, or unlimited. The
// zero value is 0.
type UnlimitedInt struct {
	n         int
	unlimited bool
}

// Count returns the limit n.
func Count(n int) UnlimitedInt { return UnlimitedInt{n: n} }

// NoLimit returns the unlimited value.
func NoLimit() UnlimitedInt { return UnlimitedInt{unlimited: true} }

// Value returns the count and true, or 0 and false when unlimited.
func (u UnlimitedInt) Value() (int, bool) { return u.n, !u.unlimited }

// IsUnlimited reports whether u is unlimited.
func (u UnlimitedInt) IsUnlimited() bool { return u.unlimited }

// ParseUnlimitedInt parses "unlimited" (any case) or a whole number; the
// range is checked by the parameter that holds it.
func ParseUnlimitedInt(text string) (UnlimitedInt, error) {
	s := strings.TrimSpace(text)
	if strings.EqualFold(s, "unlimited") {
		return NoLimit(), nil
	}
	n, err := parseInt32(s, 0, maxInt32)
	if err != nil {
		return UnlimitedInt{}, syntaxError("Unlimited", text, "a whole number or unlimited")
	}
	return Count(n), nil
}

// String returns the display form: the number, or Unlimited.
func (u UnlimitedInt) String() string {
	if u.unlimited {
		return "Unlimited"
	}
	return strconv.Itoa(u.n)
}

// MarshalText encodes the display form.
func (u UnlimitedInt) MarshalText() ([]byte, error) { return []byte(u.String()), nil }

// UnmarshalText decodes a number or unlimited.
func (u *UnlimitedInt) UnmarshalText(b []byte) error {
	v, err := ParseUnlimitedInt(string(b))
	if err != nil {
		return err
	}
	*u = v
	return nil
}

package config

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// The protocol names a ProtocolSettings can hold, as Exchange's
// ProtocolName shows them.
const (
	// ProtocolPOP3 names the POP3 settings (Get-PopSettings).
	ProtocolPOP3 = "POP3"
	// ProtocolIMAP4 names the IMAP4 settings (Get-ImapSettings).
	ProtocolIMAP4 = "IMAP4"
)

// ProtocolSettings is the POP3 or IMAP4 server settings object, what
// Get-PopSettings / Get-ImapSettings return (spec section 2). One type
// serves both protocols; Protocol says which. Each protocol has 27
// settings: MessageRetrievalSortOrder is POP3-only and
// ShowHiddenFoldersEnabled is IMAP4-only; the other field stays at its zero
// value (Validate enforces it) and is left out of the JSON. IMAP4 has one
// more, Postern's own AdvertiseExchangeCapabilitiesOnly, zero on POP3.
//
// Edit it through Set, SetList, AddValues, RemoveValues or Apply, which
// validate; assigning fields directly is fine in code that then calls
// Validate.
type ProtocolSettings struct {
	// Protocol is ProtocolPOP3 or ProtocolIMAP4.
	Protocol string `json:"Protocol"`

	// MaxCommandSize is the longest command line accepted, in bytes: POP3
	// 40-1024 (default 512), IMAP4 1024-16384 (default 10240).
	MaxCommandSize int `json:"MaxCommandSize"`
	// MessageRetrievalSortOrder is the order of the POP3 drop (POP3 only).
	MessageRetrievalSortOrder SortOrder `json:"MessageRetrievalSortOrder,omitzero"`
	// ShowHiddenFoldersEnabled lists hidden folders in LIST (IMAP4 only).
	ShowHiddenFoldersEnabled bool `json:"ShowHiddenFoldersEnabled,omitzero"`
	// UnencryptedOrTLSBindings are the plain listeners that offer
	// STLS/STARTTLS (default [::]:110, 0.0.0.0:110; IMAP4 143).
	UnencryptedOrTLSBindings []Binding `json:"UnencryptedOrTLSBindings"`
	// SSLBindings are the implicit-TLS listeners (default [::]:995,
	// 0.0.0.0:995; IMAP4 993).
	SSLBindings []Binding `json:"SSLBindings"`
	// InternalConnectionSettings tell internal clients how to connect, and
	// are the target when forwarding to another server's service.
	InternalConnectionSettings []ConnectionSetting `json:"InternalConnectionSettings"`
	// ExternalConnectionSettings tell external clients how to connect; the
	// web settings page shows them (spec section 7). Empty by default.
	ExternalConnectionSettings []ConnectionSetting `json:"ExternalConnectionSettings"`
	// X509CertificateName picks the certificate by subject or SAN (default
	// the server FQDN; empty means the server's default certificate).
	X509CertificateName string `json:"X509CertificateName"`
	// Banner is the greeting text after "+OK " or "* OK ".
	Banner string `json:"Banner"`
	// LoginType is the logon policy on plain connections (spec 2.1).
	LoginType LoginType `json:"LoginType"`
	// AuthenticatedConnectionTimeout closes an idle authenticated session
	// (00:00:30-1.00:00:00, default 00:30:00).
	AuthenticatedConnectionTimeout TimeSpan `json:"AuthenticatedConnectionTimeout"`
	// PreAuthenticatedConnectionTimeout closes an idle unauthenticated
	// session (00:00:30-01:00:00, default 00:01:00).
	PreAuthenticatedConnectionTimeout TimeSpan `json:"PreAuthenticatedConnectionTimeout"`
	// MaxConnections bounds concurrent connections (1-2147483647).
	MaxConnections int `json:"MaxConnections"`
	// MaxConnectionFromSingleIP bounds connections per source IP
	// (1-2147483647).
	MaxConnectionFromSingleIP int `json:"MaxConnectionFromSingleIP"`
	// MaxConnectionsPerUser bounds sessions per user (1-2147483647,
	// default 16).
	MaxConnectionsPerUser int `json:"MaxConnectionsPerUser"`
	// MessageRetrievalMimeFormat is the body format of retrieved messages.
	MessageRetrievalMimeFormat MimeFormat `json:"MessageRetrievalMimeFormat"`
	// ProxyTargetPort is the backend port the frontend proxies to (1-65535;
	// default POP3 1995, IMAP4 1993).
	ProxyTargetPort int `json:"ProxyTargetPort"`
	// CalendarItemRetrievalOption is how calendar items reach clients.
	CalendarItemRetrievalOption CalendarItemRetrievalOption `json:"CalendarItemRetrievalOption"`
	// OwaServerUrl is the base URL of Custom calendar links; required when
	// CalendarItemRetrievalOption is Custom.
	OwaServerUrl string `json:"OwaServerUrl"`
	// EnableExactRFC822Size gives exact sizes instead of estimates.
	EnableExactRFC822Size bool `json:"EnableExactRFC822Size"`
	// SuppressReadReceipt sends a read receipt only on open, not on download.
	SuppressReadReceipt bool `json:"SuppressReadReceipt"`
	// ProtocolLogEnabled turns protocol logging on (spec section 6).
	ProtocolLogEnabled bool `json:"ProtocolLogEnabled"`
	// EnforceCertificateErrors fails a proxied logon on a bad target
	// certificate.
	EnforceCertificateErrors bool `json:"EnforceCertificateErrors"`
	// LogFileLocation is the protocol log folder; empty means
	// "<data dir>/Logging/Pop3" (or Imap4), resolved by the server.
	LogFileLocation string `json:"LogFileLocation"`
	// LogFileRollOverSettings is the time-based rollover, used only while
	// LogPerFileSizeQuota is 0.
	LogFileRollOverSettings RollOver `json:"LogFileRollOverSettings"`
	// LogPerFileSizeQuota rolls a log over at this size; 0 means by time
	// and unlimited means a single file.
	LogPerFileSizeQuota ByteQuantity `json:"LogPerFileSizeQuota"`
	// ExtendedProtectionPolicy is channel binding for NTLM/Kerberos.
	ExtendedProtectionPolicy ExtendedProtectionPolicy `json:"ExtendedProtectionPolicy"`
	// EnableGSSAPIAndNTLMAuth allows integrated (NTLM, GSSAPI) logons.
	EnableGSSAPIAndNTLMAuth bool `json:"EnableGSSAPIAndNTLMAuth"`
	// AdvertiseExchangeCapabilitiesOnly is Postern's own setting (IMAP4
	// only, default false): CAPABILITY lists exactly Exchange's
	// capabilities, and the extensions Postern adds (LIST-EXTENDED,
	// SPECIAL-USE, ...) are neither advertised nor accepted. Shown last,
	// after Exchange's settings.
	AdvertiseExchangeCapabilitiesOnly bool `json:"AdvertiseExchangeCapabilitiesOnly,omitzero"`
}

// DefaultPopSettings returns the POP3 defaults of spec section 2 with
// Postern's choices (spec section 12) for a server named fqdn.
func DefaultPopSettings(fqdn string) ProtocolSettings {
	return defaultSettings(ProtocolPOP3, fqdn, ports{ssl: 995, plain: 110, proxy: 1995}, 512)
}

// DefaultImapSettings returns the IMAP4 defaults of spec section 2 with
// Postern's choices (spec section 12) for a server named fqdn.
func DefaultImapSettings(fqdn string) ProtocolSettings {
	return defaultSettings(ProtocolIMAP4, fqdn, ports{ssl: 993, plain: 143, proxy: 1993}, 10240)
}

// DefaultSettings returns DefaultPopSettings or DefaultImapSettings by
// protocol name (POP3 or IMAP4, case-insensitive).
func DefaultSettings(protocol, fqdn string) (ProtocolSettings, error) {
	switch strings.ToUpper(protocol) {
	case ProtocolPOP3:
		return DefaultPopSettings(fqdn), nil
	case ProtocolIMAP4:
		return DefaultImapSettings(fqdn), nil
	}
	return ProtocolSettings{}, invalidError(protocol, "the protocol must be POP3 or IMAP4")
}

// ports are a protocol's well-known ports.
type ports struct{ ssl, plain, proxy uint16 }

func defaultSettings(protocol, fqdn string, p ports, maxCommand int) ProtocolSettings {
	any6, any4 := netip.IPv6Unspecified(), netip.IPv4Unspecified()
	return ProtocolSettings{
		Protocol:                 protocol,
		MaxCommandSize:           maxCommand,
		UnencryptedOrTLSBindings: []Binding{NewBinding(any6, p.plain), NewBinding(any4, p.plain)},
		SSLBindings:              []Binding{NewBinding(any6, p.ssl), NewBinding(any4, p.ssl)},
		InternalConnectionSettings: []ConnectionSetting{
			{Host: fqdn, Port: int(p.ssl), Encryption: EncryptionSSL},
			{Host: fqdn, Port: int(p.plain), Encryption: EncryptionTLS},
		},
		X509CertificateName:               fqdn,
		Banner:                            fmt.Sprintf("The Postern %s service is ready.", protocol),
		LoginType:                         SecureLogin,
		AuthenticatedConnectionTimeout:    TimeSpan(30 * time.Minute),
		PreAuthenticatedConnectionTimeout: TimeSpan(time.Minute),
		MaxConnections:                    maxInt32,
		MaxConnectionFromSingleIP:         maxInt32,
		MaxConnectionsPerUser:             16,
		MessageRetrievalMimeFormat:        BestBodyFormat,
		ProxyTargetPort:                   int(p.proxy),
		CalendarItemRetrievalOption:       CalendarICalendar,
		LogFileRollOverSettings:           RollOverHourly,
		LogPerFileSizeQuota:               Bytes(0),
		ExtendedProtectionPolicy:          ExtendedProtectionNone,
		EnableGSSAPIAndNTLMAuth:           true,
	}
}

// maxInt32 is the upper bound of Exchange's Int32 settings.
const maxInt32 = 1<<31 - 1

// OffsetPorts adds n to the ports of SSLBindings, UnencryptedOrTLSBindings,
// InternalConnectionSettings and ProxyTargetPort, for a fresh server
// created with --port-offset to run unprivileged. Bindings on port 0 (any
// free port) stay 0. InternalConnectionSettings move too so that they keep
// describing the listeners. If any port would leave 1-65535, s is
// unchanged and the error names the parameter.
func (s *ProtocolSettings) OffsetPorts(n int) error {
	c := *s
	var err error
	if c.SSLBindings, err = offsetBindings("SSLBindings", c.SSLBindings, n); err != nil {
		return err
	}
	if c.UnencryptedOrTLSBindings, err = offsetBindings("UnencryptedOrTLSBindings", c.UnencryptedOrTLSBindings, n); err != nil {
		return err
	}
	var internal []ConnectionSetting
	if c.InternalConnectionSettings != nil {
		internal = make([]ConnectionSetting, len(c.InternalConnectionSettings))
	}
	for i, cs := range c.InternalConnectionSettings {
		if cs.Port, err = offsetPort("InternalConnectionSettings", cs.Port, n); err != nil {
			return err
		}
		internal[i] = cs
	}
	c.InternalConnectionSettings = internal
	if c.ProxyTargetPort, err = offsetPort("ProxyTargetPort", c.ProxyTargetPort, n); err != nil {
		return err
	}
	*s = c
	return nil
}

// offsetBindings returns a new list with n added to every non-zero port.
func offsetBindings(name string, list []Binding, n int) ([]Binding, error) {
	if list == nil {
		return nil, nil
	}
	out := make([]Binding, len(list))
	for i, b := range list {
		out[i] = b
		if b.Port() == 0 {
			continue
		}
		p, err := offsetPort(name, int(b.Port()), n)
		if err != nil {
			return nil, err
		}
		out[i] = NewBinding(b.Addr(), uint16(p))
	}
	return out, nil
}

// offsetPort returns port+n, or an error naming the parameter when that
// leaves 1-65535.
func offsetPort(name string, port, n int) (int, error) {
	p := port + n
	if p < 1 || p > 65535 {
		return 0, &ParamError{Param: name, Value: strconv.Itoa(p), Allowed: "1-65535", Kind: ErrOutOfRange}
	}
	return p, nil
}

// Names returns the parameter names of s's protocol, in Exchange's display
// order (Get-PopSettings | Format-List), for the shell to complete and
// abbreviate.
func (s *ProtocolSettings) Names() []string { return protocolParams(s.Protocol).names() }

// Set parses text as the named parameter's value and stores it, or returns
// a *ParamError and leaves s unchanged. The name is matched exactly,
// ignoring case. A multi-valued parameter takes the CLI list form
// ("a:995:SSL,b:110:TLS"; empty or $null clears).
func (s *ProtocolSettings) Set(name, text string) error {
	return protocolParams(s.Protocol).set(s, name, text)
}

// SetList replaces the whole list of a multi-valued parameter.
func (s *ProtocolSettings) SetList(name string, values []string) error {
	return s.Apply(Change{Name: name, Op: OpSet, Values: values})
}

// AddValues adds values to a multi-valued parameter (the shell's @{Add=}).
func (s *ProtocolSettings) AddValues(name string, values []string) error {
	return s.Apply(Change{Name: name, Op: OpAdd, Values: values})
}

// RemoveValues removes values from a multi-valued parameter (the shell's
// @{Remove=}).
func (s *ProtocolSettings) RemoveValues(name string, values []string) error {
	return s.Apply(Change{Name: name, Op: OpRemove, Values: values})
}

// Apply makes several changes at once, as one cmdlet invocation does: all
// are applied to a copy, the copy is validated as a whole (so
// "-CalendarItemRetrievalOption Custom -OwaServerUrl ..." works in either
// order), and s changes only if everything succeeds.
func (s *ProtocolSettings) Apply(changes ...Change) error {
	return protocolParams(s.Protocol).apply(s, changes)
}

// Get returns the display form of the named parameter's value.
func (s *ProtocolSettings) Get(name string) (string, error) {
	return protocolParams(s.Protocol).get(s, name)
}

// Fields returns every parameter with its display form, in display order,
// for Format-List: lists as {a, b}, time spans as 00:30:00, byte
// quantities as 0 B (0 bytes), enums by name, Booleans as True/False.
func (s *ProtocolSettings) Fields() []Field { return protocolParams(s.Protocol).fields(s) }

// Validate checks every setting's range and syntax and the rules that span
// settings; it returns the first problem as a *ParamError.
func (s *ProtocolSettings) Validate() error { return protocolParams(s.Protocol).validate(s) }

// LoadProtocolSettings decodes a stored settings document onto the defaults
// for protocol and fqdn, so settings missing from the document keep their
// defaults and unknown fields are ignored, then validates the result. A
// listener on port 0, refused since, still loads, so that it can be
// corrected.
func LoadProtocolSettings(data []byte, protocol, fqdn string) (ProtocolSettings, error) {
	s, err := DefaultSettings(protocol, fqdn)
	if err != nil {
		return ProtocolSettings{}, err
	}
	want := s.Protocol
	if err := json.Unmarshal(data, &s); err != nil {
		return ProtocolSettings{}, fmt.Errorf("config: decoding %s settings: %w", want, err)
	}
	if !strings.EqualFold(s.Protocol, want) {
		return ProtocolSettings{}, fmt.Errorf("config: document holds %q settings, not %s", s.Protocol, want)
	}
	s.Protocol = want
	if err := protocolParams(s.Protocol).validateStored(&s); err != nil {
		return ProtocolSettings{}, err
	}
	return s, nil
}

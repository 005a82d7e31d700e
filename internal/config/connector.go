package config

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// ReceiveConnector is one SMTP receive connector of the smtp service, what
// Get-ReceiveConnector / Set-ReceiveConnector manage (spec section 8): its
// listeners, its authentication policy (AuthMechanism, spec 8.2), who may
// use it (PermissionGroups) and its limits.
//
// One Postern-only setting has no Exchange counterpart: ImplicitTls makes
// every binding TLS from the first byte (RFC 8314 submission on 465, spec
// section 12); Exchange offers no implicit-TLS submission.
//
// Edit it through Set or Apply, which validate; the rules that span
// connectors (unique names, bindings that do not collide) are checked by
// ValidateConnectors.
type ReceiveConnector struct {
	// Name is unique among the server's connectors, 1-64 characters,
	// e.g. "Client Frontend EX01".
	Name string `json:"Name"`
	// Enabled turns the connector on; a disabled connector listens nowhere.
	Enabled bool `json:"Enabled"`
	// Bindings are the listeners, IP:Port (at least one).
	Bindings []Binding `json:"Bindings"`
	// ImplicitTls makes every binding implicit TLS (Postern only; requires
	// Tls in AuthMechanism). STARTTLS is then never offered: the
	// connection is already encrypted.
	ImplicitTls bool `json:"ImplicitTls"`
	// Fqdn names the server in the banner, the EHLO reply, the Received
	// header field, and as the TLS name (default: the server FQDN).
	Fqdn string `json:"Fqdn"`
	// Banner replaces the whole greeting line; it starts with "220 ".
	// Empty means "220 <Fqdn> Postern ESMTP MAIL service ready at <date>".
	Banner string `json:"Banner"`
	// AuthMechanism is what the connector advertises and accepts.
	AuthMechanism AuthMechanism `json:"AuthMechanism"`
	// PermissionGroups are who may use the connector.
	PermissionGroups PermissionGroups `json:"PermissionGroups"`
	// TlsCertificateName picks the certificate: "<I>issuer<S>subject" as
	// Exchange writes it (the subject's CN names it), or, in Postern, a
	// host name. Empty means the certificate for Fqdn.
	TlsCertificateName string `json:"TlsCertificateName"`
	// RequireTLS refuses mail on a connection that is not encrypted.
	RequireTLS bool `json:"RequireTLS"`
	// MaxMessageSize is the largest message (65536-2147483647 bytes,
	// default 36 MB); advertised as SIZE.
	MaxMessageSize ByteQuantity `json:"MaxMessageSize"`
	// MaxRecipientsPerMessage bounds RCPT per message (1-512000, default 200).
	MaxRecipientsPerMessage int `json:"MaxRecipientsPerMessage"`
	// MaxInboundConnection bounds concurrent connections (1-2147483647 or
	// unlimited, default 5000).
	MaxInboundConnection UnlimitedInt `json:"MaxInboundConnection"`
	// MaxInboundConnectionPerSource bounds connections per source IP
	// (1-10000 or unlimited, default 20).
	MaxInboundConnectionPerSource UnlimitedInt `json:"MaxInboundConnectionPerSource"`
	// MaxProtocolErrors is the number of rejected commands after which the
	// connection is closed (0-2147483647 or unlimited, default 5).
	MaxProtocolErrors UnlimitedInt `json:"MaxProtocolErrors"`
	// MaxLogonFailures is the number of failed AUTH after which the
	// connection is closed (0-10, 0 never closes; default 3).
	MaxLogonFailures int `json:"MaxLogonFailures"`
	// ConnectionTimeout bounds a connection's whole life, even while it
	// transfers data (00:00:01-1.00:00:00, default 00:10:00).
	ConnectionTimeout TimeSpan `json:"ConnectionTimeout"`
	// ConnectionInactivityTimeout bounds each wait for the client
	// (00:00:01-1.00:00:00, default 00:05:00); less than ConnectionTimeout.
	ConnectionInactivityTimeout TimeSpan `json:"ConnectionInactivityTimeout"`
	// AuthTarpitInterval delays the reply to a failed AUTH (00:00:00-
	// 00:10:00, default 00:00:05; the upper bound is Postern's).
	AuthTarpitInterval TimeSpan `json:"AuthTarpitInterval"`
	// AdvertiseClientSettings shows this connector's host, port and
	// encryption on the web settings page (spec section 7).
	AdvertiseClientSettings bool `json:"AdvertiseClientSettings"`
	// ProtocolLoggingLevel turns the SMTP receive protocol log on.
	ProtocolLoggingLevel ProtocolLoggingLevel `json:"ProtocolLoggingLevel"`
}

// ConnectorUsage is New-ReceiveConnector's -Usage: the template a new
// connector starts from.
type ConnectorUsage string

// The connector usages.
const (
	// UsageClient is authenticated submission, as "Client Frontend": Tls,
	// Integrated, BasicAuth, BasicAuthRequireTLS for ExchangeUsers.
	UsageClient ConnectorUsage = "Client"
	// UsageInternet receives from anonymous senders: Tls for AnonymousUsers.
	UsageInternet ConnectorUsage = "Internet"
	// UsageCustom starts with Tls and no permission group (nobody may send
	// until PermissionGroups is set; Exchange's defaults here are
	// unconfirmed).
	UsageCustom ConnectorUsage = "Custom"
)

// ParseConnectorUsage parses a usage name, case-insensitively.
func ParseConnectorUsage(s string) (ConnectorUsage, error) {
	for _, u := range []ConnectorUsage{UsageClient, UsageInternet, UsageCustom} {
		if strings.EqualFold(strings.TrimSpace(s), string(u)) {
			return u, nil
		}
	}
	return "", syntaxError("Usage", s, "Client, Internet, Custom")
}

// Ports of the default connectors.
const (
	// SubmissionPort is the Client Frontend port (RFC 6409).
	SubmissionPort = 587
	// SMTPPort is the Default Frontend port (RFC 5321).
	SMTPPort = 25
	// SubmissionsPort is the implicit-TLS submission port (RFC 8314).
	SubmissionsPort = 465
)

// baseConnector holds the defaults every connector shares (spec 8.3).
func baseConnector(name, fqdn string) ReceiveConnector {
	return ReceiveConnector{
		Name:                          name,
		Enabled:                       true,
		Fqdn:                          fqdn,
		AuthMechanism:                 AuthTLS,
		MaxMessageSize:                Bytes(36 << 20),
		MaxRecipientsPerMessage:       200,
		MaxInboundConnection:          Count(5000),
		MaxInboundConnectionPerSource: Count(20),
		MaxProtocolErrors:             Count(5),
		MaxLogonFailures:              3,
		ConnectionTimeout:             TimeSpan(10 * time.Minute),
		ConnectionInactivityTimeout:   TimeSpan(5 * time.Minute),
		AuthTarpitInterval:            TimeSpan(5 * time.Second),
	}
}

// wildcardBindings returns [::]:port and 0.0.0.0:port, as Exchange binds.
func wildcardBindings(port uint16) []Binding {
	return []Binding{NewBinding(netip.IPv6Unspecified(), port), NewBinding(netip.IPv4Unspecified(), port)}
}

// NewReceiveConnector returns a connector for usage with the defaults of
// spec 8.3, the given name and bindings, naming itself fqdn.
func NewReceiveConnector(name string, usage ConnectorUsage, fqdn string, bindings []Binding) ReceiveConnector {
	c := baseConnector(name, fqdn)
	c.Bindings = bindings
	switch usage {
	case UsageClient:
		c.AuthMechanism = AuthTLS | AuthIntegrated | AuthBasicAuth | AuthBasicAuthRequireTLS
		c.PermissionGroups = PermExchangeUsers
	case UsageInternet:
		c.PermissionGroups = PermAnonymousUsers
	}
	return c
}

// DefaultConnectors returns the connectors of a fresh server named server
// (spec 8.1): "Client Frontend <server>" on 587 for authenticated
// submission, and "Default Frontend <server>" on 25, where anonymous
// senders may deliver to the accepted domains only.
func DefaultConnectors(server, fqdn string) []ReceiveConnector {
	client := NewReceiveConnector("Client Frontend "+server, UsageClient, fqdn, wildcardBindings(SubmissionPort))
	dflt := NewReceiveConnector("Default Frontend "+server, UsageInternet, fqdn, wildcardBindings(SMTPPort))
	dflt.AuthMechanism = AuthTLS | AuthIntegrated | AuthBasicAuth | AuthBasicAuthRequireTLS | AuthExchangeServer
	dflt.PermissionGroups = PermAnonymousUsers | PermExchangeServers | PermExchangeLegacyServers
	dflt.ProtocolLoggingLevel = LoggingVerbose
	return []ReceiveConnector{client, dflt}
}

// OffsetPorts adds n to the port of every binding (port 0 stays 0), for
// a fresh server created with --port-offset; on error c is unchanged.
func (c *ReceiveConnector) OffsetPorts(n int) error {
	b, err := offsetBindings("Bindings", c.Bindings, n)
	if err != nil {
		return err
	}
	c.Bindings = b
	return nil
}

// CertificateName is the name the connector's certificate is chosen by:
// the CN of TlsCertificateName's subject, TlsCertificateName itself when
// it is a host name, or else Fqdn.
func (c *ReceiveConnector) CertificateName() string {
	if c.TlsCertificateName == "" {
		return c.Fqdn
	}
	if _, subject, ok := splitX509Identifier(c.TlsCertificateName); ok {
		for part := range strings.SplitSeq(subject, ",") {
			if k, v, ok := strings.Cut(strings.TrimSpace(part), "="); ok && strings.EqualFold(k, "CN") {
				return strings.TrimSpace(v)
			}
		}
		return c.Fqdn
	}
	return c.TlsCertificateName
}

// Names returns the parameter names in display order.
func (c *ReceiveConnector) Names() []string { return connectorParams().names() }

// Set parses text as the named parameter's value and stores it, or returns
// a *ParamError and leaves c unchanged. Bindings takes the CLI list form;
// AuthMechanism and PermissionGroups take comma-separated names.
func (c *ReceiveConnector) Set(name, text string) error { return connectorParams().set(c, name, text) }

// Apply makes several changes at once, atomically, as one
// Set-ReceiveConnector invocation does.
func (c *ReceiveConnector) Apply(changes ...Change) error {
	return connectorParams().apply(c, changes)
}

// Get returns the display form of the named parameter's value.
func (c *ReceiveConnector) Get(name string) (string, error) { return connectorParams().get(c, name) }

// Fields returns every parameter with its display form, in display order.
func (c *ReceiveConnector) Fields() []Field { return connectorParams().fields(c) }

// Validate checks every setting and the rules of spec 8.2.
func (c *ReceiveConnector) Validate() error { return connectorParams().validate(c) }

// ValidateConnectors checks a server's connectors one by one, then that
// their names are unique (ignoring case) and that no two enabled
// connectors bind colliding addresses (Postern has no RemoteIPRanges to
// tell them apart).
func ValidateConnectors(list []ReceiveConnector) error {
	return validateConnectors(list, connectorParams().validate)
}

// validateConnectors is ValidateConnectors with each connector checked by
// validate: the full check, or the one of a stored document.
func validateConnectors(list []ReceiveConnector, validate func(*ReceiveConnector) error) error {
	for i := range list {
		if err := validate(&list[i]); err != nil {
			return err
		}
	}
	for j := range list {
		for i := range j {
			a, b := &list[i], &list[j]
			if strings.EqualFold(a.Name, b.Name) {
				return &ParamError{Param: "Name", Value: b.Name, Kind: ErrInvalid, Allowed: "another receive connector has this name"}
			}
			if !a.Enabled || !b.Enabled {
				continue
			}
			for _, x := range a.Bindings {
				for _, y := range b.Bindings {
					if bindingsOverlap(x, y) {
						return &ParamError{Param: "Bindings", Value: y.String(), Kind: ErrInvalid,
							Allowed: fmt.Sprintf("it overlaps %s of the receive connector %q", x, a.Name)}
					}
				}
			}
		}
	}
	return nil
}

// LoadConnectors decodes a stored list of connectors, each onto the
// defaults for fqdn (so a setting missing from the document keeps its
// default and unknown fields are ignored), then validates the list. A
// binding on port 0, refused since, still loads, so that it can be
// corrected.
func LoadConnectors(data []byte, fqdn string) ([]ReceiveConnector, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("config: decoding receive connectors: %w", err)
	}
	out := make([]ReceiveConnector, 0, len(raw))
	for _, r := range raw {
		c := baseConnector("", fqdn)
		if err := json.Unmarshal(r, &c); err != nil {
			return nil, fmt.Errorf("config: decoding a receive connector: %w", err)
		}
		out = append(out, c)
	}
	if err := validateConnectors(out, connectorParams().validateStored); err != nil {
		return nil, err
	}
	return out, nil
}

package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// SendConnector is Exchange's Send connector: where mail for the domains
// of its AddressSpaces goes. With SmartHosts it is relayed through them;
// without, the domain's MX hosts are used (DNSRoutingEnabled). Kept in
// the transport settings (TransportSettings.SendConnectors).
type SendConnector struct {
	Name    string `json:"Name"`
	Enabled bool   `json:"Enabled"`
	// AddressSpaces are "*", a domain, or "*.domain" (its subdomains);
	// "SMTP:" and ";cost" as Exchange writes them are accepted and dropped.
	AddressSpaces []string `json:"AddressSpaces"`
	SmartHosts    []string `json:"SmartHosts,omitempty"`
	Port          int      `json:"Port"`
	RequireTLS    bool     `json:"RequireTLS"`
	// TlsAuthLevel is EncryptionOnly (the default) or
	// CertificateValidation/DomainValidation: the certificate is checked.
	TlsAuthLevel string `json:"TlsAuthLevel,omitempty"`
	// SmartHostAuthMechanism is None, BasicAuth or BasicAuthRequireTLS.
	SmartHostAuthMechanism string `json:"SmartHostAuthMechanism"`
	AuthenticationUser     string `json:"AuthenticationUser,omitempty"`
	// AuthenticationPassword is never shown by the API, and kept sealed
	// under the server's key (internal/server, secrets.go).
	AuthenticationPassword string `json:"AuthenticationPassword,omitempty"`
}

// Send connector values: SmartHostAuthMechanism and TlsAuthLevel.
const (
	SmartHostAuthNone            = "None"
	SmartHostAuthBasic           = "BasicAuth"
	SmartHostAuthBasicRequireTLS = "BasicAuthRequireTLS"
	TlsAuthEncryptionOnly        = "EncryptionOnly"
	TlsAuthCertificateValidation = "CertificateValidation"
	TlsAuthDomainValidation      = "DomainValidation"
)

// DNSRoutingEnabled reports whether the connector uses MX records.
func (c SendConnector) DNSRoutingEnabled() bool { return len(c.SmartHosts) == 0 }

// Public returns the connector without its password.
func (c SendConnector) Public() SendConnector {
	if c.AuthenticationPassword != "" {
		c.AuthenticationPassword = "********"
	}
	return c
}

// Validate checks a send connector.
func (c SendConnector) Validate() error {
	var errs []error
	if strings.TrimSpace(c.Name) == "" {
		errs = append(errs, errors.New("Name is required"))
	}
	if len(c.AddressSpaces) == 0 {
		errs = append(errs, errors.New("AddressSpaces is required"))
	}
	for _, a := range c.AddressSpaces {
		d := strings.TrimPrefix(a, "*.")
		if a != "*" && (d == "" || strings.ContainsAny(d, "*@ ;:/") || !strings.Contains(d, ".") && d != "localhost") {
			errs = append(errs, fmt.Errorf("AddressSpaces: %q is not *, a domain or *.domain", a))
		}
	}
	for _, h := range c.SmartHosts {
		if h == "" || strings.ContainsAny(h, " /@") {
			errs = append(errs, fmt.Errorf("SmartHosts: %q is not a host name or address", h))
		}
	}
	if c.Port < 1 || c.Port > 65535 {
		errs = append(errs, fmt.Errorf("Port %d is not 1-65535", c.Port))
	}
	switch c.TlsAuthLevel {
	case "", TlsAuthEncryptionOnly:
	case TlsAuthCertificateValidation, TlsAuthDomainValidation:
		if !c.RequireTLS {
			errs = append(errs, errors.New("TlsAuthLevel needs RequireTLS $true"))
		}
	default:
		errs = append(errs, fmt.Errorf("TlsAuthLevel %q: valid values are EncryptionOnly, CertificateValidation, DomainValidation", c.TlsAuthLevel))
	}
	switch c.SmartHostAuthMechanism {
	case SmartHostAuthNone, "":
	case SmartHostAuthBasic, SmartHostAuthBasicRequireTLS:
		if c.DNSRoutingEnabled() {
			errs = append(errs, errors.New("SmartHostAuthMechanism needs SmartHosts"))
		}
		if c.AuthenticationUser == "" || c.AuthenticationPassword == "" {
			errs = append(errs, errors.New("SmartHostAuthMechanism BasicAuth needs AuthenticationCredential"))
		}
	default:
		errs = append(errs, fmt.Errorf("SmartHostAuthMechanism %q: valid values are None, BasicAuth, BasicAuthRequireTLS", c.SmartHostAuthMechanism))
	}
	return errors.Join(errs...)
}

// ApplyText sets one field from its CLI text (Name=Value).
func (c *SendConnector) ApplyText(name, text string) error {
	list := func() []string {
		var out []string
		for _, v := range SplitList(text) {
			if v = strings.TrimSpace(v); v != "" {
				out = append(out, v)
			}
		}
		return out
	}
	switch strings.ToLower(name) {
	case "name":
		c.Name = strings.TrimSpace(text)
	case "enabled", "requiretls":
		b, err := parseBoolText(text)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if strings.EqualFold(name, "enabled") {
			c.Enabled = b
		} else {
			c.RequireTLS = b
		}
	case "addressspaces":
		c.AddressSpaces = nil
		for _, a := range list() {
			a = strings.TrimPrefix(strings.TrimPrefix(a, "SMTP:"), "smtp:")
			a, _, _ = strings.Cut(a, ";")
			c.AddressSpaces = append(c.AddressSpaces, strings.ToLower(a))
		}
	case "smarthosts":
		c.SmartHosts = list()
	case "port":
		n, err := strconv.Atoi(strings.TrimSpace(text))
		if err != nil {
			return fmt.Errorf("Port: %q is not a number", text)
		}
		c.Port = n
	case "tlsauthlevel":
		c.TlsAuthLevel = canonical(text, TlsAuthEncryptionOnly, TlsAuthCertificateValidation, TlsAuthDomainValidation)
	case "smarthostauthmechanism":
		c.SmartHostAuthMechanism = canonical(text, SmartHostAuthNone, SmartHostAuthBasic, SmartHostAuthBasicRequireTLS)
	case "authenticationuser":
		c.AuthenticationUser = strings.TrimSpace(text)
	case "authenticationpassword", "authenticationcredential":
		return fmt.Errorf("%s: the password is given on its own (read from standard input), never as a setting text", name)
	default:
		return fmt.Errorf("send connector: unknown setting %q", name)
	}
	return nil
}

func canonical(text string, values ...string) string {
	for _, v := range values {
		if strings.EqualFold(strings.TrimSpace(text), v) {
			return v
		}
	}
	return text
}

func parseBoolText(v string) (bool, error) {
	switch strings.ToLower(strings.TrimPrefix(strings.TrimSpace(v), "$")) {
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, fmt.Errorf("%q is not $true or $false", v)
}

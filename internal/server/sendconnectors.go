package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/postern/postern/internal/config"
	"github.com/postern/postern/internal/directory"
	"github.com/postern/postern/internal/queue"
)

// SendConnector is Exchange's Send connector: where mail for the domains
// of its AddressSpaces goes. With SmartHosts it is relayed through them;
// without, the domain's MX hosts are used (DNSRoutingEnabled). Kept in
// the transport settings.
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
	// under the server's key (secrets.go).
	AuthenticationPassword string `json:"AuthenticationPassword,omitempty"`
}

// Send connector values.
const (
	authNone                = "None"
	authBasic               = "BasicAuth"
	authBasicRequireTLS     = "BasicAuthRequireTLS"
	tlsEncryptionOnly       = "EncryptionOnly"
	tlsCertificateValidated = "CertificateValidation"
	tlsDomainValidated      = "DomainValidation"
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
	case "", tlsEncryptionOnly:
	case tlsCertificateValidated, tlsDomainValidated:
		if !c.RequireTLS {
			errs = append(errs, errors.New("TlsAuthLevel needs RequireTLS $true"))
		}
	default:
		errs = append(errs, fmt.Errorf("TlsAuthLevel %q: valid values are EncryptionOnly, CertificateValidation, DomainValidation", c.TlsAuthLevel))
	}
	switch c.SmartHostAuthMechanism {
	case authNone, "":
	case authBasic, authBasicRequireTLS:
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
		for _, v := range config.SplitList(text) {
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
		c.TlsAuthLevel = canonical(text, tlsEncryptionOnly, tlsCertificateValidated, tlsDomainValidated)
	case "smarthostauthmechanism":
		c.SmartHostAuthMechanism = canonical(text, authNone, authBasic, authBasicRequireTLS)
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

// SendConnectors lists the send connectors.
func (s *Server) SendConnectors(ctx context.Context) ([]SendConnector, error) {
	tr, err := s.Transport(ctx)
	return tr.SendConnectors, err
}

// EditSendConnector creates (create true) or changes a send connector.
func (s *Server) EditSendConnector(ctx context.Context, name string, create bool, edit func(*SendConnector) error) (SendConnector, error) {
	var out SendConnector
	_, err := s.UpdateTransport(ctx, func(tr *TransportSettings) error {
		i := findSendConnector(tr.SendConnectors, name)
		switch {
		case create && i >= 0:
			return fmt.Errorf("send connector %q: %w", name, directory.ErrExists)
		case !create && i < 0:
			return fmt.Errorf("send connector %q: %w", name, directory.ErrNotFound)
		}
		c := SendConnector{Name: name, Enabled: true, Port: 25, SmartHostAuthMechanism: authNone}
		if !create {
			c = tr.SendConnectors[i]
		}
		if err := edit(&c); err != nil {
			return err
		}
		if err := c.Validate(); err != nil {
			return fmt.Errorf("send connector %q: %w", c.Name, err)
		}
		var err error
		if c.AuthenticationPassword, err = s.seal(c.AuthenticationPassword); err != nil {
			return fmt.Errorf("send connector %q: %w", c.Name, err)
		}
		if j := findSendConnector(tr.SendConnectors, c.Name); j >= 0 && j != i {
			return fmt.Errorf("send connector %q: %w", c.Name, directory.ErrExists)
		}
		list := append([]SendConnector(nil), tr.SendConnectors...)
		if create {
			list = append(list, c)
		} else {
			list[i] = c
		}
		tr.SendConnectors, out = list, c
		return nil
	})
	return out, err
}

// RemoveSendConnector removes a send connector.
func (s *Server) RemoveSendConnector(ctx context.Context, name string) error {
	_, err := s.UpdateTransport(ctx, func(tr *TransportSettings) error {
		i := findSendConnector(tr.SendConnectors, name)
		if i < 0 {
			return fmt.Errorf("send connector %q: %w", name, directory.ErrNotFound)
		}
		tr.SendConnectors = append(append([]SendConnector(nil), tr.SendConnectors[:i]...), tr.SendConnectors[i+1:]...)
		return nil
	})
	return err
}

func findSendConnector(list []SendConnector, name string) int {
	for i, c := range list {
		if strings.EqualFold(c.Name, name) {
			return i
		}
	}
	return -1
}

// matchSendConnector picks the enabled connector whose address space
// matches domain most specifically (a domain over *.domain over *).
func matchSendConnector(list []SendConnector, domain string) (SendConnector, bool) {
	domain = strings.ToLower(domain)
	best, bestScore := SendConnector{}, -1
	for _, c := range list {
		if !c.Enabled {
			continue
		}
		for _, a := range c.AddressSpaces {
			score := -1
			switch {
			case a == "*":
				score = 0
			case strings.HasPrefix(a, "*."):
				if strings.HasSuffix(domain, a[1:]) {
					score = len(a)
				}
			case a == domain:
				score = len(a) + 1000
			}
			if score > bestScore {
				best, bestScore = c, score
			}
		}
	}
	return best, bestScore >= 0
}

// route turns a connector into the sender's route.
func (c SendConnector) route() queue.Route {
	r := queue.Route{Port: c.Port, RequireTLS: c.RequireTLS,
		VerifyTLS: c.TlsAuthLevel == tlsCertificateValidated || c.TlsAuthLevel == tlsDomainValidated}
	for _, h := range c.SmartHosts {
		if ip := net.ParseIP(strings.Trim(h, "[]")); ip != nil {
			h = ip.String()
		}
		r.Hosts = append(r.Hosts, h)
	}
	if c.SmartHostAuthMechanism == authBasic || c.SmartHostAuthMechanism == authBasicRequireTLS {
		r.AuthUser, r.AuthPassword = c.AuthenticationUser, c.AuthenticationPassword
		r.AuthRequireTLS = c.SmartHostAuthMechanism == authBasicRequireTLS
	}
	return r
}

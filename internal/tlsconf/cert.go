package tlsconf

import (
	"crypto/sha1"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// Cert describes one stored certificate, as Get-ExchangeCertificate shows it.
type Cert struct {
	// Thumbprint is the upper-case hex SHA-1 of the leaf certificate's DER,
	// the identifier Exchange uses for certificates.
	Thumbprint string
	// Subject and Issuer are the distinguished names, e.g. "CN=mail.test".
	Subject string
	Issuer  string
	// DNSNames and IPAddresses are the subject alternative names.
	DNSNames    []string
	IPAddresses []netip.Addr
	// NotBefore and NotAfter bound the validity period.
	NotBefore time.Time
	NotAfter  time.Time
	// Services lists the services the certificate is enabled for
	// (ServicePOP, ServiceIMAP, ...), sorted.
	Services []string
	// SelfSigned reports whether the certificate's issuer is its subject.
	SelfSigned bool
	// CertFile is the path of the PEM file holding the certificate and its
	// chain. For the self-signed certificate it is the file clients trust.
	CertFile string
}

// The services a certificate can be enabled for, as in
// Enable-ExchangeCertificate -Services.
const (
	ServicePOP  = "POP"
	ServiceIMAP = "IMAP"
	ServiceSMTP = "SMTP"
	ServiceIIS  = "IIS" // the web service (settings page, admin API over HTTPS)
)

// Thumbprint returns the Exchange-style thumbprint of a DER certificate:
// upper-case hex of its SHA-1 digest.
func Thumbprint(der []byte) string {
	sum := sha1.Sum(der)
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// entry is one loaded certificate: the key pair ready for crypto/tls, its
// description, and the names it answers to, pre-folded for matching.
type entry struct {
	name  string // file base name, without extension
	pair  tls.Certificate
	info  Cert
	names []string // lower-case DNS SANs, or the CN when there are no SANs
	ips   []netip.Addr
}

func newEntry(name, certFile string, pair tls.Certificate, services []string) *entry {
	leaf := pair.Leaf
	info := Cert{
		Thumbprint: Thumbprint(leaf.Raw),
		Subject:    leaf.Subject.String(),
		Issuer:     leaf.Issuer.String(),
		DNSNames:   slices.Clone(leaf.DNSNames),
		NotBefore:  leaf.NotBefore,
		NotAfter:   leaf.NotAfter,
		Services:   slices.Clone(services),
		SelfSigned: isSelfSigned(leaf),
		CertFile:   certFile,
	}
	e := &entry{name: name, pair: pair, info: info}
	for _, ip := range leaf.IPAddresses {
		if a, ok := netip.AddrFromSlice(ip); ok {
			a = a.Unmap()
			e.ips = append(e.ips, a)
			e.info.IPAddresses = append(e.info.IPAddresses, a)
		}
	}
	for _, n := range leaf.DNSNames {
		e.names = append(e.names, foldName(n))
	}
	if len(leaf.DNSNames) == 0 && len(leaf.IPAddresses) == 0 && leaf.Subject.CommonName != "" {
		e.names = append(e.names, foldName(leaf.Subject.CommonName))
	}
	return e
}

func isSelfSigned(c *x509.Certificate) bool {
	return string(c.RawIssuer) == string(c.RawSubject) && c.CheckSignatureFrom(c) == nil
}

// validAt reports whether the certificate may be presented at now.
func (e *entry) validAt(now time.Time) bool {
	return !now.Before(e.info.NotBefore) && now.Before(e.info.NotAfter)
}

func (e *entry) hasService(svc string) bool {
	return slices.Contains(e.info.Services, svc)
}

// publicCopy returns the description with its slices cloned, so callers
// cannot alter the shared set.
func (e *entry) publicCopy() Cert {
	c := e.info
	c.DNSNames = slices.Clone(c.DNSNames)
	c.IPAddresses = slices.Clone(c.IPAddresses)
	c.Services = slices.Clone(c.Services)
	return c
}

// normalizeServices upper-cases, checks, sorts and de-duplicates services.
func normalizeServices(in []string) ([]string, error) {
	var out []string
	for _, s := range in {
		u := strings.ToUpper(strings.TrimSpace(s))
		switch u {
		case ServiceIIS, ServiceIMAP, ServicePOP, ServiceSMTP:
		default:
			return nil, &ServiceError{Service: s}
		}
		out = append(out, u)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// ServiceError reports a service name that certificates cannot be enabled for.
type ServiceError struct{ Service string }

func (e *ServiceError) Error() string {
	return "tlsconf: unknown service " + `"` + e.Service + `"` + " (want POP, IMAP, SMTP or IIS)"
}

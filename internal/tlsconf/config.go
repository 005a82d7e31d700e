package tlsconf

import (
	"crypto/tls"
	"fmt"
)

// ConfigOptions chooses how a listener's configuration picks certificates.
type ConfigOptions struct {
	// CertificateName is the service's X509CertificateName: the name of the
	// certificate presented when the client sends no SNI name, or one no
	// certificate matches. Usually the server FQDN, which the self-signed
	// certificate covers. If nothing valid matches it, such handshakes fail
	// (call Store.Select at start-up to report that early).
	CertificateName string
	// Service, when set (ServicePOP, ServiceIMAP, ...), limits the choice by
	// SNI name to certificates enabled for that service, as Exchange binds
	// certificates to services. The CertificateName default ignores it:
	// naming a certificate explicitly is enough, as in Exchange.
	Service string
}

// Config returns a server configuration whose GetCertificate chooses, for
// each handshake, the certificate matching the client's SNI name (exact,
// then wildcard), else the one CertificateName selects. It reads the
// store's current set on every handshake, so Reload and other Store
// changes apply to running listeners. Everything else is Go's default
// (TLS 1.2 minimum); callers may adjust the returned value before use.
func (s *Store) Config(opts ConfigOptions) *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		GetCertificate: func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
			return s.certificateFor(hello.ServerName, opts)
		},
	}
}

func (s *Store) certificateFor(sni string, opts ConfigOptions) (*tls.Certificate, error) {
	set, now := s.set.Load(), s.now()
	if sni != "" {
		if e := set.pick(sni, now, opts.Service); e != nil {
			return &e.pair, nil
		}
	}
	if e := set.pick(opts.CertificateName, now, ""); e != nil {
		return &e.pair, nil
	}
	return nil, fmt.Errorf("%w: X509CertificateName %q (SNI %q)", ErrNoMatch, opts.CertificateName, sni)
}

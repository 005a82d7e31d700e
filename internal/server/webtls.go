package server

import (
	"crypto/tls"

	"github.com/postern/postern/internal/tlsconf"
)

// WebTLSConfig is the TLS configuration of the server's web listeners
// (the remote admin API): the certificate enabled for IIS that matches
// the client's SNI name, else the one named by the server's FQDN, as
// Exchange serves its web services with the IIS certificate.
func (s *Server) WebTLSConfig() *tls.Config {
	return s.certs.Config(tlsconf.ConfigOptions{CertificateName: s.fqdn, Service: tlsconf.ServiceIIS})
}

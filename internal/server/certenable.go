package server

import "github.com/postern/postern/internal/tlsconf"

// EnableCertificate enables a stored certificate for services (POP, IMAP,
// SMTP, IIS), as Enable-ExchangeCertificate does; a service picks it by
// its X509CertificateName from its next start.
func (s *Server) EnableCertificate(thumbprint string, services ...string) (tlsconf.Cert, error) {
	return s.certs.EnableServices(thumbprint, services...)
}

package admin

import (
	"net/http"

	"github.com/postern/postern/internal/tlsconf"
)

func (a *API) listCerts(r *http.Request) ([]tlsconf.Cert, error) {
	return a.s.Certificates(), nil
}

// ImportRequest is the body of POST /v1/certificates: PEM text of the
// certificate (with its chain) and its private key.
type ImportRequest struct {
	Certificate string   `json:"certificate"`
	Key         string   `json:"key"`
	Services    []string `json:"services,omitempty"` // POP, IMAP, SMTP
}

func (a *API) importCert(r *http.Request, req ImportRequest) (tlsconf.Cert, error) {
	return a.s.ImportCertificate([]byte(req.Certificate), []byte(req.Key), req.Services...)
}

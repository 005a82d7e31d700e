package admin

import (
	"net/http"

	"github.com/postern/postern/internal/admin/api"
	"github.com/postern/postern/internal/tlsconf"
)

func (a *API) listCerts(r *http.Request) ([]tlsconf.Cert, error) {
	return a.s.Certificates(), nil
}

func (a *API) importCert(r *http.Request, req api.ImportRequest) (tlsconf.Cert, error) {
	return a.s.ImportCertificate([]byte(req.Certificate), []byte(req.Key), req.Services...)
}

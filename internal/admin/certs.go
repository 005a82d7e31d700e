package admin

import (
	"net/http"
)

func (a *API) listCerts(w http.ResponseWriter, r *http.Request) {
	reply(w, a.s.Certificates())
}

// ImportRequest is the body of POST /v1/certificates: PEM text of the
// certificate (with its chain) and its private key.
type ImportRequest struct {
	Certificate string   `json:"certificate"`
	Key         string   `json:"key"`
	Services    []string `json:"services,omitempty"` // POP, IMAP, SMTP
}

func (a *API) importCert(w http.ResponseWriter, r *http.Request) {
	var req ImportRequest
	if err := decode(r, &req); err != nil {
		a.fail(w, err)
		return
	}
	c, err := a.s.ImportCertificate([]byte(req.Certificate), []byte(req.Key), req.Services...)
	if err != nil {
		a.fail(w, err)
		return
	}
	reply(w, c)
}

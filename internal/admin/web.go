package admin

import (
	"fmt"
	"net/http"

	"github.com/postern/postern/internal/config"
)

func (a *API) getWeb(r *http.Request) (config.WebSettings, error) {
	return a.s.Web(r.Context())
}

// WebRequest is the body of POST /v1/settings/web: Name=Value changes
// (Bindings, X509CertificateName).
type WebRequest struct {
	Settings map[string]string `json:"settings"`
}

func (a *API) setWeb(r *http.Request, req WebRequest) (config.WebSettings, error) {
	ws, err := a.s.SetWeb(r.Context(), req.Settings)
	if err != nil {
		return ws, fmt.Errorf("%w: %v", errBadRequest, err)
	}
	return ws, nil
}

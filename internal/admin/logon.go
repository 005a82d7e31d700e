package admin

import (
	"fmt"
	"net/http"

	"github.com/postern/postern/internal/admin/api"
	"github.com/postern/postern/internal/config"
)

func (a *API) logonRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /v1/settings/logon", get(a, a.getLogon))
	m.HandleFunc("POST /v1/settings/logon", post(a, a.setLogon))
}

func (a *API) getLogon(r *http.Request) (config.LogonSettings, error) {
	return a.s.Logon(r.Context())
}

func (a *API) setLogon(r *http.Request, req api.LogonRequest) (config.LogonSettings, error) {
	l, err := a.s.SetLogon(r.Context(), req.Values)
	if err != nil {
		return l, fmt.Errorf("%w: %v", errBadRequest, err)
	}
	return l, nil
}

package admin

import (
	"fmt"
	"net/http"

	"github.com/postern/postern/internal/admin/api"
	"github.com/postern/postern/internal/config"
)

func (a *API) getWeb(r *http.Request) (config.WebSettings, error) {
	return a.s.Web(r.Context())
}

func (a *API) setWeb(r *http.Request, req api.WebRequest) (config.WebSettings, error) {
	ws, err := a.s.SetWeb(r.Context(), req.Settings)
	if err != nil {
		return ws, fmt.Errorf("%w: %v", errBadRequest, err)
	}
	return ws, nil
}

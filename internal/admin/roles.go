package admin

import (
	"net/http"

	"github.com/postern/postern/internal/admin/api"
)

// The administrator role: who may use the remote admin API
// (`postern user admin`, Add-/Remove-/Get-RoleGroupMember "Organization
// Management").
func (a *API) roleRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /v1/administrators", get(a, a.listAdministrators))
	m.HandleFunc("POST /v1/administrators", post(a, a.setAdministrator))
}

func (a *API) listAdministrators(r *http.Request) ([]api.User, error) {
	us, err := a.s.Directory().Administrators(r.Context())
	out := []api.User{}
	for _, u := range us {
		out = append(out, userOf(u))
	}
	return out, err
}

func (a *API) setAdministrator(r *http.Request, req api.RoleRequest) (api.User, error) {
	u, err := a.s.Directory().Lookup(r.Context(), req.Name)
	if err != nil {
		return api.User{}, err
	}
	return userOf(u), a.s.Directory().SetAdministrator(r.Context(), u.ID, req.Admin)
}

package admin

import (
	"net/http"

	"github.com/postern/postern/internal/admin/api"
)

// Full access to a mailbox, which opens it to another user by IMAP4
// delegate logon (`postern user access`, Add-/Remove-/Get-MailboxPermission).
func (a *API) permissionRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /v1/permissions", get(a, a.listPermissions))
	m.HandleFunc("POST /v1/permissions", post(a, a.setPermission))
}

const fullAccess = "FullAccess"

// listPermissions answers GET /v1/permissions?mailbox=NAME.
func (a *API) listPermissions(r *http.Request) ([]api.Permission, error) {
	ctx := r.Context()
	mb, err := a.s.Directory().Lookup(ctx, r.URL.Query().Get("mailbox"))
	if err != nil {
		return nil, err
	}
	us, err := a.s.Directory().FullAccessUsers(ctx, mb.ID)
	out := []api.Permission{}
	for _, u := range us {
		out = append(out, api.Permission{Mailbox: mb.Address(), User: u.Address(), AccessRights: fullAccess})
	}
	return out, err
}

func (a *API) setPermission(r *http.Request, req api.PermissionRequest) (api.Permission, error) {
	ctx := r.Context()
	mb, err := a.s.Directory().Lookup(ctx, req.Mailbox)
	if err != nil {
		return api.Permission{}, err
	}
	u, err := a.s.Directory().Lookup(ctx, req.User)
	if err != nil {
		return api.Permission{}, err
	}
	p := api.Permission{Mailbox: mb.Address(), User: u.Address(), AccessRights: fullAccess}
	return p, a.s.Directory().SetFullAccess(ctx, mb.ID, u.ID, req.Grant)
}

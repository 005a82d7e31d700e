package admin

import (
	"net/http"
)

// Full access to a mailbox, which opens it to another user by IMAP4
// delegate logon (`postern user access`, Add-/Remove-/Get-MailboxPermission).
func (a *API) permissionRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /v1/permissions", get(a, a.listPermissions))
	m.HandleFunc("POST /v1/permissions", post(a, a.setPermission))
}

// Permission is one user's full access to a mailbox.
type Permission struct {
	Mailbox      string `json:"mailbox"`
	User         string `json:"user"`
	AccessRights string `json:"access_rights"` // always FullAccess
}

// PermissionRequest is the body of POST /v1/permissions.
type PermissionRequest struct {
	Mailbox string `json:"mailbox"`
	User    string `json:"user"`
	Grant   bool   `json:"grant"`
}

const fullAccess = "FullAccess"

// listPermissions answers GET /v1/permissions?mailbox=NAME.
func (a *API) listPermissions(r *http.Request) ([]Permission, error) {
	ctx := r.Context()
	mb, err := a.s.Directory().Lookup(ctx, r.URL.Query().Get("mailbox"))
	if err != nil {
		return nil, err
	}
	us, err := a.s.Directory().FullAccessUsers(ctx, mb.ID)
	out := []Permission{}
	for _, u := range us {
		out = append(out, Permission{Mailbox: mb.Address(), User: u.Address(), AccessRights: fullAccess})
	}
	return out, err
}

func (a *API) setPermission(r *http.Request, req PermissionRequest) (Permission, error) {
	ctx := r.Context()
	mb, err := a.s.Directory().Lookup(ctx, req.Mailbox)
	if err != nil {
		return Permission{}, err
	}
	u, err := a.s.Directory().Lookup(ctx, req.User)
	if err != nil {
		return Permission{}, err
	}
	p := Permission{Mailbox: mb.Address(), User: u.Address(), AccessRights: fullAccess}
	return p, a.s.Directory().SetFullAccess(ctx, mb.ID, u.ID, req.Grant)
}

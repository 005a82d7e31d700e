package api

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

// RoleRequest is the body of POST /v1/administrators.
type RoleRequest struct {
	Name  string `json:"name"`
	Admin bool   `json:"admin"`
}

// Package api is the admin API's wire format: the request and answer bodies
// of the /v1 endpoints, as JSON. Package admin serves them (on the local
// Unix socket and the remote HTTPS listener) and its Client sends them; the
// CLI verbs and the cmdlet shell see the server through these types only.
//
// It is a leaf: it imports the standard library and internal/config (whose
// settings documents the API shows as they are), nothing else, so that the
// clients need not import the server's packages. Changing a JSON field name
// here changes the API.
package api

// Error is the body of every failed request.
type Error struct {
	Error string `json:"error"`
}

// Info describes the server.
type Info struct {
	Name            string   `json:"name"`
	FQDN            string   `json:"fqdn"`
	DataDir         string   `json:"dataDir"`
	AcceptedDomains []string `json:"acceptedDomains"`
	Certificate     string   `json:"certificate"` // path of the self-signed certificate, for clients to trust
}

// User is a user as the API shows it.
type User struct {
	Address     string `json:"address"`
	DisplayName string `json:"displayName,omitempty"`
	Database    string `json:"database"`
}

// NewUser is the body of POST /v1/users.
type NewUser struct {
	Address     string `json:"address"`
	Password    string `json:"password"`
	DisplayName string `json:"displayName,omitempty"`
	// Database is the mailbox database to put it in; empty: the first
	// one active on the server answering.
	Database string `json:"database,omitempty"`
}

// NameRequest names a user, with a password where one is set.
type NameRequest struct {
	Name     string `json:"name"`
	Password string `json:"password,omitempty"`
}

// DeliverResult reports one recipient of POST /v1/deliver.
type DeliverResult struct {
	Recipient string `json:"recipient"`
	Error     string `json:"error,omitempty"`
}

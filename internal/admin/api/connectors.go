package api

import "github.com/postern/postern/internal/config"

// Connector is a receive connector as the API shows it
// (Get-ReceiveConnector | Format-List), with where it listens now.
type Connector struct {
	Identity string         `json:"identity"` // Server\Name
	Name     string         `json:"name"`
	Fields   []config.Field `json:"fields"`
	// Listening are the bound addresses while the smtp service runs.
	Listening []string `json:"listening,omitempty"`
	// Error says why the running smtp service could not open it.
	Error string `json:"error,omitempty"`
}

// NewConnector is the body of POST /v1/connectors (New-ReceiveConnector).
type NewConnector struct {
	Name string `json:"name"`
	// Usage is Client, Internet or Custom (the default).
	Usage   string          `json:"usage,omitempty"`
	Changes []config.Change `json:"changes,omitempty"`
	Texts   []TextChange    `json:"texts,omitempty"`
}

// SendConnectorRequest is the body of POST /v1/sendconnectors and
// /v1/sendconnectors/set: Name=Value texts, and the smarthost password
// in a member of its own, which the audit log masks.
type SendConnectorRequest struct {
	Name     string       `json:"name"`
	Texts    []TextChange `json:"texts,omitempty"`
	Password string       `json:"password,omitempty"`
}

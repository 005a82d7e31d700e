package api

import "github.com/postern/postern/internal/config"

// Changes is the body of the settings endpoints: typed changes (the
// shell's lists and @{Add=...;Remove=...}) and/or parameters given as text
// in the CLI form (Name=Value, lists comma-separated), applied in order.
type Changes struct {
	Name    string          `json:"name,omitempty"` // the mailbox, for CAS settings
	Changes []config.Change `json:"changes,omitempty"`
	Texts   []TextChange    `json:"texts,omitempty"`
}

// TextChange sets one parameter from its text form.
type TextChange struct {
	Name string `json:"name"`
	Text string `json:"text"`
}

// TransportRequest is the body of POST /v1/settings/transport.
type TransportRequest struct {
	LmtpBindings []string `json:"LmtpBindings"`
}

// OutboundRequest is the body of POST /v1/settings/transport/outbound;
// absent fields are left as they are.
type OutboundRequest struct {
	// Resolve entries are "domain=host:port"; "domain=" removes one.
	Resolve                  []string `json:"resolve,omitempty"`
	LoopbackOnly             *bool    `json:"loopbackOnly,omitempty"`
	RetryIntervals           *string  `json:"retryIntervals,omitempty"`
	MessageExpirationTimeout *string  `json:"messageExpirationTimeout,omitempty"`
	DelayNotificationTimeout *string  `json:"delayNotificationTimeout,omitempty"`
}

// CASMailbox is the per-mailbox settings of one user.
type CASMailbox struct {
	Identity string         `json:"identity"`
	Fields   []config.Field `json:"fields"`
}

// LogonRequest is the body of POST /v1/settings/logon: settings by name,
// values as text (`postern login set LogonsPerMinute=10`).
type LogonRequest struct {
	Values map[string]string `json:"Values"`
}

// WebRequest is the body of POST /v1/settings/web: Name=Value changes
// (Bindings, X509CertificateName).
type WebRequest struct {
	Settings map[string]string `json:"settings"`
}

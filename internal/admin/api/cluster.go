package api

// ExchangeServer is a server of the organisation (Get-ExchangeServer).
type ExchangeServer struct {
	Name    string `json:"name"`
	FQDN    string `json:"fqdn"`
	Address string `json:"address,omitempty"`
	// ActiveDatabases are the mailbox databases active on it now.
	ActiveDatabases []string `json:"activeDatabases"`
	// Services are its services with their status, as it last published
	// them (every lease renewal) at StatusAt; Reachable says that was
	// recent.
	Services  []ServiceStatus `json:"services,omitempty"`
	StatusAt  string          `json:"statusAt,omitempty"`
	Reachable bool            `json:"reachable"`
}

// MailboxDatabase is a mailbox database (Get-MailboxDatabase).
type MailboxDatabase struct {
	Name string `json:"name"`
	// Server holds the active copy; Copies are the servers that may hold
	// it, in activation preference order.
	Server string   `json:"server"`
	Copies []string `json:"copies"`
	// Storage is where its data lives: a folder (SQLite) or PostgreSQL.
	Storage string `json:"storage"`
	// Status (-Status): mounted on its server, and in cluster mode the
	// lease's epoch and expiry.
	Mounted      *bool  `json:"mounted,omitempty"`
	Epoch        int64  `json:"epoch,omitempty"`
	LeaseExpires string `json:"leaseExpires,omitempty"`
	Mailboxes    int    `json:"mailboxes"`
}

// DatabaseRequest is the body of POST /v1/databases and
// /v1/databases/action: Action is mount, dismount, move (-ActivateOnServer
// Server) or addcopy (Server).
type DatabaseRequest struct {
	Name   string `json:"name"`
	Server string `json:"server,omitempty"`
	Action string `json:"action,omitempty"`
}

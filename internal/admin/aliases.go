package admin

import "github.com/postern/postern/internal/admin/api"

// Info and Connector keep their old names for the cmdlet shell's files
// other than the cmdlets (its session state and the connectivity tests),
// which another change is moving; new code names the api types.
type (
	Info      = api.Info
	Connector = api.Connector
)

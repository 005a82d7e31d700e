package admin

import "github.com/postern/postern/internal/admin/api"

// Info and Connector are kept under their old names for the shell's
// language and probe files (eval.go, connectivity_message.go), which are
// being moved into packages of their own; new code names the api types.
type (
	Info      = api.Info
	Connector = api.Connector
)

package admin

import (
	"fmt"
	"net/http"

	"github.com/postern/postern/internal/admin/api"
)

func (a *API) listServers(r *http.Request) ([]api.ExchangeServer, error) {
	return a.s.ExchangeServers(r.Context())
}

func (a *API) listDatabases(r *http.Request) ([]api.MailboxDatabase, error) {
	return a.s.MailboxDatabases(r.Context(), r.URL.Query().Get("status") != "")
}

func (a *API) newDatabase(r *http.Request, req api.DatabaseRequest) (api.MailboxDatabase, error) {
	return a.s.NewMailboxDatabase(r.Context(), req.Name, req.Server)
}

func (a *API) databaseAction(r *http.Request, req api.DatabaseRequest) (api.MailboxDatabase, error) {
	ctx := r.Context()
	var err error
	switch req.Action {
	case "mount":
		err = a.s.MountDatabase(ctx, req.Name)
	case "dismount":
		err = a.s.DismountDatabase(ctx, req.Name)
	case "move":
		err = a.s.MoveActiveDatabase(ctx, req.Name, req.Server)
	case "addcopy":
		err = a.s.AddDatabaseCopy(ctx, req.Name, req.Server)
	default:
		err = fmt.Errorf("%w: action %q is not mount, dismount, move or addcopy", errBadRequest, req.Action)
	}
	if err != nil {
		return api.MailboxDatabase{}, err
	}
	return a.s.MailboxDatabase(ctx, req.Name)
}

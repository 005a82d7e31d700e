package admin

import (
	"net/http"

	"github.com/postern/postern/internal/admin/api"
)

// moveRoutes are the mailbox moves (New-/Get-/Remove-MoveRequest).
func (a *API) moveRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /v1/moves", get(a, a.listMoves))
	m.HandleFunc("POST /v1/moves", post(a, a.newMove))
	m.HandleFunc("POST /v1/moves/remove", post(a, a.removeMove))
}

// listMoves answers every move request, or with ?identity= that one
// mailbox's.
func (a *API) listMoves(r *http.Request) ([]api.MoveRequest, error) {
	if id := r.URL.Query().Get("identity"); id != "" {
		m, err := a.s.MoveRequest(r.Context(), id)
		if err != nil {
			return nil, err
		}
		return []api.MoveRequest{m}, nil
	}
	list, err := a.s.MoveRequests(r.Context())
	if list == nil {
		list = []api.MoveRequest{}
	}
	return list, err
}

func (a *API) newMove(r *http.Request, req api.MoveRequestParams) (api.MoveRequest, error) {
	return a.s.MoveMailbox(r.Context(), req.Identity, req.TargetDatabase)
}

func (a *API) removeMove(r *http.Request, req api.MoveRequestParams) (struct{}, error) {
	return struct{}{}, a.s.RemoveMoveRequest(r.Context(), req.Identity)
}

package admin

import (
	"context"
	"fmt"
	"net/http"

	"github.com/postern/postern/internal/server"
)

// BackupRequest is the body of POST /v1/backup.
type BackupRequest struct {
	Dir string `json:"Dir"` // absolute; new or empty
}

func (a *API) backupRoutes(m *http.ServeMux) {
	m.HandleFunc("POST /v1/backup", post(a, a.backup))
	m.HandleFunc("POST /v1/check", post(a, a.check))
}

func (a *API) backup(r *http.Request, req BackupRequest) (server.BackupReport, error) {
	rep, err := a.s.Backup(r.Context(), req.Dir)
	if err != nil {
		return rep, fmt.Errorf("%w: %v", errBadRequest, err)
	}
	return rep, nil
}

// Backup asks the running server for an online backup into dir.
func (c *Client) Backup(ctx context.Context, dir string) (server.BackupReport, error) {
	var rep server.BackupReport
	err := c.Post(ctx, "/v1/backup", BackupRequest{Dir: dir}, &rep)
	return rep, err
}

// CheckRequest is the body of POST /v1/check.
type CheckRequest struct {
	Hashes bool `json:"Hashes"`
	Repair bool `json:"Repair"`
}

func (a *API) check(r *http.Request, req CheckRequest) (server.CheckReport, error) {
	return a.s.Check(r.Context(), req.Hashes, req.Repair)
}

// Check asks the running server to check its data (and repair it).
func (c *Client) Check(ctx context.Context, hashes, repair bool) (server.CheckReport, error) {
	var rep server.CheckReport
	err := c.Post(ctx, "/v1/check", CheckRequest{Hashes: hashes, Repair: repair}, &rep)
	return rep, err
}

package server

import (
	"context"
	"fmt"

	"github.com/postern/postern/internal/store/sqlite"
)

// CheckReport is what `postern check` found.
type CheckReport struct {
	Directory []string        `json:"Directory"` // problems, none when whole
	Databases []DatabaseCheck `json:"Databases"`
}

// DatabaseCheck is one mailbox database's part of a check.
type DatabaseCheck struct {
	Name  string `json:"Name"`
	Error string `json:"Error,omitempty"` // it could not be checked (not mounted)
	sqlite.CheckReport
}

// checker is a store that can check itself while in use.
type checker interface {
	Check(ctx context.Context, hashes, repair bool) (sqlite.CheckReport, error)
}

// Check verifies the directory and every mailbox database of this server
// (see sqlite.DB.Check); with hashes, every message file's SHA-256 too;
// with repair, what can be put right is (nothing is deleted).
func (s *Server) Check(ctx context.Context, hashes, repair bool) (CheckReport, error) {
	if s.cluster != nil {
		return CheckReport{}, errClusterData
	}
	var rep CheckReport
	probs, err := s.dir.Check(ctx)
	if err != nil {
		return rep, fmt.Errorf("checking the directory: %w", err)
	}
	rep.Directory = probs
	dbs, err := s.localDatabases(ctx)
	if err != nil {
		return rep, err
	}
	for _, db := range dbs {
		dc := DatabaseCheck{Name: db.Name}
		st, err := s.Store(db.Name)
		if err != nil {
			dc.Error = err.Error()
			rep.Databases = append(rep.Databases, dc)
			continue
		}
		c, ok := st.(checker)
		if !ok {
			dc.Error = "this kind of database cannot be checked"
			rep.Databases = append(rep.Databases, dc)
			continue
		}
		if dc.CheckReport, err = c.Check(ctx, hashes, repair); err != nil {
			dc.Error = err.Error()
		}
		rep.Databases = append(rep.Databases, dc)
	}
	return rep, nil
}

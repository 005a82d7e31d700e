package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/postern/postern/internal/config"
	"github.com/postern/postern/internal/directory"
	"github.com/postern/postern/internal/store"
)

// AddUser creates a user and its mailbox (Inbox and default folders) in
// the server's first mailbox database.
func (s *Server) AddUser(ctx context.Context, address, password, display string) (directory.User, error) {
	dbs, err := s.dir.Databases(ctx)
	if err != nil {
		return directory.User{}, err
	}
	var dbName string
	for _, db := range dbs {
		if db.Server == s.name {
			dbName = db.Name
			break
		}
	}
	if dbName == "" {
		return directory.User{}, errors.New("this server holds no mailbox database")
	}
	st, err := s.Store(dbName)
	if err != nil {
		return directory.User{}, err
	}
	u, err := s.dir.AddUser(ctx, directory.NewUser{Address: address, Password: password, DisplayName: display, Database: dbName})
	if err != nil {
		return u, err
	}
	if err := st.CreateAccount(ctx, store.AccountID(u.ID)); err != nil && !errors.Is(err, store.ErrExists) {
		s.dir.RemoveUser(ctx, u.ID)
		return directory.User{}, fmt.Errorf("creating the mailbox: %w", err)
	}
	return u, nil
}

// RemoveUser removes a user and its mailbox.
func (s *Server) RemoveUser(ctx context.Context, name string) error {
	u, err := s.dir.Lookup(ctx, name)
	if err != nil {
		return err
	}
	st, err := s.Store(u.Database)
	if err != nil {
		return err
	}
	if err := st.DeleteAccount(ctx, store.AccountID(u.ID)); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return s.dir.RemoveUser(ctx, u.ID)
}

// SetPassword resets a user's password.
func (s *Server) SetPassword(ctx context.Context, name, password string) error {
	u, err := s.dir.Lookup(ctx, name)
	if err != nil {
		return err
	}
	return s.dir.SetPassword(ctx, u.ID, password)
}

// CASMailbox returns a user's per-mailbox protocol settings.
func (s *Server) CASMailbox(ctx context.Context, name string) (directory.User, config.CASMailbox, error) {
	u, err := s.dir.Lookup(ctx, name)
	if err != nil {
		return u, config.CASMailbox{}, err
	}
	m, err := config.LoadCASMailbox(u.CAS)
	return u, m, err
}

// UpdateCASMailbox edits a user's per-mailbox protocol settings
// (Set-CASMailbox); the edit works on a copy and on error nothing is stored.
func (s *Server) UpdateCASMailbox(ctx context.Context, name string, edit func(*config.CASMailbox) error) (config.CASMailbox, error) {
	u, m, err := s.CASMailbox(ctx, name)
	if err != nil {
		return m, err
	}
	m, err = editCopy(m, edit)
	if err != nil {
		return m, err
	}
	doc, err := json.Marshal(m)
	if err != nil {
		return m, err
	}
	return m, s.dir.SetCAS(ctx, u.ID, doc)
}

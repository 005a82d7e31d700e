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

// AddUser creates a user and its mailbox (Inbox and default folders) in a
// mailbox database: the one named, else the first one active on this
// server. In cluster mode a mailbox whose database is active on another
// server is created there at its first logon or delivery.
func (s *Server) AddUser(ctx context.Context, address, password, display, database string) (directory.User, error) {
	dbName, err := s.databaseForNewUser(ctx, database)
	if err != nil {
		return directory.User{}, err
	}
	u, err := s.dir.AddUser(ctx, directory.NewUser{Address: address, Password: password, DisplayName: display, Database: dbName})
	if err != nil {
		return u, err
	}
	st, err := s.Store(dbName)
	if err != nil && s.cluster != nil && errors.Is(err, store.ErrTemporary) {
		return u, nil // not active here
	}
	if err == nil {
		err = st.CreateAccount(ctx, store.AccountID(u.ID))
	}
	if err != nil && !errors.Is(err, store.ErrExists) {
		s.dir.RemoveUser(ctx, u.ID)
		return directory.User{}, fmt.Errorf("creating the mailbox: %w", err)
	}
	return u, nil
}

// databaseForNewUser names the database a new mailbox goes into.
func (s *Server) databaseForNewUser(ctx context.Context, name string) (string, error) {
	if name != "" {
		db, err := s.dir.Database(ctx, name)
		return db.Name, err
	}
	dbs, err := s.dir.Databases(ctx)
	if err != nil {
		return "", err
	}
	for _, db := range dbs {
		if db.Server == s.name {
			return db.Name, nil
		}
	}
	if len(dbs) > 0 && s.cluster != nil {
		return dbs[0].Name, nil
	}
	return "", errors.New("this server holds no mailbox database")
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

package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/postern/postern/internal/admin/api"
	"github.com/postern/postern/internal/directory"
	"github.com/postern/postern/internal/store"
	"github.com/postern/postern/internal/store/pgstore"
)

// dismountedKey is the organisation-wide setting listing the mailbox
// databases an administrator dismounted (Dismount-Database): they stay
// dismounted across restarts, and no server takes them over, until
// Mount-Database.
const dismountedKey = "DismountedDatabases"

// ExchangeServers lists the organisation's servers (Get-ExchangeServer);
// the services are known for this server only.
func (s *Server) ExchangeServers(ctx context.Context) ([]api.ExchangeServer, error) {
	servers, err := s.dir.Servers(ctx)
	if err != nil {
		return nil, err
	}
	dbs, err := s.MailboxDatabases(ctx, true)
	if err != nil {
		return nil, err
	}
	out := make([]api.ExchangeServer, 0, len(servers))
	for _, sv := range servers {
		e := api.ExchangeServer{Name: sv.Name, FQDN: sv.FQDN, Address: sv.Address, ActiveDatabases: []string{}}
		for _, db := range dbs {
			if db.Server == sv.Name && db.Mounted != nil && *db.Mounted {
				e.ActiveDatabases = append(e.ActiveDatabases, db.Name)
			}
		}
		switch {
		case sv.Name == s.name:
			if e.Services, err = s.Services(ctx); err != nil {
				return nil, err
			}
			e.Reachable = true
		case s.cluster != nil:
			var at time.Time
			e.Services, at, e.Reachable = s.peerStatus(ctx, sv.Name)
			if !at.IsZero() {
				e.StatusAt = at.Format(time.RFC3339)
			}
		}
		out = append(out, e)
	}
	return out, nil
}

// MailboxDatabases lists the mailbox databases (Get-MailboxDatabase), with
// their mount status and lease when status.
func (s *Server) MailboxDatabases(ctx context.Context, status bool) ([]api.MailboxDatabase, error) {
	dbs, err := s.dir.Databases(ctx)
	if err != nil {
		return nil, err
	}
	users, err := s.dir.Users(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]api.MailboxDatabase, 0, len(dbs))
	for _, db := range dbs {
		m, err := s.databaseInfo(ctx, db, status)
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			if u.Database == db.Name {
				m.Mailboxes++
			}
		}
		out = append(out, m)
	}
	return out, nil
}

// MailboxDatabase is one database with its status.
func (s *Server) MailboxDatabase(ctx context.Context, name string) (api.MailboxDatabase, error) {
	all, err := s.MailboxDatabases(ctx, true)
	if err != nil {
		return api.MailboxDatabase{}, err
	}
	for _, db := range all {
		if strings.EqualFold(db.Name, name) {
			return db, nil
		}
	}
	return api.MailboxDatabase{}, fmt.Errorf("mailbox database %q: %w", name, directory.ErrNotFound)
}

func (s *Server) databaseInfo(ctx context.Context, db directory.Database, status bool) (api.MailboxDatabase, error) {
	m := api.MailboxDatabase{Name: db.Name, Server: db.Server, Copies: db.Copies, Storage: "PostgreSQL"}
	if m.Copies == nil {
		m.Copies = []string{db.Server}
	}
	if s.cluster == nil {
		m.Storage = db.Path
	}
	if !status {
		return m, nil
	}
	dismounted, err := s.dismounted(ctx)
	if err != nil {
		return m, err
	}
	mounted := !slices.Contains(dismounted, db.Name)
	if s.cluster != nil {
		l, err := pgstore.Holder(ctx, s.cluster.pool, db.Name)
		switch {
		case errors.Is(err, store.ErrNotFound):
			mounted = false
		case err != nil:
			return m, err
		default:
			m.Server, m.Epoch, m.LeaseExpires = l.Server, l.Epoch, l.Expires.UTC().Format(time.RFC3339)
			mounted = mounted && time.Now().Before(l.Expires)
		}
	}
	m.Mounted = &mounted
	return m, nil
}

// dbName is what a mailbox database may be called: letters, digits,
// spaces and - _ . , at most 64.
var dbName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$`)

// NewMailboxDatabase creates a mailbox database on a server
// (New-MailboxDatabase -Server): in the embedded mode a folder under
// databases/ of this server; in cluster mode tables in PostgreSQL, active
// on that server once it takes the lease (within one renewal period).
func (s *Server) NewMailboxDatabase(ctx context.Context, name, server string) (api.MailboxDatabase, error) {
	if !dbName.MatchString(name) {
		return api.MailboxDatabase{}, fmt.Errorf("%q is not a valid database name (letters, digits, space, - _ . ; at most 64)", name)
	}
	if server == "" {
		server = s.name
	}
	rec, err := s.dir.ServerByName(ctx, server)
	if err != nil {
		return api.MailboxDatabase{}, err
	}
	db := directory.Database{Name: name, Server: rec.Name, Copies: []string{rec.Name}}
	if s.cluster == nil {
		if rec.Name != s.name {
			return api.MailboxDatabase{}, fmt.Errorf("server %s is not this server", server)
		}
		db.Path = filepath.Join("databases", slug(name))
	}
	if err := s.dir.AddDatabase(ctx, db); err != nil {
		return api.MailboxDatabase{}, err
	}
	if s.cluster != nil && rec.Name == s.name {
		s.leaseRound(ctx) // mount it here now
	}
	return s.MailboxDatabase(ctx, name)
}

// slug is a database's folder name: lower case, runs of other characters
// as one "-".
func slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

func (s *Server) dismounted(ctx context.Context) ([]string, error) {
	b, err := s.dir.Setting(ctx, "", dismountedKey)
	if errors.Is(err, directory.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var list []string
	return list, json.Unmarshal(b, &list)
}

func (s *Server) setDismounted(ctx context.Context, name string, on bool) error {
	list, err := s.dismounted(ctx)
	if err != nil {
		return err
	}
	list = slices.DeleteFunc(list, func(n string) bool { return n == name })
	if on {
		list = append(list, name)
	}
	b, _ := json.Marshal(list)
	return s.dir.SetSetting(ctx, "", dismountedKey, b)
}

// DismountDatabase takes a mailbox database offline (Dismount-Database):
// the sessions on it end, its mailboxes answer the temporary error, and
// no server mounts it until MountDatabase.
func (s *Server) DismountDatabase(ctx context.Context, name string) error {
	db, err := s.dir.Database(ctx, name)
	if err != nil {
		return err
	}
	if err := s.setDismounted(ctx, db.Name, true); err != nil {
		return err
	}
	if s.cluster != nil {
		s.cluster.mu.Lock()
		l, ok := s.cluster.leases[db.Name]
		s.cluster.mu.Unlock()
		if ok {
			s.unmount(db.Name)
			return pgstore.Release(ctx, s.cluster.pool, l)
		}
		return nil // its server dismounts it at its next lease round
	}
	s.storesMu.Lock()
	s.offline[db.Name] = true
	s.storesMu.Unlock()
	s.unmount(db.Name)
	return nil
}

// MountDatabase brings a dismounted database back.
func (s *Server) MountDatabase(ctx context.Context, name string) error {
	db, err := s.dir.Database(ctx, name)
	if err != nil {
		return err
	}
	if err := s.setDismounted(ctx, db.Name, false); err != nil {
		return err
	}
	if s.cluster != nil {
		s.leaseRound(ctx)
	}
	s.storesMu.Lock()
	delete(s.offline, db.Name)
	s.storesMu.Unlock()
	return nil
}

// loadDismounted reads, at start, which databases are dismounted.
func (s *Server) loadDismounted(ctx context.Context) error {
	list, err := s.dismounted(ctx)
	s.offline = map[string]bool{}
	for _, n := range list {
		s.offline[n] = true
	}
	return err
}

// AddDatabaseCopy lets a server hold a database (Add-MailboxDatabaseCopy):
// it may take it over at a failover, in activation preference order.
func (s *Server) AddDatabaseCopy(ctx context.Context, name, server string) error {
	if s.cluster == nil {
		return errors.New("copies need several servers: start them with --directory postgres://...")
	}
	rec, err := s.dir.ServerByName(ctx, server)
	if err != nil {
		return err
	}
	return s.dir.AddDatabaseCopy(ctx, name, rec.Name)
}

// MoveActiveDatabase is a switchover (Move-ActiveMailboxDatabase
// -ActivateOnServer): the lease passes to server with a higher epoch, the
// old server's sessions on it end (their clients reconnect through any
// frontend) and the new server mounts it within one renewal period.
func (s *Server) MoveActiveDatabase(ctx context.Context, name, server string) error {
	if s.cluster == nil {
		return errors.New("a switchover needs several servers: start them with --directory postgres://...")
	}
	db, err := s.dir.Database(ctx, name)
	if err != nil {
		return err
	}
	rec, err := s.dir.ServerByName(ctx, server)
	if err != nil {
		return err
	}
	if !slices.Contains(db.Copies, rec.Name) {
		if err := s.dir.AddDatabaseCopy(ctx, db.Name, rec.Name); err != nil {
			return err
		}
	}
	if _, err := pgstore.Transfer(ctx, s.cluster.pool, db.Name, rec.Name, s.cluster.ttl); err != nil {
		return err
	}
	if err := s.dir.SetDatabaseServer(ctx, db.Name, rec.Name); err != nil {
		return err
	}
	s.cluster.mu.Lock()
	_, here := s.cluster.leases[db.Name]
	s.cluster.mu.Unlock()
	if here && rec.Name != s.name {
		s.unmount(db.Name)
	}
	if rec.Name == s.name {
		s.leaseRound(ctx)
	}
	s.log.Info("switchover", "database", db.Name, "to", rec.Name)
	return nil
}

package server

// Cluster mode: the organisation's directory and its mailbox databases in
// PostgreSQL, shared by several servers (postern serve --directory
// postgres://...). Each mailbox database is active on one server at a
// time, by a lease with an epoch kept in PostgreSQL (package pgstore): the
// server holding it mounts the database and serves its mailboxes; every
// other server's frontends proxy sessions to it over TLS on
// ProxyTargetPort, proving that they belong to the organisation with a
// certificate from the organisation's CA (kept in the directory).

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/postern/postern/internal/admin/api"
	"github.com/postern/postern/internal/config"
	"github.com/postern/postern/internal/directory"
	"github.com/postern/postern/internal/mime"
	"github.com/postern/postern/internal/proxy"
	"github.com/postern/postern/internal/store"
	"github.com/postern/postern/internal/store/pgstore"
)

// DefaultLeaseTTL is how long a mailbox database's lease lasts without a
// renewal: a server that dies is replaced by the next copy within about
// this long plus one renewal period.
const DefaultLeaseTTL = 15 * time.Second

// orgCAKey is the organisation-wide setting holding the organisation's CA
// (server "" in the directory's settings).
const orgCAKey = "OrganizationCA"

// serverNameFile records, in a cluster server's data folder, which server
// record of the shared directory is this one.
const serverNameFile = "server-name"

// cluster is what cluster mode adds to a Server.
type cluster struct {
	pool  *pgxpool.Pool
	ttl   time.Duration
	front *tls.Config // to other servers' backends
	back  *tls.Config // the backends' ProxyTargetPort listeners

	mu     sync.Mutex
	leases map[string]pgstore.Lease // the databases active here

	activating sync.Mutex // one activate at a time
}

type orgCA struct {
	Cert []byte `json:"cert"`
	Key  []byte `json:"key"`
}

// clusterName is this server's record name: the one recorded in the data
// folder by an earlier start, else the first label of the FQDN.
func clusterName(dataDir, fqdn string) (name string, fromFolder bool, err error) {
	b, err := os.ReadFile(filepath.Join(dataDir, serverNameFile))
	if err == nil && strings.TrimSpace(string(b)) != "" {
		return strings.TrimSpace(string(b)), true, nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", false, err
	}
	if fqdn == "" {
		h, err := os.Hostname()
		if err != nil {
			return "", false, err
		}
		fqdn = h
	}
	n, _, _ := strings.Cut(strings.ToLower(strings.TrimSuffix(fqdn, ".")), ".")
	return strings.ToUpper(n), false, nil
}

// initCluster creates the organisation (first server) or joins it (a new
// server record), then loads this server's record and its TLS identity.
func (s *Server) initCluster(ctx context.Context, o Options) error {
	name, known, err := clusterName(s.dataDir, o.FQDN)
	if err != nil {
		return err
	}
	fqdn := strings.ToLower(strings.TrimSuffix(o.FQDN, "."))
	if fqdn == "" {
		fqdn = strings.ToLower(name)
	}
	ok, err := s.dir.Initialized(ctx)
	if err != nil {
		return fmt.Errorf("reading the directory: %w", err)
	}
	if !ok {
		if err := s.createOrganisation(ctx, o, name, fqdn); err != nil {
			return fmt.Errorf("creating the organisation: %w", err)
		}
	}
	rec, err := s.dir.ServerByName(ctx, name)
	switch {
	case errors.Is(err, directory.ErrNotFound) && known:
		return fmt.Errorf("this data folder belongs to server %s, which the directory does not list: "+
			"was it removed, or is --directory another organisation's?", name)
	case errors.Is(err, directory.ErrNotFound):
		rec = directory.Server{Name: name, FQDN: fqdn, Address: o.Address}
		if err := s.dir.AddServer(ctx, rec); err != nil {
			return fmt.Errorf("joining the organisation as %s: %w", name, err)
		}
		s.name, s.fqdn = name, fqdn
		if err := s.saveDefaultSettings(ctx, s.defaultsFor(o)); err != nil {
			return err
		}
		s.log.Info("joined the organisation", "server", name, "fqdn", fqdn)
	case err != nil:
		return fmt.Errorf("reading the server record: %w", err)
	}
	if o.Address != "" && o.Address != rec.Address {
		if err := s.dir.SetServerAddress(ctx, name, o.Address); err != nil {
			return err
		}
		rec.Address = o.Address
	}
	if !known {
		if err := os.WriteFile(filepath.Join(s.dataDir, serverNameFile), []byte(name+"\n"), 0o600); err != nil {
			return err
		}
	}
	s.name, s.fqdn, s.address = rec.Name, rec.FQDN, rec.Address
	return s.loadClusterIdentity(ctx)
}

// createOrganisation records the first server, the accepted domain, the
// first mailbox database (in PostgreSQL) and the organisation's CA.
func (s *Server) createOrganisation(ctx context.Context, o Options, name, fqdn string) error {
	domain := strings.ToLower(o.Domain)
	if domain == "" {
		domain = defaultDomain(fqdn)
	}
	// Init first: of two servers creating the organisation at once, the
	// second fails here (the server and domain records are unique) and
	// joins at its next start; the CA is made by loadClusterIdentity.
	err := s.dir.Init(ctx, directory.InitOptions{
		Server:   directory.Server{Name: name, FQDN: fqdn, Address: o.Address},
		Domain:   domain,
		Database: directory.Database{Name: "Mailbox Database 01", Server: name},
	})
	if err != nil {
		return err
	}
	s.name, s.fqdn = name, fqdn
	if err := s.saveDefaultSettings(ctx, s.defaultsFor(o)); err != nil {
		return err
	}
	s.log.Info("created the organisation", "server", name, "fqdn", fqdn, "domain", domain,
		"directory", directory.RedactURL(o.DirectoryURL))
	return nil
}

// defaultsFor is how a new server's default settings are made.
func (s *Server) defaultsFor(o Options) defaults {
	d := defaults{offset: o.PortOffset, local: o.Local}
	if ip, err := netip.ParseAddr(o.Address); err == nil && ip.IsLoopback() {
		d.ip = ip
	}
	return d
}

// loadClusterIdentity issues this server's certificate from the
// organisation's CA (at every start, for the name and address it has now)
// and makes the TLS configurations of the proxy hop.
func (s *Server) loadClusterIdentity(ctx context.Context) error {
	b, err := s.dir.Setting(ctx, "", orgCAKey)
	if errors.Is(err, directory.ErrNotFound) {
		b, err = s.makeOrgCA(ctx)
	}
	if err != nil {
		return fmt.Errorf("the organisation's CA: %w", err)
	}
	var ca orgCA
	if err := json.Unmarshal(b, &ca); err != nil {
		return fmt.Errorf("the organisation's CA: %w", err)
	}
	var addrs []string
	if s.address != "" {
		addrs = append(addrs, s.address)
	}
	cert, key, err := proxy.IssueServerCert(ca.Cert, ca.Key, s.name, s.fqdn, addrs)
	if err != nil {
		return err
	}
	if s.cluster.front, err = proxy.FrontendTLS(ca.Cert, cert, key); err != nil {
		return err
	}
	s.cluster.back, err = proxy.BackendTLS(ca.Cert, cert, key)
	return err
}

// makeOrgCA makes the organisation's CA, on the first server's first
// start. Its key is kept in the directory: whoever can read the
// organisation's PostgreSQL database can join the organisation.
func (s *Server) makeOrgCA(ctx context.Context) ([]byte, error) {
	domains, err := s.dir.AcceptedDomains(ctx)
	if err != nil || len(domains) == 0 {
		return nil, fmt.Errorf("no accepted domain to name the CA after: %v", err)
	}
	certPEM, keyPEM, err := proxy.NewCA(domains[0])
	if err != nil {
		return nil, err
	}
	b, _ := json.Marshal(orgCA{Cert: certPEM, Key: keyPEM})
	return s.dir.AddSetting(ctx, "", orgCAKey, b)
}

// openCluster connects the pool the mailbox databases use.
func openCluster(ctx context.Context, url string) (*cluster, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("the directory URL %s: %v", directory.RedactURL(url), errors.Unwrap(err))
	}
	cfg.MaxConns = 32
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", directory.RedactURL(url), err)
	}
	if err := pgstore.Prepare(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	return &cluster{pool: pool, ttl: DefaultLeaseTTL, leases: map[string]pgstore.Lease{}}, nil
}

// mountPG opens a database in PostgreSQL that this server holds the lease
// of.
func (s *Server) mountPG(ctx context.Context, name string) (store.Store, error) {
	st, err := pgstore.Open(ctx, pgstore.Options{Pool: s.cluster.pool, Database: name, Server: s.name,
		Analyze: analyzeMessage, AnalysisCurrent: mime.IsCurrent, Logger: s.log})
	if err != nil {
		return nil, err
	}
	return st, nil
}

// keepLeases holds the leases of the databases active here, takes over
// the databases this server has a copy of when their holder stops
// renewing (failover), and mounts a database switched over to it.
func (s *Server) keepLeases() {
	c := s.cluster
	tick := time.NewTicker(c.ttl / 3)
	defer tick.Stop()
	for {
		s.leaseRound(s.ctx)
		select {
		case <-s.ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// leaseRound is one pass of keepLeases.
func (s *Server) leaseRound(ctx context.Context) {
	c := s.cluster
	s.publishStatus(ctx)
	dbs, err := s.dir.Databases(ctx)
	if err != nil {
		s.log.Warn("reading the mailbox databases", "err", err)
		return
	}
	dismounted, err := s.dismounted(ctx)
	if err != nil {
		s.log.Warn("reading the dismounted databases", "err", err)
		return
	}
	for _, db := range dbs {
		c.mu.Lock()
		held, mine := c.leases[db.Name]
		c.mu.Unlock()
		if slices.Contains(dismounted, db.Name) {
			if mine { // dismounted through another server
				s.unmount(db.Name)
				pgstore.Release(ctx, c.pool, held)
			}
			continue
		}
		if mine {
			l, err := pgstore.Renew(ctx, c.pool, held, c.ttl)
			if errors.Is(err, pgstore.ErrLeaseLost) {
				s.log.Warn("lost the lease of a mailbox database: dismounting it", "database", db.Name)
				s.unmount(db.Name)
				continue
			}
			if err != nil {
				s.log.Warn("renewing a lease", "database", db.Name, "err", err)
				continue
			}
			c.mu.Lock()
			c.leases[db.Name] = l
			c.mu.Unlock()
			continue
		}
		l, err := pgstore.Holder(ctx, c.pool, db.Name)
		switch {
		case errors.Is(err, store.ErrNotFound) && db.Server == s.name:
			s.activate(ctx, db, "mounted")
		case err != nil:
		case l.Server == s.name && db.Server == s.name:
			s.activate(ctx, db, "mounted") // this server's own, after a restart
		case l.Server == s.name:
			// Switched over to this server (Move-ActiveMailboxDatabase).
			s.activate(ctx, db, "switchover")
		case time.Now().After(l.Expires.Add(s.failoverDelay(db, l.Server))) && slices.Contains(db.Copies, s.name):
			s.activate(ctx, db, "failover")
		}
	}
}

// failoverDelay staggers the servers holding copies by their activation
// preference: the first waits for the lease to expire, the next one
// renewal period more, and so on.
func (s *Server) failoverDelay(db directory.Database, dead string) time.Duration {
	i := 0
	for _, c := range db.Copies {
		if c == dead {
			continue
		}
		if c == s.name {
			break
		}
		i++
	}
	return time.Duration(i) * s.cluster.ttl / 3
}

// activate takes db's lease and mounts it. Calls are serialised: the
// lease round and a session's first use may both find it to do.
func (s *Server) activate(ctx context.Context, db directory.Database, why string) {
	c := s.cluster
	c.activating.Lock()
	defer c.activating.Unlock()
	s.storesMu.Lock()
	_, done := s.stores[db.Name]
	s.storesMu.Unlock()
	if done {
		return
	}
	l, err := pgstore.Acquire(ctx, c.pool, db.Name, s.name, c.ttl)
	if err != nil {
		if !errors.Is(err, pgstore.ErrHeld) {
			s.log.Warn("taking the lease of a mailbox database", "database", db.Name, "err", err)
		}
		return
	}
	st, err := s.mountPG(ctx, db.Name)
	if err != nil {
		s.log.Error("mounting a mailbox database", "database", db.Name, "err", err)
		return
	}
	s.storesMu.Lock()
	if old, ok := s.stores[db.Name]; ok {
		old.Close()
	}
	s.stores[db.Name] = st
	s.storesMu.Unlock()
	c.mu.Lock()
	c.leases[db.Name] = l
	c.mu.Unlock()
	if db.Server != s.name {
		if err := s.dir.SetDatabaseServer(ctx, db.Name, s.name); err != nil {
			s.log.Warn("recording the active copy", "database", db.Name, "err", err)
		}
	}
	s.log.Info("mailbox database active here", "database", db.Name, "epoch", l.Epoch, "why", why)
}

// unmount closes a database that is no longer active here and ends the
// sessions on it; their clients reconnect to the server holding it now.
func (s *Server) unmount(name string) {
	if c := s.cluster; c != nil {
		c.mu.Lock()
		delete(c.leases, name)
		c.mu.Unlock()
	}
	s.storesMu.Lock()
	st, ok := s.stores[name]
	delete(s.stores, name)
	s.storesMu.Unlock()
	n := 0
	for _, p := range s.backends.m {
		if b := p.Load(); b != nil {
			n += b.EndDatabase(name)
		}
	}
	if ok {
		st.Close()
	}
	s.log.Info("mailbox database dismounted here", "database", name, "sessions ended", n)
}

// clusterStore is Store in cluster mode: a database active here, mounted
// at once if its lease has just passed to this server (a switchover the
// lease round has not seen yet).
func (s *Server) clusterStore(name string) (store.Store, error) {
	s.storesMu.Lock()
	st, ok := s.stores[name]
	s.storesMu.Unlock()
	if ok {
		return st, nil
	}
	ctx, cancel := context.WithTimeout(s.ctx, 10*time.Second)
	defer cancel()
	l, err := pgstore.Holder(ctx, s.cluster.pool, name)
	if err == nil && l.Server == s.name && time.Now().Before(l.Expires) {
		if db, err := s.dir.Database(ctx, name); err == nil {
			s.activate(ctx, db, "switchover")
		}
		s.storesMu.Lock()
		st, ok = s.stores[name]
		s.storesMu.Unlock()
		if ok {
			return st, nil
		}
	}
	return nil, fmt.Errorf("mailbox database %q is not active on %s: %w", name, s.name, store.ErrTemporary)
}

// activeServer is the server holding a database's active copy: the
// lease's holder while the lease is live.
func (s *Server) activeServer(ctx context.Context, db directory.Database) (string, error) {
	l, err := pgstore.Holder(ctx, s.cluster.pool, db.Name)
	if err != nil {
		return "", fmt.Errorf("the active copy of %s: %w", db.Name, err)
	}
	if time.Now().After(l.Expires) {
		return "", fmt.Errorf("the lease of %s (on %s) has expired, failover pending: %w", db.Name, l.Server, proxy.ErrBackendStopped)
	}
	return l.Server, nil
}

// remoteBackend is the backend service of another server, reached over
// TLS on its ProxyTargetPort.
func (s *Server) remoteBackend(ctx context.Context, server, protocol string) (proxy.Backend, error) {
	rec, err := s.dir.ServerByName(ctx, server)
	if err != nil {
		return nil, err
	}
	host := rec.Address
	if host == "" {
		host = rec.FQDN
	}
	ps, err := s.settingsOf(ctx, server, protocol)
	if err != nil {
		return nil, err
	}
	return &proxy.RemoteBackend{Addr: net.JoinHostPort(host, strconv.Itoa(ps.ProxyTargetPort)),
		TLS: s.cluster.front, Protocol: protocol, DialTimeout: 5 * time.Second}, nil
}

// proxyListenAddr is where a backend listens for other servers'
// frontends: this server's address when it is an IP address, else every
// interface.
func (s *Server) proxyListenAddr(port int) string {
	if ip, err := netip.ParseAddr(s.address); err == nil {
		return netip.AddrPortFrom(ip, uint16(port)).String()
	}
	return ":" + strconv.Itoa(port)
}

// releaseLeases lets the leases held here expire now, at a clean stop,
// so that the next copy takes over without waiting out the lease.
func (s *Server) releaseLeases() {
	c := s.cluster
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for name, l := range c.leases {
		if err := pgstore.Release(ctx, c.pool, l); err != nil {
			s.log.Warn("releasing a lease", "database", name, "err", err)
		}
	}
	c.leases = map[string]pgstore.Lease{}
}

// closeCluster closes the pool.
func (s *Server) closeCluster() {
	if s.cluster != nil {
		s.cluster.pool.Close()
	}
}

// ensureMailbox creates a user's mailbox (Inbox and default folders) if
// it has none yet, as Exchange does at first logon or delivery: in
// cluster mode a mailbox added on a server where its database is not
// active exists only in the directory until its database's server first
// needs it.
func ensureMailbox(ctx context.Context, st store.Store, a store.AccountID) error {
	err := st.CreateAccount(ctx, a)
	if errors.Is(err, store.ErrExists) {
		return nil
	}
	return err
}

// deliverRemote hands a message for mailboxes in db to the server where db
// is active, over the proxy hop (proxy.RemoteBackend.Deliver), through
// its IMAP4 or else its POP3 backend's ProxyTargetPort; it returns once
// that server has stored it.
func (s *Server) deliverRemote(ctx context.Context, db string, to []store.AccountID, body io.Reader, size int64, date time.Time) error {
	rec, err := s.dir.Database(ctx, db)
	if err != nil {
		return err
	}
	server, err := s.activeServer(ctx, rec)
	if err != nil {
		return fmt.Errorf("%w: %w", err, store.ErrTemporary)
	}
	users := make([]int64, len(to))
	for i, a := range to {
		users[i] = int64(a)
	}
	var errs []error
	for _, protocol := range []string{config.ProtocolIMAP4, config.ProtocolPOP3} {
		b, err := s.remoteBackend(ctx, server, protocol)
		if err == nil {
			if err = b.(*proxy.RemoteBackend).Deliver(ctx, users, body, size, date); err == nil {
				return nil
			}
		}
		errs = append(errs, err)
		if errors.Is(err, proxy.ErrBackendRefused) {
			break
		}
		if rerr := rewind(body); rerr != nil {
			break
		}
	}
	return fmt.Errorf("delivering to %s on %s: %w: %w", db, server, errors.Join(errs...), store.ErrTemporary)
}

// deliverHere takes mail from another server's transport for mailboxes
// whose database is active here (proxy.ProxyHandler.Deliver).
func (s *Server) deliverHere(ctx context.Context, users []int64, body io.Reader, size int64, date time.Time) error {
	var db string
	to := make([]store.AccountID, 0, len(users))
	for _, id := range users {
		u, err := s.dir.UserByID(ctx, id)
		if err != nil {
			return fmt.Errorf("user %d: %w: %w", id, err, proxy.ErrBackendRefused)
		}
		if db != "" && u.Database != db {
			return fmt.Errorf("one delivery spans two databases: %w", proxy.ErrBackendRefused)
		}
		db = u.Database
		to = append(to, store.AccountID(id))
	}
	st, err := s.Store(db)
	if err != nil {
		return err
	}
	return s.deliverStore(ctx, db, st, to, body, date)
}

// statusKey is the per-server setting where each server of a cluster
// publishes its services' status at every lease round, for the others'
// Get-ExchangeServer.
const statusKey = "ServiceStatus"

type serverStatus struct {
	At       time.Time           `json:"at"`
	Services []api.ServiceStatus `json:"services"`
}

func (s *Server) publishStatus(ctx context.Context) {
	if len(s.services) == 0 {
		return // not registered yet (the first round at Open)
	}
	svc, err := s.Services(ctx)
	if err != nil {
		return
	}
	b, _ := json.Marshal(serverStatus{At: time.Now().UTC(), Services: svc})
	if err := s.dir.SetSetting(ctx, s.name, statusKey, b); err != nil {
		s.log.Warn("publishing the services' status", "err", err)
	}
}

// peerStatus is what another server last published, and whether that is
// recent (within two lease periods).
func (s *Server) peerStatus(ctx context.Context, server string) ([]api.ServiceStatus, time.Time, bool) {
	b, err := s.dir.Setting(ctx, server, statusKey)
	if err != nil {
		return nil, time.Time{}, false
	}
	var st serverStatus
	if json.Unmarshal(b, &st) != nil {
		return nil, time.Time{}, false
	}
	return st.Services, st.At, time.Since(st.At) < 2*s.cluster.ttl
}

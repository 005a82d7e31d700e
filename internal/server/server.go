// Package server is one Postern server: it owns the data folder, opens the
// directory, the certificates, the mailbox databases and the outbound
// queue, and runs the services (transport, smtp, web, and pop3 and imap4
// with their -backend halves), each of which reads its settings from the
// directory when it starts. It loads and stores the settings documents,
// whose types, defaults and validation are package config's; outbound
// routing is package transport's, over those settings.
//
// The admin API (package admin) calls the exported methods, and nothing
// else changes settings; where a method answers what the API shows (a
// service's status), it answers the admin/api type.
//
// Data folder layout (all under Options.DataDir):
//
//	directory.db          the directory (SQLite)
//	secret.key            the key sealing stored secrets (send connector passwords)
//	certs/                certificates (tlsconf)
//	databases/<folder>/   one mailbox database each (SQLite + blobs)
//	Logging/              protocol logs (Pop3, Imap4, SmtpReceive, unless
//	                      LogFileLocation says otherwise) and the admin audit log
//	spool/                message bodies in transit
//	queue/                the outbound queue (package queue)
//	admin.sock            the admin API (mode 0600)
//	postern.lock          held by the running server: one per folder
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/postern/postern/internal/directory"
	"github.com/postern/postern/internal/login"
	"github.com/postern/postern/internal/mime"
	"github.com/postern/postern/internal/queue"
	"github.com/postern/postern/internal/store"
	"github.com/postern/postern/internal/store/sqlite"
	"github.com/postern/postern/internal/tlsconf"
)

// Options configure Open.
type Options struct {
	DataDir string
	// FQDN, Domain, PortOffset and Local apply only when the data folder
	// is created; later starts use what the directory holds.
	FQDN       string
	Domain     string
	PortOffset int
	// Local creates every default binding on 127.0.0.1 instead of the
	// IPv6 and IPv4 wildcards, so that only this machine can connect.
	Local  bool
	Logger *slog.Logger
	// HashParams overrides the argon2id cost (tests use a cheap one).
	HashParams directory.HashParams
	// NoAutostart leaves every service stopped at Open, whatever its
	// startup type: tests rebind the listeners to free ports first, then
	// start what they use.
	NoAutostart bool
	// DirectoryURL, when set (postgres://...), is the organisation's
	// directory and mailbox data on PostgreSQL, shared by several servers
	// (cluster.go); empty: the embedded directory in the data folder.
	DirectoryURL string
	// Address is where other servers of the organisation reach this one
	// (an IP address or a host name); empty: its FQDN. Cluster mode only.
	Address string
	// ExistingOnly refuses a folder that holds no directory yet instead
	// of creating one (postern check on a stopped server).
	ExistingOnly bool
	// LeaseTTL is how long a mailbox database's lease lasts unrenewed:
	// a failed server's databases move to the next copy after about
	// this long. Zero: DefaultLeaseTTL. Cluster mode only; give every
	// server the same.
	LeaseTTL time.Duration
}

// HashParams is the argon2id cost of new password hashes.
type HashParams = directory.HashParams

// Server is one running Postern server.
type Server struct {
	dataDir string
	name    string
	fqdn    string
	dir     *directory.Directory
	certs   *tlsconf.Store
	log     *slog.Logger

	ctx    context.Context
	cancel context.CancelFunc

	storesMu sync.Mutex
	stores   map[string]store.Store // by mailbox database name
	offline  map[string]bool        // dismounted (embedded mode)

	services []*service
	backends backends
	queue    *queue.Queue // the outbound queue

	secretMu  sync.Mutex
	secretKey []byte // secrets.go; read on first use

	// throttle paces the logons of every service (logon.go).
	throttle *login.Throttle
	// lock holds the data folder (datafolder.go) until Close.
	lock *os.File

	// cluster is set in cluster mode (cluster.go); address is where the
	// organisation's other servers reach this one.
	cluster *cluster
	address string

	// moves are the mailbox moves running here (moves.go).
	moves moves
}

// Open opens (creating on first start) the data folder and starts the
// services whose startup type is Automatic (unless o.NoAutostart).
func Open(ctx context.Context, o Options) (*Server, error) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.ExistingOnly {
		if _, err := os.Stat(o.DataDir); err != nil {
			return nil, err
		}
	} else if err := os.MkdirAll(o.DataDir, 0o700); err != nil {
		return nil, err
	}
	// One server per folder, locked before anything is read or made.
	lock, err := lockDataFolder(o.DataDir)
	if err != nil {
		return nil, err
	}
	s := &Server{dataDir: o.DataDir, log: o.Logger, stores: map[string]store.Store{}, lock: lock}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.moves.init()
	fail := func(err error) (*Server, error) {
		s.cancel()
		if s.dir != nil {
			s.dir.Close()
		}
		s.closeCluster()
		lock.Close()
		return nil, err
	}
	if err := s.openDirectory(ctx, o); err != nil {
		return fail(err)
	}
	if err := s.loadDismounted(ctx); err != nil {
		return fail(err)
	}
	if s.queue, err = queue.Open(ctx, filepath.Join(o.DataDir, "queue")); err != nil {
		return fail(err)
	}
	ls, err := s.Logon(ctx)
	if err != nil {
		s.queue.Close()
		return fail(err)
	}
	s.throttle = login.NewThrottle(throttleOptions(ls))
	s.registerServices()
	if s.cluster != nil {
		s.leaseRound(ctx) // mount what is active here before the services start
		go s.keepLeases()
	}
	s.recoverMoves(ctx)
	if !o.NoAutostart {
		s.startAutomatic(ctx)
	}
	return s, nil
}

// openDirectory opens the directory (the embedded one in the data folder,
// or the organisation's on PostgreSQL) and this server's records in it,
// creating them on first start.
func (s *Server) openDirectory(ctx context.Context, o Options) error {
	if o.DirectoryURL == "" {
		if err := checkDirectoryFile(o.DataDir); err != nil {
			return err
		}
		if _, err := os.Stat(filepath.Join(o.DataDir, "directory.db")); err != nil && o.ExistingOnly {
			return fmt.Errorf("%s holds no Postern data (no directory.db)", o.DataDir)
		}
		dirPath := filepath.Join(o.DataDir, "directory.db")
		dir, err := directory.Open(ctx, directory.Options{Path: dirPath, Hash: o.HashParams})
		if err != nil {
			return fmt.Errorf("opening the directory %s: %w", dirPath, err)
		}
		s.dir = dir
		return s.init(ctx, o)
	}
	dir, err := directory.Open(ctx, directory.Options{URL: o.DirectoryURL, Hash: o.HashParams})
	if err != nil {
		return fmt.Errorf("opening the directory %s: %w", directory.RedactURL(o.DirectoryURL), err)
	}
	s.dir = dir
	if s.cluster, err = openCluster(ctx, o.DirectoryURL); err != nil {
		return err
	}
	if o.LeaseTTL > 0 {
		s.cluster.ttl = o.LeaseTTL
	}
	if err := s.initCluster(ctx, o); err != nil {
		return err
	}
	return s.openCerts()
}

// init creates the server's records on first start and loads them.
func (s *Server) init(ctx context.Context, o Options) error {
	ok, err := checkInitialized(ctx, s.dataDir, s.dir)
	if err != nil {
		return err
	}
	if !ok {
		if err := s.create(ctx, o); err != nil {
			return fmt.Errorf("creating the data folder: %w", err)
		}
	}
	servers, err := s.dir.Servers(ctx)
	if err != nil || len(servers) == 0 {
		return fmt.Errorf("reading the server record: %v", err)
	}
	s.name, s.fqdn = servers[0].Name, servers[0].FQDN
	return s.openCerts()
}

// openCerts opens the certificate store and makes the server's
// self-signed certificate if it has none.
func (s *Server) openCerts() error {
	var err error
	s.certs, err = tlsconf.Open(tlsconf.Options{Dir: filepath.Join(s.dataDir, "certs")})
	if err != nil {
		return err
	}
	if _, err := s.certs.EnsureSelfSigned(s.fqdn); err != nil {
		return fmt.Errorf("self-signed certificate: %w", err)
	}
	return nil
}

// create records the server, its accepted domain, its first mailbox
// database and the default settings.
func (s *Server) create(ctx context.Context, o Options) error {
	fqdn := strings.ToLower(strings.TrimSuffix(o.FQDN, "."))
	if fqdn == "" {
		h, err := os.Hostname()
		if err != nil {
			return err
		}
		fqdn = strings.ToLower(h)
	}
	domain := strings.ToLower(o.Domain)
	if domain == "" {
		domain = defaultDomain(fqdn)
	}
	name, _, _ := strings.Cut(fqdn, ".")
	err := s.dir.Init(ctx, directory.InitOptions{
		Server:   directory.Server{Name: strings.ToUpper(name), FQDN: fqdn},
		Domain:   domain,
		Database: directory.Database{Name: "Mailbox Database 01", Path: filepath.Join("databases", "db01")},
	})
	if err != nil {
		return err
	}
	s.name, s.fqdn = strings.ToUpper(name), fqdn
	if err := s.saveDefaultSettings(ctx, defaults{offset: o.PortOffset, local: o.Local}); err != nil {
		return err
	}
	s.log.Info("created data folder", "dir", s.dataDir, "server", s.name, "fqdn", fqdn, "domain", domain)
	return nil
}

// defaultDomain derives an accepted domain from the FQDN: mail.contoso.com
// gives contoso.com; a name with one dot or none is used as it is.
func defaultDomain(fqdn string) string {
	if strings.Count(fqdn, ".") >= 2 {
		_, rest, _ := strings.Cut(fqdn, ".")
		return rest
	}
	return fqdn
}

// Name returns the server's name; FQDN its fully qualified name.
func (s *Server) Name() string { return s.name }

// FQDN returns the server's fully qualified domain name.
func (s *Server) FQDN() string { return s.fqdn }

// DataDir returns the data folder.
func (s *Server) DataDir() string { return s.dataDir }

// Directory returns the directory.
func (s *Server) Directory() *directory.Directory { return s.dir }

// Store returns the opened mailbox database name, opening it on first use.
func (s *Server) Store(name string) (store.Store, error) {
	if s.cluster != nil {
		return s.clusterStore(name)
	}
	s.storesMu.Lock()
	defer s.storesMu.Unlock()
	if st, ok := s.stores[name]; ok {
		return st, nil
	}
	if s.offline[name] {
		return nil, fmt.Errorf("mailbox database %q is dismounted: %w", name, store.ErrTemporary)
	}
	db, err := s.dir.Database(context.Background(), name)
	if err != nil {
		return nil, err
	}
	if db.Server != s.name {
		return nil, fmt.Errorf("mailbox database %q is mounted on %s", name, db.Server)
	}
	path := db.Path
	if !filepath.IsAbs(path) {
		path = filepath.Join(s.dataDir, path)
	}
	st, err := sqlite.Open(context.Background(), sqlite.Options{Dir: path, Logger: s.log.With("database", name), Analyze: analyzeMessage,
		AnalysisCurrent: mime.IsCurrent})
	if err != nil {
		return nil, fmt.Errorf("mounting %q: %w", name, err)
	}
	s.stores[name] = st
	return st, nil
}

// Close stops every service and closes the stores and the directory.
func (s *Server) Close() error {
	s.stopAll()
	s.cancel()
	s.moves.wg.Wait() // a move under way stops and removes its copy
	s.releaseLeases()
	s.storesMu.Lock()
	var errs []error
	for _, st := range s.stores {
		errs = append(errs, st.Close())
	}
	s.stores = map[string]store.Store{}
	s.storesMu.Unlock()
	errs = append(errs, s.queue.Close(), s.dir.Close())
	s.closeCluster()
	s.lock.Close() // the folder is free for another server
	return errors.Join(errs...)
}

// CertificatePath returns the file a client passes as its CA to trust the
// server's self-signed certificate.
func (s *Server) CertificatePath() string {
	c, err := s.certs.EnsureSelfSigned(s.fqdn)
	if err != nil {
		return ""
	}
	return c.CertFile
}

// ImportCertificate adds a certificate and key (PEM) and enables it for
// the given services (POP, IMAP, SMTP); a service picks it when its
// X509CertificateName matches, from its next start.
func (s *Server) ImportCertificate(certPEM, keyPEM []byte, services ...string) (tlsconf.Cert, error) {
	c, err := s.certs.Import(certPEM, keyPEM)
	if err != nil {
		return c, err
	}
	if len(services) == 0 {
		return c, nil
	}
	return s.certs.EnableServices(c.Thumbprint, services...)
}

// Certificates lists the stored certificates.
func (s *Server) Certificates() []tlsconf.Cert { return s.certs.List() }

// analyzeMessage is the store's analyser: the MIME structure IMAP reads
// for BODYSTRUCTURE, ENVELOPE and body sections, parsed once when a
// message is stored.
func analyzeMessage(r io.Reader) ([]byte, error) {
	p, err := mime.Parse(r, mime.Options{})
	if err != nil {
		return nil, err
	}
	return p.MarshalBinary()
}

package directory

import (
	"context"
	"database/sql"
	_ "embed"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // database/sql driver "sqlite"
)

//go:embed schema.sql
var schema string

// Errors returned by the directory.
var (
	ErrNotFound = errors.New("directory: not found")
	ErrExists   = errors.New("directory: already exists")
)

// Directory is the embedded directory in one SQLite file.
type Directory struct {
	db     *sql.DB
	params HashParams
	cache  *verifyCache
	// hashing bounds concurrent argon2id computations: each costs
	// MemoryKiB of RAM and a core, so one per core runs at once; more
	// would only hold more memory (which a burst of logons would leave
	// behind in the heap) without finishing sooner.
	hashing chan struct{}
	// dummy is a hash no password matches, for unknown names
	// (dummyVerify), made once.
	dummy     string
	dummyOnce sync.Once
}

// Options configure Open.
type Options struct {
	// Path is the SQLite file.
	Path string
	// Hash is the argon2id cost for new password hashes; zero means
	// DefaultHashParams.
	Hash HashParams
}

// Open opens (creating if needed) the directory at o.Path.
func Open(ctx context.Context, o Options) (*Directory, error) {
	dsn := "file:" + o.Path + "?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(4)
	if _, err := db.ExecContext(ctx, schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("directory: schema: %w", err)
	}
	p := o.Hash
	if p == (HashParams{}) {
		p = DefaultHashParams()
	}
	return &Directory{db: db, params: p, cache: newVerifyCache(5*time.Minute, 10000), hashing: make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))}, nil
}

// Close closes the directory.
func (d *Directory) Close() error { return d.db.Close() }

// Server is one Postern server.
type Server struct {
	Name string
	FQDN string
}

// Database is a mailbox database and the server holding its active copy.
type Database struct {
	Name   string
	Path   string
	Server string
}

// InitOptions describe what a fresh data folder gets on first start.
type InitOptions struct {
	Server   Server
	Domain   string
	Database Database
}

// Initialized reports whether the directory already holds a server.
func (d *Directory) Initialized(ctx context.Context) (bool, error) {
	var n int
	err := d.db.QueryRowContext(ctx, `SELECT count(*) FROM servers`).Scan(&n)
	return n > 0, err
}

// Init records the server, its first accepted domain and its first mailbox
// database, in one transaction.
func (d *Directory) Init(ctx context.Context, o InitOptions) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := time.Now().Unix()
	if _, err := tx.ExecContext(ctx, `INSERT INTO servers(name, fqdn, created) VALUES(?,?,?)`, o.Server.Name, o.Server.FQDN, now); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO accepted_domains(name, is_default) VALUES(?,1)`, strings.ToLower(o.Domain)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO databases(name, path, server) VALUES(?,?,?)`, o.Database.Name, o.Database.Path, o.Server.Name); err != nil {
		return err
	}
	return tx.Commit()
}

// Servers lists the servers.
func (d *Directory) Servers(ctx context.Context) ([]Server, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT name, fqdn FROM servers ORDER BY created, name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Server
	for rows.Next() {
		var s Server
		if err := rows.Scan(&s.Name, &s.FQDN); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Databases lists the mailbox databases.
func (d *Directory) Databases(ctx context.Context) ([]Database, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT name, path, server FROM databases ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Database
	for rows.Next() {
		var db Database
		if err := rows.Scan(&db.Name, &db.Path, &db.Server); err != nil {
			return nil, err
		}
		out = append(out, db)
	}
	return out, rows.Err()
}

// Database finds one mailbox database by name.
func (d *Directory) Database(ctx context.Context, name string) (Database, error) {
	var db Database
	err := d.db.QueryRowContext(ctx, `SELECT name, path, server FROM databases WHERE name = ?`, name).Scan(&db.Name, &db.Path, &db.Server)
	if errors.Is(err, sql.ErrNoRows) {
		return db, fmt.Errorf("database %q: %w", name, ErrNotFound)
	}
	return db, err
}

// AcceptedDomains lists the accepted domains, the default first.
func (d *Directory) AcceptedDomains(ctx context.Context) ([]string, error) {
	return d.strings(ctx, `SELECT name FROM accepted_domains ORDER BY is_default DESC, name`)
}

// strings runs a query of one text column and returns its values.
func (d *Directory) strings(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := d.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Setting returns the JSON document stored for a server under name, or
// ErrNotFound.
func (d *Directory) Setting(ctx context.Context, server, name string) ([]byte, error) {
	var v string
	err := d.db.QueryRowContext(ctx, `SELECT value FROM settings WHERE server = ? AND name = ?`, server, name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("setting %s/%s: %w", server, name, ErrNotFound)
	}
	return []byte(v), err
}

// SetSetting stores a JSON document for a server under name.
func (d *Directory) SetSetting(ctx context.Context, server, name string, value []byte) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO settings(server, name, value) VALUES(?,?,?)
		ON CONFLICT(server, name) DO UPDATE SET value = excluded.value`, server, name, string(value))
	return err
}

// StartupType returns a service's startup type, or ErrNotFound.
func (d *Directory) StartupType(ctx context.Context, server, service string) (string, error) {
	var v string
	err := d.db.QueryRowContext(ctx, `SELECT startup FROM services WHERE server = ? AND name = ?`, server, service).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("service %s: %w", service, ErrNotFound)
	}
	return v, err
}

// SetStartupType records a service's startup type.
func (d *Directory) SetStartupType(ctx context.Context, server, service, startup string) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO services(server, name, startup) VALUES(?,?,?)
		ON CONFLICT(server, name) DO UPDATE SET startup = excluded.startup`, server, service, startup)
	return err
}

// Backup writes a consistent copy of the directory to path, a new file,
// while it is in use (VACUUM INTO).
func (d *Directory) Backup(ctx context.Context, path string) error {
	if strings.ContainsRune(path, '\'') {
		return fmt.Errorf("backup file %q: a quote in the path is not supported", path)
	}
	_, err := d.db.ExecContext(ctx, `VACUUM INTO '`+path+`'`)
	return err
}

// Check runs SQLite's integrity check on the directory; it returns the
// problems it reports, none when it is whole.
func (d *Directory) Check(ctx context.Context) ([]string, error) {
	lines, err := d.strings(ctx, `PRAGMA integrity_check`)
	if len(lines) == 1 && lines[0] == "ok" {
		return nil, err
	}
	return lines, err
}

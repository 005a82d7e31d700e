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

// Directory is the directory: one SQLite file (the embedded directory),
// or a PostgreSQL database that several Postern servers share.
type Directory struct {
	db     *sql.DB
	dl     *dialect
	url    string // the PostgreSQL URL, redacted; empty for SQLite
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
	// URL, when it starts with postgres:// or postgresql://, is the
	// PostgreSQL database holding the directory; Path is then unused.
	URL string
	// Path is the SQLite file, used when URL is not a PostgreSQL URL.
	Path string
	// Hash is the argon2id cost for new password hashes; zero means
	// DefaultHashParams.
	Hash HashParams
}

// IsPostgresURL reports whether u names a PostgreSQL directory.
func IsPostgresURL(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

// Open opens (creating if needed) the directory: the PostgreSQL database
// at o.URL, or the SQLite file at o.Path.
func Open(ctx context.Context, o Options) (*Directory, error) {
	d := &Directory{dl: &dialect{}}
	var err error
	if IsPostgresURL(o.URL) {
		d.dl.postgres = true
		d.url = RedactURL(o.URL)
		d.db, err = openPostgres(ctx, o.URL)
	} else {
		d.db, err = openSQLite(ctx, o.Path)
	}
	if err != nil {
		return nil, err
	}
	p := o.Hash
	if p == (HashParams{}) {
		p = DefaultHashParams()
	}
	d.params = p
	d.cache = newVerifyCache(5*time.Minute, 10000)
	d.hashing = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))
	return d, nil
}

// openSQLite opens the SQLite file at path and brings its schema up to
// date.
func openSQLite(ctx context.Context, path string) (*sql.DB, error) {
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(4)
	if _, err := db.ExecContext(ctx, schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("directory: schema: %w", err)
	}
	if err := migrateSQLite(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("directory: migrate: %w", err)
	}
	return db, nil
}

// Close closes the directory.
func (d *Directory) Close() error { return d.db.Close() }

// InitOptions describe what a fresh data folder gets on first start.
type InitOptions struct {
	Server   Server
	Domain   string
	Database Database
}

// Initialized reports whether the directory already holds a server.
func (d *Directory) Initialized(ctx context.Context) (bool, error) {
	var n int
	err := d.queryRow(ctx, `SELECT count(*) FROM servers`).Scan(&n)
	return n > 0, err
}

// Init records the server, its first accepted domain and its first mailbox
// database, in one transaction.
func (d *Directory) Init(ctx context.Context, o InitOptions) error {
	t, err := d.begin(ctx)
	if err != nil {
		return err
	}
	defer t.Rollback()
	now := time.Now().Unix()
	if _, err := t.exec(ctx, `INSERT INTO servers(name, fqdn, address, created) VALUES(?,?,?,?)`, o.Server.Name, o.Server.FQDN, o.Server.Address, now); err != nil {
		return err
	}
	if _, err := t.exec(ctx, `INSERT INTO accepted_domains(name, is_default) VALUES(?,1)`, strings.ToLower(o.Domain)); err != nil {
		return err
	}
	if _, err := t.exec(ctx, `INSERT INTO databases(name, path, server, copies) VALUES(?,?,?,?)`, o.Database.Name, o.Database.Path, o.Server.Name, o.Server.Name); err != nil {
		return err
	}
	return t.Commit()
}

// AcceptedDomains lists the accepted domains, the default first.
func (d *Directory) AcceptedDomains(ctx context.Context) ([]string, error) {
	return d.strings(ctx, `SELECT name FROM accepted_domains ORDER BY is_default DESC, name`)
}

// strings runs a query of one text column and returns its values.
func (d *Directory) strings(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := d.query(ctx, query, args...)
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
	err := d.queryRow(ctx, `SELECT value FROM settings WHERE server = ? AND name = ?`, server, name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("setting %s/%s: %w", server, name, ErrNotFound)
	}
	return []byte(v), err
}

// SetSetting stores a JSON document for a server under name.
func (d *Directory) SetSetting(ctx context.Context, server, name string, value []byte) error {
	_, err := d.exec(ctx, `INSERT INTO settings(server, name, value) VALUES(?,?,?)
		ON CONFLICT(server, name) DO UPDATE SET value = excluded.value`, server, name, string(value))
	return err
}

// AddSetting stores value under name unless a value is there already, and
// returns the stored one: of servers racing to make the same document,
// all end up using the first one stored.
func (d *Directory) AddSetting(ctx context.Context, server, name string, value []byte) ([]byte, error) {
	if _, err := d.exec(ctx, `INSERT INTO settings(server, name, value) VALUES(?,?,?)
		ON CONFLICT(server, name) DO NOTHING`, server, name, string(value)); err != nil {
		return nil, err
	}
	return d.Setting(ctx, server, name)
}

// StartupType returns a service's startup type, or ErrNotFound.
func (d *Directory) StartupType(ctx context.Context, server, service string) (string, error) {
	var v string
	err := d.queryRow(ctx, `SELECT startup FROM services WHERE server = ? AND name = ?`, server, service).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("service %s: %w", service, ErrNotFound)
	}
	return v, err
}

// SetStartupType records a service's startup type.
func (d *Directory) SetStartupType(ctx context.Context, server, service, startup string) error {
	_, err := d.exec(ctx, `INSERT INTO services(server, name, startup) VALUES(?,?,?)
		ON CONFLICT(server, name) DO UPDATE SET startup = excluded.startup`, server, service, startup)
	return err
}

// Backup writes a consistent copy of the directory to path, a new file,
// while it is in use (VACUUM INTO). A PostgreSQL directory is backed up
// with PostgreSQL's own tools.
func (d *Directory) Backup(ctx context.Context, path string) error {
	if d.dl.postgres {
		return fmt.Errorf("directory %s is a PostgreSQL database: back it up with pg_dump, not postern", d.url)
	}
	if strings.ContainsRune(path, '\'') {
		return fmt.Errorf("backup file %q: a quote in the path is not supported", path)
	}
	_, err := d.db.ExecContext(ctx, `VACUUM INTO '`+path+`'`)
	return err
}

// Check runs SQLite's integrity check on the directory; it returns the
// problems it reports, none when it is whole. A PostgreSQL directory has
// no problems to report here: PostgreSQL checks its own data.
func (d *Directory) Check(ctx context.Context) ([]string, error) {
	if d.dl.postgres {
		return nil, nil
	}
	lines, err := d.strings(ctx, `PRAGMA integrity_check`)
	if len(lines) == 1 && lines[0] == "ok" {
		return nil, err
	}
	return lines, err
}

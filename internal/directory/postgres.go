package directory

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

//go:embed schema_pg.sql
var schemaPG string

// schemaLock is the pg_advisory_xact_lock key the schema is created
// under, so that servers starting at once create it one after the other.
const schemaLock = 0x706f737465726e // "postern"

// openPostgres opens the PostgreSQL directory at rawURL and creates its
// schema if needed. Its errors name the URL without its password.
func openPostgres(ctx context.Context, rawURL string) (*sql.DB, error) {
	fail := func(err error) error { return urlError(rawURL, err) }
	if _, err := pgconn.ParseConfig(rawURL); err != nil {
		return nil, fail(err)
	}
	db, err := sql.Open("pgx", rawURL)
	if err != nil {
		return nil, fail(err)
	}
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(4)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := createSchemaPG(ctx, db); err != nil {
		db.Close()
		return nil, fail(err)
	}
	return db, nil
}

// createSchemaPG creates the tables that do not exist yet, in one
// transaction holding an advisory lock: two servers starting at once on
// an empty database would otherwise both try to create the same table.
func createSchemaPG(ctx context.Context, db *sql.DB) error {
	t, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer t.Rollback()
	if _, err := t.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(schemaLock)); err != nil {
		return fmt.Errorf("schema lock: %w", err)
	}
	if _, err := t.ExecContext(ctx, schemaPG); err != nil {
		return fmt.Errorf("schema: %w", err)
	}
	return t.Commit()
}

// urlErr is an error about the directory at a URL, whose text never holds
// the URL's password.
type urlErr struct {
	msg string
	err error
}

func (e *urlErr) Error() string { return e.msg }
func (e *urlErr) Unwrap() error { return e.err }

// urlError wraps err with the redacted URL, and removes the password from
// err's text should a driver have put it there.
func urlError(rawURL string, err error) error {
	msg := err.Error()
	if cfg, perr := pgconn.ParseConfig(rawURL); perr == nil && cfg.Password != "" {
		msg = strings.ReplaceAll(msg, cfg.Password, redacted)
	}
	msg = strings.ReplaceAll(msg, rawURL, RedactURL(rawURL))
	return &urlErr{msg: fmt.Sprintf("directory %s: %s", RedactURL(rawURL), RedactURL(msg)), err: err}
}

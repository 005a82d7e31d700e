// Package migrate applies a store's schema migrations: numbered SQL files
// ("0001_init.sql", "0002_....sql") from an fs.FS, each once, in order, each
// in its own transaction, recorded in a schema_version table.
//
// It is dialect-neutral: the caller passes the files of its dialect, and the
// runner's own SQL is plain enough for SQLite and PostgreSQL alike. It takes
// no lock between processes; a backend shared by several servers must
// serialise Up itself (for PostgreSQL, an advisory lock).
package migrate

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
)

// Migration is one numbered SQL file.
type Migration struct {
	Version int
	Name    string // file name, for messages
	SQL     string
}

// Load reads the migrations in dir of files, sorted by version. Every
// ".sql" file must start with a positive number followed by "_"; two files
// with one number are an error.
func Load(files fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(files, dir)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	var ms []Migration
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migrate: %s: name must start with a positive number and '_'", name)
		}
		body, err := fs.ReadFile(files, path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("migrate: %w", err)
		}
		ms = append(ms, Migration{Version: v, Name: name, SQL: string(body)})
	}
	slices.SortFunc(ms, func(a, b Migration) int { return a.Version - b.Version })
	for i := 1; i < len(ms); i++ {
		if ms[i].Version == ms[i-1].Version {
			return nil, fmt.Errorf("migrate: %s and %s share version %d", ms[i-1].Name, ms[i].Name, ms[i].Version)
		}
	}
	return ms, nil
}

// Up applies the migrations newer than the database's version and returns
// the version the database is at afterwards. A database newer than the
// newest migration is an error: this binary does not know its schema.
func Up(ctx context.Context, db *sql.DB, ms []Migration) (int, error) {
	const create = `CREATE TABLE IF NOT EXISTS schema_version (version BIGINT PRIMARY KEY)`
	if _, err := db.ExecContext(ctx, create); err != nil {
		return 0, fmt.Errorf("migrate: create schema_version: %w", err)
	}
	var cur sql.NullInt64
	if err := db.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_version`).Scan(&cur); err != nil {
		return 0, fmt.Errorf("migrate: read schema_version: %w", err)
	}
	at := int(cur.Int64)
	if len(ms) > 0 && at > ms[len(ms)-1].Version {
		return at, fmt.Errorf("migrate: database schema version %d is newer than this program's %d",
			at, ms[len(ms)-1].Version)
	}
	for _, m := range ms {
		if m.Version <= at {
			continue
		}
		if err := apply(ctx, db, m); err != nil {
			return at, err
		}
		at = m.Version
	}
	return at, nil
}

func apply(ctx context.Context, db *sql.DB, m Migration) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate: %s: %w", m.Name, err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return fmt.Errorf("migrate: %s: %w", m.Name, err)
	}
	// The version is an int from a file name, so formatting it into the
	// statement is safe and avoids dialect-specific placeholders.
	ins := fmt.Sprintf(`INSERT INTO schema_version (version) VALUES (%d)`, m.Version)
	if _, err := tx.ExecContext(ctx, ins); err != nil {
		return fmt.Errorf("migrate: %s: record version: %w", m.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate: %s: commit: %w", m.Name, err)
	}
	return nil
}

package directory

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/pgconn"
)

// dialect is what differs between the SQL databases the directory runs
// on. The queries are written once, with "?" placeholders and SQL both
// SQLite and PostgreSQL accept; PostgreSQL's get their placeholders
// rebound to $1..$n, once per query string.
type dialect struct {
	postgres bool
	// bound caches the rebound text of each query (PostgreSQL only).
	bound sync.Map // string -> string
}

// bind returns query in the dialect's placeholder syntax.
func (dl *dialect) bind(query string) string {
	if !dl.postgres {
		return query
	}
	if q, ok := dl.bound.Load(query); ok {
		return q.(string)
	}
	q := rebind(query)
	dl.bound.Store(query, q)
	return q
}

// rebind replaces each "?" outside quotes with $1, $2, ...
func rebind(query string) string {
	if !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 8)
	n := 0
	var quote byte
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// isUnique reports whether err is a unique-constraint violation.
func (dl *dialect) isUnique(err error) bool {
	if err == nil {
		return false
	}
	if dl.postgres {
		var pe *pgconn.PgError
		return errors.As(err, &pe) && pe.Code == "23505"
	}
	return strings.Contains(err.Error(), "UNIQUE")
}

// isForeignKey reports whether err is a foreign-key violation.
func (dl *dialect) isForeignKey(err error) bool {
	if err == nil {
		return false
	}
	if dl.postgres {
		var pe *pgconn.PgError
		return errors.As(err, &pe) && pe.Code == "23503"
	}
	return strings.Contains(err.Error(), "FOREIGN KEY")
}

// strpos is the function giving the position of a text in another, 0 if
// absent: strpos(haystack, needle) in PostgreSQL, instr in SQLite.
func (dl *dialect) strpos() string {
	if dl.postgres {
		return "strpos"
	}
	return "instr"
}

// exec, query and queryRow run a query written with "?" placeholders.
func (d *Directory) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return d.db.ExecContext(ctx, d.dl.bind(query), args...)
}

func (d *Directory) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return d.db.QueryContext(ctx, d.dl.bind(query), args...)
}

func (d *Directory) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return d.db.QueryRowContext(ctx, d.dl.bind(query), args...)
}

// tx is a transaction whose queries are written with "?" placeholders.
type tx struct {
	*sql.Tx
	dl *dialect
}

func (d *Directory) begin(ctx context.Context) (tx, error) {
	t, err := d.db.BeginTx(ctx, nil)
	return tx{t, d.dl}, err
}

func (t tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return t.ExecContext(ctx, t.dl.bind(query), args...)
}

func (t tx) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return t.QueryRowContext(ctx, t.dl.bind(query), args...)
}

package directory

import (
	"context"
	"database/sql"
	"fmt"
)

// SQLite directory files made by earlier versions lack columns added
// since; CREATE TABLE IF NOT EXISTS leaves their tables as they are, so
// migrateSQLite adds the missing columns. A PostgreSQL directory is
// created with them.

// column is a column added to a table after its first release, with what
// fills it in existing rows.
type column struct {
	table, name, def string
	// fill, if set, runs once when the column is added.
	fill string
}

var addedColumns = []column{
	{table: "servers", name: "address", def: `TEXT NOT NULL DEFAULT ''`},
	// A database's first copy is the one on the server it was created on,
	// which holds its active copy in a directory of that age.
	{table: "databases", name: "copies", def: `TEXT NOT NULL DEFAULT ''`, fill: `UPDATE databases SET copies = server WHERE copies = ''`},
}

func migrateSQLite(ctx context.Context, db *sql.DB) error {
	for _, c := range addedColumns {
		if ok, err := hasColumn(ctx, db, c.table, c.name); err != nil || ok {
			if err != nil {
				return err
			}
			continue
		}
		if err := addColumn(ctx, db, c); err != nil {
			return err
		}
	}
	return nil
}

// addColumn adds c and fills it in one transaction; a server opening the
// same file at once may have added it first, which is no error.
func addColumn(ctx context.Context, db *sql.DB, c column) error {
	t, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer t.Rollback()
	if _, err := t.ExecContext(ctx, `ALTER TABLE `+c.table+` ADD COLUMN `+c.name+` `+c.def); err != nil {
		if ok, _ := hasColumn(ctx, db, c.table, c.name); ok {
			return nil
		}
		return fmt.Errorf("add %s.%s: %w", c.table, c.name, err)
	}
	if c.fill != "" {
		if _, err := t.ExecContext(ctx, c.fill); err != nil {
			return fmt.Errorf("fill %s.%s: %w", c.table, c.name, err)
		}
	}
	return t.Commit()
}

func hasColumn(ctx context.Context, db *sql.DB, table, name string) (bool, error) {
	var n int
	err := db.QueryRowContext(ctx, `SELECT count(*) FROM pragma_table_info(?) WHERE name = ?`, table, name).Scan(&n)
	return n > 0, err
}

package pgstore

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// schemaLock is the pg_advisory_xact_lock key that serialises schema
// creation between servers starting at once ("pgst" in ASCII).
const schemaLock = 0x70677374

// schema is the whole schema, created if missing. Every table is keyed by
// the mailbox database: mailbox_dbs maps its name to the id the other
// tables use. Folder ids are unique across databases, so the rows below a
// folder need no database column of their own.
var schema = []string{
	`CREATE TABLE IF NOT EXISTS mailbox_db_leases (
		database text PRIMARY KEY,
		server   text NOT NULL,
		epoch    bigint NOT NULL,
		expires  timestamptz NOT NULL)`,
	// uidvalidity is the last UIDVALIDITY handed out in the database.
	`CREATE TABLE IF NOT EXISTS mailbox_dbs (
		id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
		name        text NOT NULL UNIQUE,
		uidvalidity bigint NOT NULL DEFAULT 0)`,
	// uid_next and highest_modseq only grow, in the writing transaction;
	// messages and unseen are maintained counts. The expunge records of a
	// folder are complete above expunge_floor.
	`CREATE TABLE IF NOT EXISTS mailbox_folders (
		id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
		db             bigint NOT NULL REFERENCES mailbox_dbs (id) ON DELETE CASCADE,
		account        bigint NOT NULL,
		name           text NOT NULL,
		uidvalidity    bigint NOT NULL,
		uid_next       bigint NOT NULL,
		highest_modseq bigint NOT NULL,
		subscribed     boolean NOT NULL DEFAULT false,
		hidden         boolean NOT NULL DEFAULT false,
		messages       bigint NOT NULL DEFAULT 0,
		unseen         bigint NOT NULL DEFAULT 0,
		expunge_floor  bigint NOT NULL DEFAULT 0,
		UNIQUE (db, account, name))`,
	// One row per distinct body of a database, named by its SHA-256;
	// refs counts the messages naming it, and the transaction that drops
	// the last one deletes the row. structure is the analysis, if kept.
	`CREATE TABLE IF NOT EXISTS mailbox_bodies (
		db        bigint NOT NULL REFERENCES mailbox_dbs (id) ON DELETE CASCADE,
		hash      bytea NOT NULL,
		size      bigint NOT NULL,
		data      bytea NOT NULL,
		structure bytea,
		refs      bigint NOT NULL,
		PRIMARY KEY (db, hash))`,
	// internal_date is Unix seconds, date_offset the zone offset in
	// seconds east of UTC; flags the canonical flags separated by spaces.
	`CREATE TABLE IF NOT EXISTS mailbox_messages (
		folder        bigint NOT NULL REFERENCES mailbox_folders (id) ON DELETE CASCADE,
		uid           bigint NOT NULL,
		modseq        bigint NOT NULL,
		size          bigint NOT NULL,
		internal_date bigint NOT NULL,
		date_offset   integer NOT NULL,
		seen          boolean NOT NULL,
		flags         text NOT NULL,
		hash          bytea NOT NULL,
		PRIMARY KEY (folder, uid))`,
	`CREATE INDEX IF NOT EXISTS mailbox_messages_modseq ON mailbox_messages (folder, modseq)`,
	`CREATE TABLE IF NOT EXISTS mailbox_expunged (
		folder bigint NOT NULL REFERENCES mailbox_folders (id) ON DELETE CASCADE,
		modseq bigint NOT NULL,
		uid    bigint NOT NULL,
		PRIMARY KEY (folder, modseq, uid))`,
}

// columns are the columns added to a table of schema after it was first
// released, each added if missing: the statement is idempotent, and it
// runs only when the column is missing, so that a server starting does
// not take the table's exclusive lock for nothing.
var columns = []struct{ table, column, add string }{
	// recent_claim is the highest UID some session has claimed as
	// \Recent (store.RecentClaimer). A folder made before it has NULL,
	// which counts as uid_next - 1 (its messages were all seen), and is
	// set so by the first write that adds messages to it; createFolder
	// sets 0.
	{"mailbox_folders", "recent_claim", `ALTER TABLE mailbox_folders ADD COLUMN IF NOT EXISTS recent_claim bigint`},
}

// Prepare creates the tables if missing (leases included), under an
// advisory lock so that servers starting at once do not race on the
// catalogue. A server calls it at start, before Acquire or Holder; Open
// calls it too.
func Prepare(ctx context.Context, pool *pgxpool.Pool) error {
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error { return prepare(ctx, tx) })
	if err != nil {
		return mapErr(ctx, "create schema", err)
	}
	return nil
}

func prepare(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(schemaLock)); err != nil {
		return err
	}
	for _, q := range schema {
		if _, err := tx.Exec(ctx, q); err != nil {
			return err
		}
	}
	for _, c := range columns {
		var has bool
		err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_attribute
			WHERE attrelid = $1::regclass AND attname = $2 AND NOT attisdropped)`, c.table, c.column).Scan(&has)
		if err != nil {
			return err
		}
		if !has {
			if _, err := tx.Exec(ctx, c.add); err != nil {
				return err
			}
		}
	}
	return nil
}

// createSchema creates the tables if missing and returns the id of
// database name, adding its row if needed.
func createSchema(ctx context.Context, pool *pgxpool.Pool, name string) (int64, error) {
	var id int64
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if err := prepare(ctx, tx); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO mailbox_dbs (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`, name); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT id FROM mailbox_dbs WHERE name = $1`, name).Scan(&id)
	})
	if err != nil {
		return 0, mapErr(ctx, fmt.Sprintf("create schema for %q", name), err)
	}
	return id, nil
}

package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/postern/postern/internal/store"
)

// folderCols is the column list scanFolder expects.
const folderCols = `id, account, name, uidvalidity, uidnext, highestmodseq, subscribed, hidden, messages, unseen`

// querier is what folder lookups need: the read pool or the writer's tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

type scanner interface{ Scan(dest ...any) error }

func scanFolder(s scanner) (store.Folder, error) {
	var f store.Folder
	var validity, next int64
	err := s.Scan(&f.ID, &f.Account, &f.Name, &validity, &next, &f.HighestModSeq,
		&f.Subscribed, &f.Hidden, &f.Messages, &f.Unseen)
	f.UIDValidity, f.UIDNext = uint32(validity), uint32(min(next, math.MaxUint32))
	return f, err
}

// folderByName finds a folder; the name must be canonical.
func folderByName(ctx context.Context, q querier, a store.AccountID, name string) (store.Folder, error) {
	f, err := scanFolder(q.QueryRowContext(ctx,
		`SELECT `+folderCols+` FROM folders WHERE account = ? AND name = ?`, a, name))
	if errors.Is(err, sql.ErrNoRows) {
		return f, fmt.Errorf("sqlite: folder %q of account %d: %w", name, a, store.ErrNotFound)
	}
	if err != nil {
		return f, readErr(ctx, "read folder", err)
	}
	return f, nil
}

func folderByID(ctx context.Context, q querier, id store.FolderID) (store.Folder, error) {
	f, err := scanFolder(q.QueryRowContext(ctx, `SELECT `+folderCols+` FROM folders WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return f, fmt.Errorf("sqlite: folder %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return f, readErr(ctx, "read folder", err)
	}
	return f, nil
}

func listFolders(ctx context.Context, q querier, a store.AccountID) ([]store.Folder, error) {
	rows, err := q.QueryContext(ctx,
		`SELECT `+folderCols+` FROM folders WHERE account = ? ORDER BY name`, a)
	if err != nil {
		return nil, readErr(ctx, "list folders", err)
	}
	defer rows.Close()
	var out []store.Folder
	for rows.Next() {
		f, err := scanFolder(rows)
		if err != nil {
			return nil, readErr(ctx, "list folders", err)
		}
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, readErr(ctx, "list folders", err)
	}
	return out, nil
}

// Folders implements store.Store. An account without folders has none.
func (db *DB) Folders(ctx context.Context, a store.AccountID) ([]store.Folder, error) {
	return listFolders(ctx, reader{db: db}, a)
}

// Folder implements store.Store.
func (db *DB) Folder(ctx context.Context, a store.AccountID, name string) (store.Folder, error) {
	name, err := store.CanonicalFolderName(name)
	if err != nil {
		return store.Folder{}, err
	}
	return folderByName(ctx, reader{db: db}, a, name)
}

// CreateAccount implements store.Store. The Inbox and the default folders
// start subscribed, as Exchange has them.
func (db *DB) CreateAccount(ctx context.Context, a store.AccountID) error {
	return db.submit(ctx, &item{run: func(w *wtx) error {
		var n int
		if err := w.queryRow(`SELECT COUNT(*) FROM folders WHERE account = ?`, a).Scan(&n); err != nil {
			return errTemp("count folders", err)
		}
		if n > 0 {
			return fmt.Errorf("sqlite: account %d: %w", a, store.ErrExists)
		}
		for _, name := range append([]string{store.Inbox}, store.DefaultFolders...) {
			if _, err := w.createFolder(a, name, true); err != nil {
				return err
			}
		}
		return nil
	}})
}

// DeleteAccount implements store.Store. An account without folders is
// ErrNotFound.
func (db *DB) DeleteAccount(ctx context.Context, a store.AccountID) error {
	return db.submit(ctx, &item{run: func(w *wtx) error {
		fs, err := listFolders(context.Background(), w, a)
		if err != nil {
			return err
		}
		if len(fs) == 0 {
			return fmt.Errorf("sqlite: account %d: %w", a, store.ErrNotFound)
		}
		for _, f := range fs {
			if err := w.dropFolder(f); err != nil {
				return err
			}
		}
		return nil
	}})
}

// CreateFolder implements store.Store. The account must exist (have an
// Inbox); parents of a hierarchical name need not.
func (db *DB) CreateFolder(ctx context.Context, a store.AccountID, name string) (store.Folder, error) {
	name, err := store.CanonicalFolderName(name)
	if err != nil {
		return store.Folder{}, err
	}
	var f store.Folder
	err = db.submit(ctx, &item{run: func(w *wtx) error {
		if _, err := folderByName(context.Background(), w, a, store.Inbox); err != nil {
			return fmt.Errorf("sqlite: account %d has no Inbox: %w", a, store.ErrNotFound)
		}
		created, err := w.createFolder(a, name, false)
		f = created
		return err
	}})
	if err != nil {
		return store.Folder{}, err
	}
	return f, nil
}

// DeleteFolder implements store.Store. Children of the folder stay.
func (db *DB) DeleteFolder(ctx context.Context, a store.AccountID, name string) error {
	name, err := store.CanonicalFolderName(name)
	if err != nil {
		return err
	}
	if name == store.Inbox {
		return fmt.Errorf("sqlite: delete the Inbox: %w", store.ErrNoPermission)
	}
	return db.submit(ctx, &item{run: func(w *wtx) error {
		f, err := folderByName(context.Background(), w, a, name)
		if err != nil {
			return err
		}
		return w.dropFolder(f)
	}})
}

// SetSubscribed implements store.Store.
func (db *DB) SetSubscribed(ctx context.Context, a store.AccountID, name string, on bool) error {
	name, err := store.CanonicalFolderName(name)
	if err != nil {
		return err
	}
	return db.submit(ctx, &item{run: func(w *wtx) error {
		res, err := w.exec(`UPDATE folders SET subscribed = ? WHERE account = ? AND name = ?`, on, a, name)
		if err != nil {
			return errTemp("subscribe", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return fmt.Errorf("sqlite: folder %q of account %d: %w", name, a, store.ErrNotFound)
		}
		return nil
	}})
}

// createFolder inserts a folder with a fresh UIDVALIDITY; the name must be
// canonical.
func (w *wtx) createFolder(a store.AccountID, name string, subscribed bool) (store.Folder, error) {
	var one int
	err := w.queryRow(`SELECT 1 FROM folders WHERE account = ? AND name = ?`, a, name).Scan(&one)
	if err == nil {
		return store.Folder{}, fmt.Errorf("sqlite: folder %q of account %d: %w", name, a, store.ErrExists)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return store.Folder{}, errTemp("check folder", err)
	}
	validity, err := w.newUIDValidity()
	if err != nil {
		return store.Folder{}, err
	}
	f := store.Folder{Account: a, Name: name, UIDValidity: validity, UIDNext: 1, HighestModSeq: 1,
		Subscribed: subscribed}
	err = w.queryRow(`INSERT INTO folders (account, name, uidvalidity, uidnext, highestmodseq, subscribed)
		VALUES (?, ?, ?, 1, 1, ?) RETURNING id`, a, name, int64(validity), subscribed).Scan(&f.ID)
	if err != nil {
		return store.Folder{}, errTemp("create folder", err)
	}
	w.changes = append(w.changes, store.Change{Kind: store.ChangeFolder, Account: a, Folder: f.ID, ModSeq: 1})
	return f, nil
}

// newUIDValidity hands out a store-wide strictly increasing UIDVALIDITY,
// the current Unix time when that is larger than the last one: a folder
// deleted and created again under the same name never gets the old value
// back (RFC 3501 2.3.1.1).
func (w *wtx) newUIDValidity() (uint32, error) {
	var last int64
	err := w.queryRow(`SELECT value FROM meta WHERE name = 'uidvalidity'`).Scan(&last)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, errTemp("read uidvalidity", err)
	}
	v := max(time.Now().Unix(), last+1)
	if v > math.MaxUint32 {
		return 0, fmt.Errorf("sqlite: UIDVALIDITY space exhausted: %w", store.ErrTemporary)
	}
	_, err = w.exec(`INSERT INTO meta (name, value) VALUES ('uidvalidity', ?)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value`, v)
	if err != nil {
		return 0, errTemp("write uidvalidity", err)
	}
	return uint32(v), nil
}

// dropFolder deletes a folder and its messages, marking their blobs as
// possibly unreferenced.
func (w *wtx) dropFolder(f store.Folder) error {
	rows, err := w.QueryContext(context.Background(), `SELECT DISTINCT blob FROM messages WHERE folder = ?`, f.ID)
	if err != nil {
		return errTemp("list blobs", err)
	}
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			rows.Close()
			return errTemp("list blobs", err)
		}
		w.freed = append(w.freed, h)
	}
	if err := rows.Err(); err != nil {
		return errTemp("list blobs", err)
	}
	if _, err := w.exec(`DELETE FROM messages WHERE folder = ?`, f.ID); err != nil {
		return errTemp("delete messages", err)
	}
	if _, err := w.exec(`DELETE FROM expunged WHERE folder = ?`, f.ID); err != nil {
		return errTemp("delete expunge records", err)
	}
	if _, err := w.exec(`DELETE FROM folders WHERE id = ?`, f.ID); err != nil {
		return errTemp("delete folder", err)
	}
	w.changes = append(w.changes, store.Change{Kind: store.ChangeFolder, Account: f.Account, Folder: f.ID,
		ModSeq: f.HighestModSeq})
	return nil
}

// isUnder reports whether name is below parent in the hierarchy.
func isUnder(name, parent string) bool {
	return strings.HasPrefix(name, parent+store.Separator)
}

package pgstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/postern/postern/internal/store"
)

// folderCols is the column list scanFolder expects.
const folderCols = `id, account, name, uidvalidity, uid_next, highest_modseq, subscribed, hidden, messages, unseen`

// querier is the pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func scanFolder(r pgx.Row) (store.Folder, error) {
	var f store.Folder
	var validity, next, modseq int64
	err := r.Scan(&f.ID, &f.Account, &f.Name, &validity, &next, &modseq, &f.Subscribed, &f.Hidden, &f.Messages, &f.Unseen)
	f.UIDValidity, f.UIDNext, f.HighestModSeq = uint32(validity), uint32(min(next, math.MaxUint32)), uint64(modseq)
	return f, err
}

func (s *Store) folderByName(ctx context.Context, q querier, a store.AccountID, name string) (store.Folder, error) {
	f, err := scanFolder(q.QueryRow(ctx, `SELECT `+folderCols+` FROM mailbox_folders
		WHERE db = $1 AND account = $2 AND name = $3`, s.db, a, name))
	if errors.Is(err, pgx.ErrNoRows) {
		return f, fmt.Errorf("pgstore: folder %q of account %d: %w", name, a, store.ErrNotFound)
	}
	if err != nil {
		return f, mapErr(ctx, "read folder", err)
	}
	return f, nil
}

func (s *Store) folderByID(ctx context.Context, q querier, id store.FolderID) (store.Folder, error) {
	f, err := scanFolder(q.QueryRow(ctx, `SELECT `+folderCols+` FROM mailbox_folders WHERE db = $1 AND id = $2`, s.db, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return f, fmt.Errorf("pgstore: folder %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return f, mapErr(ctx, "read folder", err)
	}
	return f, nil
}

func (s *Store) listFolders(ctx context.Context, q querier, a store.AccountID) ([]store.Folder, error) {
	rows, err := q.Query(ctx, `SELECT `+folderCols+` FROM mailbox_folders
		WHERE db = $1 AND account = $2 ORDER BY name COLLATE "C"`, s.db, a)
	if err != nil {
		return nil, mapErr(ctx, "list folders", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Folder, error) { return scanFolder(r) })
	if err != nil {
		return nil, mapErr(ctx, "list folders", err)
	}
	return out, nil
}

// Folders implements store.Store.
func (s *Store) Folders(ctx context.Context, a store.AccountID) ([]store.Folder, error) {
	return s.listFolders(ctx, s.pool, a)
}

// Folder implements store.Store.
func (s *Store) Folder(ctx context.Context, a store.AccountID, name string) (store.Folder, error) {
	name, err := store.CanonicalFolderName(name)
	if err != nil {
		return store.Folder{}, err
	}
	return s.folderByName(ctx, s.pool, a, name)
}

// CreateAccount implements store.Store: the Inbox and the default
// folders, subscribed.
func (s *Store) CreateAccount(ctx context.Context, a store.AccountID) error {
	return s.write(ctx, func(w *wtx) error {
		var n int
		if err := w.queryRow(`SELECT count(*) FROM mailbox_folders WHERE db = $1 AND account = $2`, s.db, a).Scan(&n); err != nil {
			return mapErr(ctx, "count folders", err)
		}
		if n > 0 {
			return fmt.Errorf("pgstore: account %d: %w", a, store.ErrExists)
		}
		for _, name := range append([]string{store.Inbox}, store.DefaultFolders...) {
			if _, err := w.createFolder(a, name, true); err != nil {
				return err
			}
		}
		return nil
	})
}

// DeleteAccount implements store.Store. An account without folders is
// ErrNotFound.
func (s *Store) DeleteAccount(ctx context.Context, a store.AccountID) error {
	return s.write(ctx, func(w *wtx) error {
		fs, err := s.listFolders(ctx, w, a)
		if err != nil {
			return err
		}
		if len(fs) == 0 {
			return fmt.Errorf("pgstore: account %d: %w", a, store.ErrNotFound)
		}
		for _, f := range fs {
			if err := w.dropFolder(f); err != nil {
				return err
			}
		}
		return nil
	})
}

// CreateFolder implements store.Store. The account must have an Inbox.
func (s *Store) CreateFolder(ctx context.Context, a store.AccountID, name string) (store.Folder, error) {
	name, err := store.CanonicalFolderName(name)
	if err != nil {
		return store.Folder{}, err
	}
	var f store.Folder
	err = s.write(ctx, func(w *wtx) error {
		if _, err := s.folderByName(ctx, w, a, store.Inbox); err != nil {
			return fmt.Errorf("pgstore: account %d has no Inbox: %w", a, store.ErrNotFound)
		}
		f, err = w.createFolder(a, name, false)
		return err
	})
	if err != nil {
		return store.Folder{}, err
	}
	return f, nil
}

// DeleteFolder implements store.Store. Children of the folder stay.
func (s *Store) DeleteFolder(ctx context.Context, a store.AccountID, name string) error {
	name, err := store.CanonicalFolderName(name)
	if err != nil {
		return err
	}
	if name == store.Inbox {
		return fmt.Errorf("pgstore: delete the Inbox: %w", store.ErrNoPermission)
	}
	return s.write(ctx, func(w *wtx) error {
		f, err := s.folderByName(ctx, w, a, name)
		if err != nil {
			return err
		}
		return w.dropFolder(f)
	})
}

// SetSubscribed implements store.Store.
func (s *Store) SetSubscribed(ctx context.Context, a store.AccountID, name string, on bool) error {
	name, err := store.CanonicalFolderName(name)
	if err != nil {
		return err
	}
	return s.write(ctx, func(w *wtx) error {
		tag, err := w.exec(`UPDATE mailbox_folders SET subscribed = $1 WHERE db = $2 AND account = $3 AND name = $4`,
			on, s.db, a, name)
		if err != nil {
			return mapErr(ctx, "subscribe", err)
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("pgstore: folder %q of account %d: %w", name, a, store.ErrNotFound)
		}
		return nil
	})
}

// createFolder inserts a folder with a fresh UIDVALIDITY; the name must be
// canonical.
func (w *wtx) createFolder(a store.AccountID, name string, subscribed bool) (store.Folder, error) {
	var one int
	err := w.queryRow(`SELECT 1 FROM mailbox_folders WHERE db = $1 AND account = $2 AND name = $3`, w.s.db, a, name).Scan(&one)
	if err == nil {
		return store.Folder{}, fmt.Errorf("pgstore: folder %q of account %d: %w", name, a, store.ErrExists)
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return store.Folder{}, mapErr(w.ctx, "check folder", err)
	}
	validity, err := w.newUIDValidity()
	if err != nil {
		return store.Folder{}, err
	}
	f := store.Folder{Account: a, Name: name, UIDValidity: validity, UIDNext: 1, HighestModSeq: 1, Subscribed: subscribed}
	err = w.queryRow(`INSERT INTO mailbox_folders (db, account, name, uidvalidity, uid_next, highest_modseq, subscribed, recent_claim)
		VALUES ($1, $2, $3, $4, 1, 1, $5, 0) RETURNING id`, w.s.db, a, name, int64(validity), subscribed).Scan(&f.ID)
	if err != nil {
		return store.Folder{}, mapErr(w.ctx, "create folder", err)
	}
	w.changes = append(w.changes, store.Change{Kind: store.ChangeFolder, Account: a, Folder: f.ID, ModSeq: 1})
	return f, nil
}

// newUIDValidity hands out a database-wide strictly increasing
// UIDVALIDITY, the current Unix time when that is larger than the last
// one, so that a folder made again under an old name never gets the old
// value back (RFC 3501 2.3.1.1).
func (w *wtx) newUIDValidity() (uint32, error) {
	var v int64
	err := w.queryRow(`UPDATE mailbox_dbs SET uidvalidity = GREATEST($2, uidvalidity + 1) WHERE id = $1
		RETURNING uidvalidity`, w.s.db, time.Now().Unix()).Scan(&v)
	if err != nil {
		return 0, mapErr(w.ctx, "uidvalidity", err)
	}
	if v > math.MaxUint32 {
		return 0, fmt.Errorf("pgstore: UIDVALIDITY space exhausted: %w", store.ErrTemporary)
	}
	return uint32(v), nil
}

// dropFolder deletes a folder, its messages and its expunge records, and
// releases their bodies.
func (w *wtx) dropFolder(f store.Folder) error {
	if _, err := w.exec(`SELECT 1 FROM mailbox_folders WHERE id = $1 FOR UPDATE`, f.ID); err != nil {
		return mapErr(w.ctx, "lock folder", err)
	}
	rows, err := w.Query(w.ctx, `DELETE FROM mailbox_messages WHERE folder = $1 RETURNING hash`, f.ID)
	if err != nil {
		return mapErr(w.ctx, "delete messages", err)
	}
	hashes, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		return mapErr(w.ctx, "delete messages", err)
	}
	if err := w.release(hashes); err != nil {
		return err
	}
	if _, err := w.exec(`DELETE FROM mailbox_folders WHERE id = $1`, f.ID); err != nil {
		return mapErr(w.ctx, "delete folder", err)
	}
	w.changes = append(w.changes, store.Change{Kind: store.ChangeFolder, Account: f.Account, Folder: f.ID, ModSeq: f.HighestModSeq})
	return nil
}

// isUnder reports whether name is below parent in the hierarchy.
func isUnder(name, parent string) bool {
	return strings.HasPrefix(name, parent+store.Separator)
}

package sqlite

import (
	"context"
	"fmt"

	"github.com/postern/postern/internal/store"
)

// RenameFolder implements store.Store. The folder keeps its ID, UIDs and
// UIDVALIDITY (UIDVALIDITY values are unique store-wide, so no stale cache
// of the new name can match). Renaming into the folder's own subtree is
// ErrInvalid; a target name (the folder's or a child's) that exists is
// ErrExists, as is the Inbox as target.
func (db *DB) RenameFolder(ctx context.Context, a store.AccountID, from, to string) error {
	from, err := store.CanonicalFolderName(from)
	if err != nil {
		return err
	}
	if to, err = store.CanonicalFolderName(to); err != nil {
		return err
	}
	if to == store.Inbox {
		return fmt.Errorf("sqlite: rename to the Inbox: %w", store.ErrExists)
	}
	if isUnder(to, from) {
		return fmt.Errorf("sqlite: rename %q into itself: %w", from, store.ErrInvalid)
	}
	return db.submit(ctx, &item{run: func(w *wtx) error {
		src, err := folderByName(context.Background(), w, a, from)
		if err != nil {
			return err
		}
		if from == store.Inbox {
			return w.renameInbox(src, to)
		}
		return w.renameTree(src, to)
	}})
}

// renameTree renames a folder and every folder below it.
func (w *wtx) renameTree(src store.Folder, to string) error {
	all, err := listFolders(context.Background(), w, src.Account)
	if err != nil {
		return err
	}
	if to == src.Name {
		return fmt.Errorf("sqlite: rename %q to itself: %w", to, store.ErrExists)
	}
	type move struct {
		id   store.FolderID
		name string
	}
	var moving []move
	staying := map[string]bool{}
	for _, f := range all {
		if f.ID == src.ID || isUnder(f.Name, src.Name) {
			moving = append(moving, move{f.ID, to + f.Name[len(src.Name):]})
		} else {
			staying[f.Name] = true
		}
	}
	for _, m := range moving {
		if staying[m.name] {
			return fmt.Errorf("sqlite: rename %q: %q exists: %w", src.Name, m.name, store.ErrExists)
		}
	}
	// A new name may be the old name of another moving folder ("a/b" to
	// "a" moves "a/b/b" to "a/b"), so first give every moving folder a
	// placeholder no real name can have (names have no control bytes).
	for _, m := range moving {
		if _, err := w.exec(`UPDATE folders SET name = ? WHERE id = ?`, fmt.Sprintf("\x00%d", m.id), m.id); err != nil {
			return errTemp("rename folder", err)
		}
	}
	for _, m := range moving {
		if _, err := w.exec(`UPDATE folders SET name = ? WHERE id = ?`, m.name, m.id); err != nil {
			return errTemp("rename folder", err)
		}
		w.changes = append(w.changes, store.Change{Kind: store.ChangeFolder, Account: src.Account, Folder: m.id})
	}
	return nil
}

// renameInbox moves every message of the Inbox into a new folder named to
// and leaves the Inbox empty, its UIDNEXT and UIDVALIDITY unchanged; the
// Inbox's children stay where they are (RFC 3501 6.3.5).
func (w *wtx) renameInbox(inbox store.Folder, to string) error {
	dst, err := w.createFolder(inbox.Account, to, false)
	if err != nil {
		return err
	}
	uids, err := w.allUIDs(inbox.ID)
	if err != nil {
		return err
	}
	_, _, err = w.move(inbox.ID, uids, dst.ID)
	return err
}

// allUIDs lists a folder's UIDs in ascending order.
func (w *wtx) allUIDs(f store.FolderID) ([]uint32, error) {
	rows, err := w.QueryContext(context.Background(), `SELECT uid FROM messages WHERE folder = ? ORDER BY uid`, f)
	if err != nil {
		return nil, errTemp("list uids", err)
	}
	defer rows.Close()
	var uids []uint32
	for rows.Next() {
		var uid int64
		if err := rows.Scan(&uid); err != nil {
			return nil, errTemp("list uids", err)
		}
		uids = append(uids, uint32(uid))
	}
	if err := rows.Err(); err != nil {
		return nil, errTemp("list uids", err)
	}
	return uids, nil
}

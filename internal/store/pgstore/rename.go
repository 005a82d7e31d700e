package pgstore

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/postern/postern/internal/store"
)

// RenameFolder implements store.Store, as the SQLite store does: the
// folder keeps its ID, UIDs and UIDVALIDITY; renaming into its own subtree
// is ErrInvalid; a target name that exists (the folder's or a child's, or
// the Inbox) is ErrExists. Renaming the Inbox moves its messages into a
// new folder.
func (s *Store) RenameFolder(ctx context.Context, a store.AccountID, from, to string) error {
	from, err := store.CanonicalFolderName(from)
	if err != nil {
		return err
	}
	if to, err = store.CanonicalFolderName(to); err != nil {
		return err
	}
	if to == store.Inbox {
		return fmt.Errorf("pgstore: rename to the Inbox: %w", store.ErrExists)
	}
	if isUnder(to, from) {
		return fmt.Errorf("pgstore: rename %q into itself: %w", from, store.ErrInvalid)
	}
	return s.write(ctx, func(w *wtx) error {
		src, err := s.folderByName(ctx, w, a, from)
		if err != nil {
			return err
		}
		if from == store.Inbox {
			return w.renameInbox(src, to)
		}
		return w.renameTree(src, to)
	})
}

// renameTree renames a folder and every folder below it.
func (w *wtx) renameTree(src store.Folder, to string) error {
	if to == src.Name {
		return fmt.Errorf("pgstore: rename %q to itself: %w", to, store.ErrExists)
	}
	all, err := w.s.listFolders(w.ctx, w, src.Account)
	if err != nil {
		return err
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
			return fmt.Errorf("pgstore: rename %q: %q exists: %w", src.Name, m.name, store.ErrExists)
		}
	}
	// A new name may be the old name of another moving folder, and the
	// unique constraint is checked row by row: first a placeholder no
	// real name can have (names have no control bytes; text no NUL).
	for _, m := range moving {
		if _, err := w.exec(`UPDATE mailbox_folders SET name = $1 WHERE id = $2`, fmt.Sprintf("\x01%d", m.id), m.id); err != nil {
			return mapErr(w.ctx, "rename folder", err)
		}
	}
	for _, m := range moving {
		if _, err := w.exec(`UPDATE mailbox_folders SET name = $1 WHERE id = $2`, m.name, m.id); err != nil {
			return mapErr(w.ctx, "rename folder", err)
		}
		w.changes = append(w.changes, store.Change{Kind: store.ChangeFolder, Account: src.Account, Folder: m.id})
	}
	return nil
}

// renameInbox moves every message of the Inbox into a new folder named to
// and leaves the Inbox empty, its UIDNEXT and UIDVALIDITY unchanged
// (RFC 3501 6.3.5).
func (w *wtx) renameInbox(inbox store.Folder, to string) error {
	dst, err := w.createFolder(inbox.Account, to, false)
	if err != nil {
		return err
	}
	rows, err := w.Query(w.ctx, `SELECT uid FROM mailbox_messages WHERE folder = $1 ORDER BY uid`, inbox.ID)
	if err != nil {
		return mapErr(w.ctx, "list uids", err)
	}
	all, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return mapErr(w.ctx, "list uids", err)
	}
	uids := make([]uint32, len(all))
	for i, u := range all {
		uids[i] = uint32(u)
	}
	_, _, err = w.move(inbox.ID, uids, dst.ID)
	return err
}

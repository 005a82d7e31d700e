package sqlite

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/postern/postern/internal/store"
)

// StoreFlags implements store.Store. It returns every existing message
// among uids, ascending, with its flags after the change. Messages whose
// flags do not change keep their mod-sequence; if none changes, nothing is
// published and HighestModSeq stays.
func (db *DB) StoreFlags(ctx context.Context, f store.FolderID, uids []uint32, op store.FlagOp, flags []string) ([]store.Message, error) {
	flags, err := store.CanonicalFlags(flags)
	if err != nil {
		return nil, err
	}
	if op != store.FlagsReplace && op != store.FlagsAdd && op != store.FlagsRemove {
		return nil, fmt.Errorf("sqlite: flag operation %d: %w", op, store.ErrInvalid)
	}
	uids = normUIDs(uids)
	var out []store.Message
	err = db.submit(ctx, &item{run: func(w *wtx) error {
		rows, err := w.storeFlags(f, uids, op, flags)
		out = out[:0]
		for _, m := range rows {
			out = append(out, m.message())
		}
		return err
	}})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (w *wtx) storeFlags(f store.FolderID, uids []uint32, op store.FlagOp, flags []string) ([]msgRow, error) {
	account, err := w.folderAccount(f)
	if err != nil {
		return nil, err
	}
	rows, err := w.rowsOf(f, uids)
	if err != nil {
		return nil, err
	}
	var changed []int
	unseen := 0
	for i, m := range rows {
		next := store.ApplyFlags(m.flags, op, flags)
		if slices.Equal(next, m.flags) {
			continue
		}
		was := m.seen()
		rows[i].flags = next
		switch now := rows[i].seen(); {
		case was && !now:
			unseen++
		case !was && now:
			unseen--
		}
		changed = append(changed, i)
	}
	if len(changed) == 0 {
		return rows, nil
	}
	var modseq uint64
	if err := w.queryRow(`UPDATE folders SET highestmodseq = highestmodseq + 1, unseen = unseen + ?
		WHERE id = ? RETURNING highestmodseq`, unseen, f).Scan(&modseq); err != nil {
		return nil, errTemp("raise modseq", err)
	}
	upd, err := w.prepared(`UPDATE messages SET flags = ?, seen = ?, modseq = ? WHERE folder = ? AND uid = ?`)
	if err != nil {
		return nil, errTemp("update flags", err)
	}
	changedUIDs := make([]uint32, 0, len(changed))
	for _, i := range changed {
		m := &rows[i]
		m.modseq = modseq
		if _, err := upd.Exec(strings.Join(m.flags, " "), m.seen(), modseq, f, m.uid); err != nil {
			return nil, errTemp("update flags", err)
		}
		changedUIDs = append(changedUIDs, m.uid)
	}
	w.changes = append(w.changes, store.Change{Kind: store.ChangeFlags, Account: account, Folder: f,
		UIDs: changedUIDs, ModSeq: modseq})
	return rows, nil
}

// Expunge implements store.Store. The removed UIDs come back ascending.
func (db *DB) Expunge(ctx context.Context, f store.FolderID, uids []uint32) ([]uint32, error) {
	uids = normUIDs(uids)
	var removed []uint32
	err := db.submit(ctx, &item{run: func(w *wtx) error {
		uids, blobs, err := w.remove(f, uids)
		removed = uids
		w.freed = append(w.freed, blobs...)
		return err
	}})
	if err != nil {
		return nil, err
	}
	return removed, nil
}

// remove deletes the messages of f among uids (sorted, unique), keeps the
// counts, records the change, and returns the UIDs removed and their blobs.
func (w *wtx) remove(f store.FolderID, uids []uint32) ([]uint32, []string, error) {
	account, err := w.folderAccount(f)
	if err != nil {
		return nil, nil, err
	}
	del, err := w.prepared(`DELETE FROM messages WHERE folder = ? AND uid = ? RETURNING blob, seen`)
	if err != nil {
		return nil, nil, errTemp("delete message", err)
	}
	removed, blobs, unseen := []uint32{}, []string(nil), 0
	for _, uid := range uids {
		var blob string
		var seen bool
		if err := del.QueryRow(f, uid).Scan(&blob, &seen); err != nil {
			if isNoRows(err) {
				continue
			}
			return nil, nil, errTemp("delete message", err)
		}
		removed, blobs = append(removed, uid), append(blobs, blob)
		if !seen {
			unseen++
		}
	}
	if len(removed) == 0 {
		return removed, nil, nil
	}
	// The new modseq names the expunge in the records; the floor below
	// which they are pruned follows it at ExpungeHistory's distance.
	var modseq, floor uint64
	if err := w.queryRow(`UPDATE folders SET highestmodseq = highestmodseq + 1,
		messages = messages - ?, unseen = unseen - ?,
		expunge_floor = MAX(expunge_floor, highestmodseq + 1 - ?)
		WHERE id = ? RETURNING highestmodseq, expunge_floor`,
		len(removed), unseen, w.history, f).Scan(&modseq, &floor); err != nil {
		return nil, nil, errTemp("raise modseq", err)
	}
	if _, err := w.exec(`DELETE FROM expunged WHERE folder = ? AND modseq <= ?`, f, floor); err != nil {
		return nil, nil, errTemp("prune expunge records", err)
	}
	rec, err := w.prepared(`INSERT INTO expunged (folder, modseq, uid) VALUES (?, ?, ?)`)
	if err != nil {
		return nil, nil, errTemp("record expunge", err)
	}
	for _, uid := range removed {
		if _, err := rec.Exec(f, modseq, uid); err != nil {
			return nil, nil, errTemp("record expunge", err)
		}
	}
	w.changes = append(w.changes, store.Change{Kind: store.ChangeExpunge, Account: account, Folder: f,
		UIDs: slices.Clone(removed), ModSeq: modseq})
	return removed, blobs, nil
}

// Copy implements store.Store. Flags and internal dates are kept; both
// folders must belong to one account (ErrInvalid otherwise).
func (db *DB) Copy(ctx context.Context, from store.FolderID, uids []uint32, to store.FolderID) (src, dst []uint32, err error) {
	return db.transfer(ctx, from, uids, to, (*wtx).copy)
}

// Move implements store.Store: copy and expunge in one commit. Moving
// within one folder gives the messages new UIDs there (as Dovecot's MOVE
// does): the copies are added, then the sources removed.
func (db *DB) Move(ctx context.Context, from store.FolderID, uids []uint32, to store.FolderID) (src, dst []uint32, err error) {
	return db.transfer(ctx, from, uids, to, (*wtx).move)
}

// transfer runs copy or move as one item. The closure keeps its results to
// itself until the commit, as the caller may have returned on ctx.
func (db *DB) transfer(ctx context.Context, from store.FolderID, uids []uint32, to store.FolderID,
	fn func(w *wtx, from store.FolderID, uids []uint32, to store.FolderID) ([]uint32, []uint32, error),
) ([]uint32, []uint32, error) {
	uids = normUIDs(uids)
	var src, dst []uint32
	err := db.submit(ctx, &item{run: func(w *wtx) error {
		s, d, err := fn(w, from, uids, to)
		src, dst = s, d
		return err
	}})
	if err != nil {
		return nil, nil, err
	}
	return src, dst, nil
}

func (w *wtx) copy(from store.FolderID, uids []uint32, to store.FolderID) (src, dst []uint32, err error) {
	fromAcct, err := w.folderAccount(from)
	if err != nil {
		return nil, nil, err
	}
	toAcct, err := w.folderAccount(to)
	if err != nil {
		return nil, nil, err
	}
	if fromAcct != toAcct {
		return nil, nil, fmt.Errorf("sqlite: copy between accounts %d and %d: %w", fromAcct, toAcct, store.ErrInvalid)
	}
	rows, err := w.rowsOf(from, uids)
	if err != nil || len(rows) == 0 {
		return []uint32{}, []uint32{}, err
	}
	added, err := w.add(to, rows)
	if err != nil {
		return nil, nil, err
	}
	src, dst = make([]uint32, len(rows)), make([]uint32, len(rows))
	for i := range rows {
		src[i], dst[i] = rows[i].uid, added[i].uid
	}
	return src, dst, nil
}

// move copies, then removes the sources. Their blobs stay referenced by
// the copies, so none is freed.
func (w *wtx) move(from store.FolderID, uids []uint32, to store.FolderID) (src, dst []uint32, err error) {
	if src, dst, err = w.copy(from, uids, to); err != nil || len(src) == 0 {
		return src, dst, err
	}
	if _, _, err := w.remove(from, src); err != nil {
		return nil, nil, err
	}
	return src, dst, nil
}

package pgstore

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/postern/postern/internal/store"
)

// StoreFlags implements store.Store: every existing message among uids,
// ascending, with its flags after the change. Messages whose flags do not
// change keep their mod-sequence; if none changes nothing is published.
func (s *Store) StoreFlags(ctx context.Context, f store.FolderID, uids []uint32, op store.FlagOp, flags []string) ([]store.Message, error) {
	flags, err := store.CanonicalFlags(flags)
	if err != nil {
		return nil, err
	}
	if op != store.FlagsReplace && op != store.FlagsAdd && op != store.FlagsRemove {
		return nil, fmt.Errorf("pgstore: flag operation %d: %w", op, store.ErrInvalid)
	}
	uids = normUIDs(uids)
	var out []store.Message
	err = s.write(ctx, func(w *wtx) error {
		rows, err := w.storeFlags(f, uids, op, flags)
		out = out[:0]
		for _, m := range rows {
			out = append(out, m.message())
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (w *wtx) storeFlags(f store.FolderID, uids []uint32, op store.FlagOp, flags []string) ([]msgRow, error) {
	accounts, err := w.lockFolders(f)
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
	var modseq int64
	if err := w.queryRow(`UPDATE mailbox_folders SET highest_modseq = highest_modseq + 1, unseen = unseen + $2
		WHERE id = $1 RETURNING highest_modseq`, f, unseen).Scan(&modseq); err != nil {
		return nil, mapErr(w.ctx, "raise modseq", err)
	}
	var cu []int64
	var cf []string
	var cs []bool
	changedUIDs := make([]uint32, 0, len(changed))
	for _, i := range changed {
		m := &rows[i]
		m.modseq = uint64(modseq)
		cu, cf, cs = append(cu, int64(m.uid)), append(cf, strings.Join(m.flags, " ")), append(cs, m.seen())
		changedUIDs = append(changedUIDs, m.uid)
	}
	_, err = w.exec(`UPDATE mailbox_messages m SET flags = c.flags, seen = c.seen, modseq = $2
		FROM unnest($3::bigint[], $4::text[], $5::bool[]) AS c(uid, flags, seen)
		WHERE m.folder = $1 AND m.uid = c.uid`, f, modseq, cu, cf, cs)
	if err != nil {
		return nil, mapErr(w.ctx, "update flags", err)
	}
	w.changes = append(w.changes, store.Change{Kind: store.ChangeFlags, Account: accounts[f], Folder: f,
		UIDs: changedUIDs, ModSeq: uint64(modseq)})
	return rows, nil
}

// Expunge implements store.Store. The removed UIDs come back ascending.
func (s *Store) Expunge(ctx context.Context, f store.FolderID, uids []uint32) ([]uint32, error) {
	uids = normUIDs(uids)
	var removed []uint32
	err := s.write(ctx, func(w *wtx) error {
		if _, err := w.lockFolders(f); err != nil {
			return err
		}
		var err error
		removed, err = w.remove(f, uids)
		return err
	})
	if err != nil {
		return nil, err
	}
	return removed, nil
}

// remove deletes the messages of f (locked) among uids, releases their
// bodies, keeps the counts, records the expunge (pruning the records
// more than the history below it), and records the change.
func (w *wtx) remove(f store.FolderID, uids []uint32) ([]uint32, error) {
	rows, err := w.Query(w.ctx, `DELETE FROM mailbox_messages WHERE folder = $1 AND uid = ANY($2)
		RETURNING uid, hash, seen`, f, int64s(uids))
	if err != nil {
		return nil, mapErr(w.ctx, "delete messages", err)
	}
	removed, hashes, unseen := []uint32{}, [][]byte(nil), 0
	var uid int64
	var hash []byte
	var seen bool
	_, err = pgx.ForEachRow(rows, []any{&uid, &hash, &seen}, func() error {
		removed, hashes = append(removed, uint32(uid)), append(hashes, hash)
		if !seen {
			unseen++
		}
		return nil
	})
	if err != nil {
		return nil, mapErr(w.ctx, "delete messages", err)
	}
	if len(removed) == 0 {
		return removed, nil
	}
	slices.Sort(removed)
	if err := w.release(hashes); err != nil {
		return nil, err
	}
	var account store.AccountID
	var modseq, floor int64
	if err := w.queryRow(`UPDATE mailbox_folders SET highest_modseq = highest_modseq + 1,
		messages = messages - $2, unseen = unseen - $3,
		expunge_floor = GREATEST(expunge_floor, highest_modseq + 1 - $4)
		WHERE id = $1 RETURNING account, highest_modseq, expunge_floor`,
		f, len(removed), unseen, w.s.history).Scan(&account, &modseq, &floor); err != nil {
		return nil, mapErr(w.ctx, "raise modseq", err)
	}
	if _, err := w.exec(`DELETE FROM mailbox_expunged WHERE folder = $1 AND modseq <= $2`, f, floor); err != nil {
		return nil, mapErr(w.ctx, "prune expunge records", err)
	}
	if _, err := w.exec(`INSERT INTO mailbox_expunged (folder, modseq, uid) SELECT $1, $2, u FROM unnest($3::bigint[]) AS u`,
		f, modseq, int64s(removed)); err != nil {
		return nil, mapErr(w.ctx, "record expunge", err)
	}
	w.changes = append(w.changes, store.Change{Kind: store.ChangeExpunge, Account: account, Folder: f,
		UIDs: slices.Clone(removed), ModSeq: uint64(modseq)})
	return removed, nil
}

// Copy implements store.Store. Flags and internal dates are kept; both
// folders must belong to one account (ErrInvalid otherwise).
func (s *Store) Copy(ctx context.Context, from store.FolderID, uids []uint32, to store.FolderID) (src, dst []uint32, err error) {
	return s.transfer(ctx, from, uids, to, (*wtx).copy)
}

// Move implements store.Store: copy and expunge in one commit. Moving
// within one folder gives the messages new UIDs there (as Dovecot's MOVE
// does): the copies are added, then the sources removed.
func (s *Store) Move(ctx context.Context, from store.FolderID, uids []uint32, to store.FolderID) (src, dst []uint32, err error) {
	return s.transfer(ctx, from, uids, to, (*wtx).move)
}

func (s *Store) transfer(ctx context.Context, from store.FolderID, uids []uint32, to store.FolderID,
	fn func(w *wtx, from store.FolderID, uids []uint32, to store.FolderID) ([]uint32, []uint32, error),
) ([]uint32, []uint32, error) {
	uids = normUIDs(uids)
	var src, dst []uint32
	err := s.write(ctx, func(w *wtx) error {
		var err error
		src, dst, err = fn(w, from, uids, to)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return src, dst, nil
}

func (w *wtx) copy(from store.FolderID, uids []uint32, to store.FolderID) (src, dst []uint32, err error) {
	accounts, err := w.lockFolders(from, to)
	if err != nil {
		return nil, nil, err
	}
	if accounts[from] != accounts[to] {
		return nil, nil, fmt.Errorf("pgstore: copy between accounts %d and %d: %w", accounts[from], accounts[to], store.ErrInvalid)
	}
	rows, err := w.rowsOf(from, uids)
	if err != nil || len(rows) == 0 {
		return []uint32{}, []uint32{}, err
	}
	hashes := make([][]byte, len(rows))
	for i, m := range rows {
		hashes[i] = m.hash
	}
	if err := w.reference(hashes); err != nil {
		return nil, nil, err
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

func (w *wtx) move(from store.FolderID, uids []uint32, to store.FolderID) (src, dst []uint32, err error) {
	if src, dst, err = w.copy(from, uids, to); err != nil || len(src) == 0 {
		return src, dst, err
	}
	if _, err := w.remove(from, src); err != nil {
		return nil, nil, err
	}
	return src, dst, nil
}

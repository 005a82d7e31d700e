package pgstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/postern/postern/internal/store"
)

// msgRow is one message row as the writes handle it.
type msgRow struct {
	uid    uint32
	modseq uint64
	size   int64
	date   int64 // Unix seconds
	offset int32 // zone offset, seconds east of UTC
	flags  []string
	hash   []byte
}

func (m msgRow) seen() bool { return store.HasFlag(m.flags, store.FlagSeen) }

func (m msgRow) message() store.Message {
	return store.Message{UID: m.uid, ModSeq: m.modseq, Size: m.size,
		InternalDate: dateOf(m.date, m.offset), Flags: slices.Clone(m.flags)}
}

// dateOf rebuilds an internal date with its original zone offset.
func dateOf(sec int64, offset int32) time.Time {
	if offset == 0 {
		return time.Unix(sec, 0).UTC()
	}
	return time.Unix(sec, 0).In(time.FixedZone("", int(offset)))
}

// dateFields splits an internal date for storage (second precision); zero
// means now.
func dateFields(t time.Time) (int64, int32) {
	if t.IsZero() {
		t = time.Now()
	}
	_, offset := t.Zone()
	return t.Unix(), int32(offset)
}

// blob is a body read for storing: its bytes, name and analysis.
type blob struct {
	data      []byte
	hash      []byte
	structure []byte
	text      *textDoc // nil: not indexed
}

// readBlob reads a body to EOF, names it and analyses it if the store has
// an analyser.
func (s *Store) readBlob(ctx context.Context, r io.Reader) (blob, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return blob{}, fmt.Errorf("pgstore: read message: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return blob{}, err
	}
	sum := sha256.Sum256(data)
	b := blob{data: data, hash: sum[:]}
	if s.opt.Analyze != nil {
		if b.structure, err = s.opt.Analyze(bytes.NewReader(data)); err != nil {
			return blob{}, fmt.Errorf("pgstore: analyse message: %w: %w", store.ErrTemporary, err)
		}
	}
	if s.text {
		b.text = textOf(b.data, b.structure)
	}
	return b, nil
}

// putBlob adds refs references to b's row, inserting it if the database
// has no row for these bytes. The plain UPDATE first spares sending bytes
// the database has; the upsert then settles a race with a transaction
// that drops the row meanwhile.
func (w *wtx) putBlob(b blob, refs int) error {
	tag, err := w.exec(`UPDATE mailbox_bodies SET refs = refs + $3, structure = COALESCE(structure, $4)
		WHERE db = $1 AND hash = $2`, w.s.db, b.hash, refs, b.structure)
	if err != nil {
		return mapErr(w.ctx, "reference body", err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	_, err = w.exec(`INSERT INTO mailbox_bodies AS b (db, hash, size, data, structure, refs)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (db, hash) DO UPDATE SET refs = b.refs + excluded.refs,
			structure = COALESCE(b.structure, excluded.structure)`,
		w.s.db, b.hash, len(b.data), b.data, b.structure, refs)
	if err != nil {
		return mapErr(w.ctx, "store body", err)
	}
	return w.keepText(b.hash, b.text)
}

// countHashes groups hashes for reference counting.
func countHashes(hashes [][]byte) ([][]byte, []int64) {
	n := map[string]int64{}
	for _, h := range hashes {
		n[string(h)]++
	}
	keys := make([]string, 0, len(n))
	for k := range n {
		keys = append(keys, k)
	}
	slices.Sort(keys) // one lock order for every transaction
	hs, cs := make([][]byte, len(keys)), make([]int64, len(keys))
	for i, k := range keys {
		hs[i], cs[i] = []byte(k), n[k]
	}
	return hs, cs
}

// reference adds one reference per entry of hashes (rows that exist).
func (w *wtx) reference(hashes [][]byte) error {
	if len(hashes) == 0 {
		return nil
	}
	hs, cs := countHashes(hashes)
	_, err := w.exec(`UPDATE mailbox_bodies b SET refs = b.refs + c.n
		FROM unnest($2::bytea[], $3::bigint[]) AS c(hash, n) WHERE b.db = $1 AND b.hash = c.hash`, w.s.db, hs, cs)
	if err != nil {
		return mapErr(w.ctx, "reference bodies", err)
	}
	return nil
}

// release drops one reference per entry of hashes and deletes the bodies
// left without any, in the same transaction.
func (w *wtx) release(hashes [][]byte) error {
	if len(hashes) == 0 {
		return nil
	}
	hs, cs := countHashes(hashes)
	_, err := w.exec(`UPDATE mailbox_bodies b SET refs = b.refs - c.n
		FROM unnest($2::bytea[], $3::bigint[]) AS c(hash, n) WHERE b.db = $1 AND b.hash = c.hash`, w.s.db, hs, cs)
	if err == nil {
		_, err = w.exec(`DELETE FROM mailbox_bodies WHERE db = $1 AND hash = ANY($2) AND refs <= 0`, w.s.db, hs)
	}
	if err != nil {
		return mapErr(w.ctx, "release bodies", err)
	}
	return nil
}

// Deliver implements store.Store: all or nothing, each account once, one
// body row shared.
func (s *Store) Deliver(ctx context.Context, to []store.AccountID, body io.Reader, date time.Time) ([]store.Delivered, error) {
	var accounts []int64
	for _, a := range to {
		if !slices.Contains(accounts, int64(a)) {
			accounts = append(accounts, int64(a))
		}
	}
	if len(accounts) == 0 {
		return nil, fmt.Errorf("pgstore: deliver to nobody: %w", store.ErrInvalid)
	}
	b, err := s.readBlob(ctx, body)
	if err != nil {
		return nil, err
	}
	sec, offset := dateFields(date)
	var out []store.Delivered
	unlock, err := s.inbox.lock(ctx, accounts)
	if err != nil {
		return nil, err
	}
	defer unlock()
	err = s.write(ctx, func(w *wtx) error {
		out = out[:0]
		rows, err := w.Query(ctx, `SELECT account, id FROM mailbox_folders
			WHERE db = $1 AND account = ANY($2) AND name = $3 ORDER BY id FOR UPDATE`, s.db, accounts, store.Inbox)
		if err != nil {
			return mapErr(ctx, "lock inboxes", err)
		}
		inbox := map[int64]store.FolderID{}
		var a int64
		var id store.FolderID
		_, err = pgx.ForEachRow(rows, []any{&a, &id}, func() error { inbox[a] = id; return nil })
		if err != nil {
			return mapErr(ctx, "lock inboxes", err)
		}
		for _, a := range accounts {
			if _, ok := inbox[a]; !ok {
				return fmt.Errorf("pgstore: account %d has no Inbox: %w", a, store.ErrNotFound)
			}
		}
		if err := w.putBlob(b, len(accounts)); err != nil {
			return err
		}
		for _, a := range accounts {
			m := msgRow{size: int64(len(b.data)), date: sec, offset: offset, flags: []string{}, hash: b.hash}
			added, err := w.add(inbox[a], []msgRow{m})
			if err != nil {
				return err
			}
			out = append(out, store.Delivered{Account: store.AccountID(a), Folder: inbox[a], UID: added[0].uid})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Append implements store.Store.
func (s *Store) Append(ctx context.Context, f store.FolderID, m store.NewMessage) (store.Message, error) {
	flags, err := store.CanonicalFlags(m.Flags)
	if err != nil {
		return store.Message{}, err
	}
	b, err := s.readBlob(ctx, m.Body)
	if err != nil {
		return store.Message{}, err
	}
	sec, offset := dateFields(m.InternalDate)
	row := msgRow{size: int64(len(b.data)), date: sec, offset: offset, flags: flags, hash: b.hash}
	var added []msgRow
	err = s.write(ctx, func(w *wtx) error {
		// The folder row, then the body row: the order of every write
		// (Expunge locks the folder, then releases bodies).
		if _, err := w.lockFolders(f); err != nil {
			return err
		}
		if err := w.putBlob(b, 1); err != nil {
			return err
		}
		added, err = w.add(f, []msgRow{row})
		return err
	})
	if err != nil {
		return store.Message{}, err
	}
	return added[0].message(), nil
}

// lockFolders locks the rows of the given folders of this database, in id
// order, and returns their accounts; a missing one is ErrNotFound.
func (w *wtx) lockFolders(ids ...store.FolderID) (map[store.FolderID]store.AccountID, error) {
	rows, err := w.Query(w.ctx, `SELECT id, account FROM mailbox_folders WHERE db = $1 AND id = ANY($2)
		ORDER BY id FOR UPDATE`, w.s.db, ids)
	if err != nil {
		return nil, mapErr(w.ctx, "lock folder", err)
	}
	out := map[store.FolderID]store.AccountID{}
	var id store.FolderID
	var a store.AccountID
	if _, err := pgx.ForEachRow(rows, []any{&id, &a}, func() error { out[id] = a; return nil }); err != nil {
		return nil, mapErr(w.ctx, "lock folder", err)
	}
	for _, id := range ids {
		if _, ok := out[id]; !ok {
			return nil, fmt.Errorf("pgstore: folder %d: %w", id, store.ErrNotFound)
		}
	}
	return out, nil
}

// add inserts rows into folder f (locked, bodies referenced) under fresh
// ascending UIDs and one new mod-sequence, keeps the counts, and records
// the change. One statement: the folder's counters raised, and the rows
// inserted under the UIDs they hand out.
func (w *wtx) add(f store.FolderID, rows []msgRow) ([]msgRow, error) {
	unseen := 0
	var sizes, dates []int64
	var offsets []int32
	var seen []bool
	var flags []string
	var hashes [][]byte
	for _, m := range rows {
		if !m.seen() {
			unseen++
		}
		sizes, dates, offsets = append(sizes, m.size), append(dates, m.date), append(offsets, m.offset)
		seen, flags, hashes = append(seen, m.seen()), append(flags, strings.Join(m.flags, " ")), append(hashes, m.hash)
	}
	n := len(rows)
	var account store.AccountID
	var first, modseq int64
	err := w.queryRow(`WITH f AS (
			UPDATE mailbox_folders SET uid_next = uid_next + $2, highest_modseq = highest_modseq + 1,
				messages = messages + $2, unseen = unseen + $3,
				recent_claim = COALESCE(recent_claim, uid_next - 1) WHERE db = $1 AND id = $4
			RETURNING account, uid_next - $2 AS first, highest_modseq),
		ins AS (
			INSERT INTO mailbox_messages (folder, uid, modseq, size, internal_date, date_offset, seen, flags, hash)
			SELECT $4, f.first + c.i - 1, f.highest_modseq, c.size, c.date, c.off, c.seen, c.flags, c.hash
			FROM f, unnest($5::bigint[], $6::bigint[], $7::int[], $8::bool[], $9::text[], $10::bytea[])
				WITH ORDINALITY AS c(size, date, off, seen, flags, hash, i))
		SELECT account, first, highest_modseq FROM f`,
		w.s.db, n, unseen, f, sizes, dates, offsets, seen, flags, hashes).Scan(&account, &first, &modseq)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("pgstore: folder %d: %w", f, store.ErrNotFound)
	}
	if err != nil {
		return nil, mapErr(w.ctx, "insert messages", err)
	}
	if first+int64(n)-1 > math.MaxUint32 {
		return nil, fmt.Errorf("pgstore: folder %d: UID space exhausted: %w", f, store.ErrOverQuota)
	}
	out := make([]msgRow, n)
	uids := make([]uint32, n)
	for i, m := range rows {
		m.uid, m.modseq = uint32(first)+uint32(i), uint64(modseq)
		out[i], uids[i] = m, m.uid
	}
	w.changes = append(w.changes, store.Change{Kind: store.ChangeNew, Account: account, Folder: f, UIDs: uids, ModSeq: uint64(modseq)})
	return out, nil
}

// rowsOf reads the messages of f among uids, ascending, skipping the
// missing ones.
func (w *wtx) rowsOf(f store.FolderID, uids []uint32) ([]msgRow, error) {
	rows, err := w.Query(w.ctx, `SELECT uid, modseq, size, internal_date, date_offset, flags, hash
		FROM mailbox_messages WHERE folder = $1 AND uid = ANY($2) ORDER BY uid`, f, int64s(uids))
	if err != nil {
		return nil, mapErr(w.ctx, "read messages", err)
	}
	var out []msgRow
	var m msgRow
	var uid, modseq int64
	var flags string
	_, err = pgx.ForEachRow(rows, []any{&uid, &modseq, &m.size, &m.date, &m.offset, &flags, &m.hash}, func() error {
		m.uid, m.modseq, m.flags = uint32(uid), uint64(modseq), strings.Fields(flags)
		out = append(out, m)
		return nil
	})
	if err != nil {
		return nil, mapErr(w.ctx, "read messages", err)
	}
	return out, nil
}

func int64s(uids []uint32) []int64 {
	out := make([]int64, len(uids))
	for i, u := range uids {
		out[i] = int64(u)
	}
	return out
}

// normUIDs returns uids sorted, without duplicates and without 0.
func normUIDs(uids []uint32) []uint32 {
	out := slices.Clone(uids)
	slices.Sort(out)
	out = slices.Compact(out)
	if len(out) > 0 && out[0] == 0 {
		out = out[1:]
	}
	return out
}

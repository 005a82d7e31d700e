package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/postern/postern/internal/store"
)

// msgRow is one message row as the writer handles it.
type msgRow struct {
	uid    uint32
	modseq uint64
	size   int64
	date   int64 // Unix seconds
	offset int   // zone offset, seconds east of UTC
	flags  []string
	blob   string
}

func (m msgRow) seen() bool { return store.HasFlag(m.flags, store.FlagSeen) }

func (m msgRow) message() store.Message {
	return store.Message{UID: m.uid, ModSeq: m.modseq, Size: m.size,
		InternalDate: dateOf(m.date, m.offset), Flags: slices.Clone(m.flags)}
}

// dateOf rebuilds an internal date with its original zone offset.
func dateOf(sec int64, offset int) time.Time {
	if offset == 0 {
		return time.Unix(sec, 0).UTC()
	}
	return time.Unix(sec, 0).In(time.FixedZone("", offset))
}

// dateFields splits an internal date for storage (second precision, as
// IMAP has it); zero means now.
func dateFields(t time.Time) (sec int64, offset int) {
	if t.IsZero() {
		t = time.Now()
	}
	_, offset = t.Zone()
	return t.Unix(), offset
}

// Deliver implements store.Store. Each account is delivered to once even
// if listed twice. Delivery is all or nothing: an account without an Inbox
// fails the whole call with ErrNotFound.
func (db *DB) Deliver(ctx context.Context, to []store.AccountID, body io.Reader, date time.Time) ([]store.Delivered, error) {
	var accounts []store.AccountID
	for _, a := range to {
		if !slices.Contains(accounts, a) {
			accounts = append(accounts, a)
		}
	}
	if len(accounts) == 0 {
		return nil, fmt.Errorf("sqlite: deliver to nobody: %w", store.ErrInvalid)
	}
	ref, err := db.blobs.put(ctx, body)
	if err != nil {
		return nil, err
	}
	doc := db.textOf(ref)
	sec, offset := dateFields(date)
	var out []store.Delivered
	err = db.submit(ctx, &item{pins: []string{ref.hash}, run: func(w *wtx) error {
		out = out[:0]
		if err := w.keepStructure(ref); err != nil {
			return err
		}
		if err := w.keepText(ref.hash, doc); err != nil {
			return err
		}
		for _, a := range accounts {
			inbox, err := folderByName(context.Background(), w, a, store.Inbox)
			if err != nil {
				return err
			}
			m := msgRow{size: ref.size, date: sec, offset: offset, flags: []string{}, blob: ref.hash}
			added, err := w.add(inbox.ID, []msgRow{m})
			if err != nil {
				return err
			}
			out = append(out, store.Delivered{Account: a, Folder: inbox.ID, UID: added[0].uid})
		}
		return nil
	}})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Append implements store.Store.
func (db *DB) Append(ctx context.Context, f store.FolderID, m store.NewMessage) (store.Message, error) {
	flags, err := store.CanonicalFlags(m.Flags)
	if err != nil {
		return store.Message{}, err
	}
	ref, err := db.blobs.put(ctx, m.Body)
	if err != nil {
		return store.Message{}, err
	}
	doc := db.textOf(ref)
	sec, offset := dateFields(m.InternalDate)
	row := msgRow{size: ref.size, date: sec, offset: offset, flags: flags, blob: ref.hash}
	var added []msgRow
	err = db.submit(ctx, &item{pins: []string{ref.hash}, run: func(w *wtx) error {
		if err := w.keepStructure(ref); err != nil {
			return err
		}
		if err := w.keepText(ref.hash, doc); err != nil {
			return err
		}
		rows, err := w.add(f, []msgRow{row})
		added = rows
		return err
	}})
	if err != nil {
		return store.Message{}, err
	}
	return added[0].message(), nil
}

// add inserts rows into folder f under fresh, ascending UIDs and one new
// mod-sequence, keeps the folder's counts, and records the change. It
// returns the rows as stored.
func (w *wtx) add(f store.FolderID, rows []msgRow) ([]msgRow, error) {
	unseen := 0
	for _, m := range rows {
		if !m.seen() {
			unseen++
		}
	}
	var account store.AccountID
	var first int64
	var modseq uint64
	err := w.queryRow(`UPDATE folders SET uidnext = uidnext + ?, highestmodseq = highestmodseq + 1,
		messages = messages + ?, unseen = unseen + ? WHERE id = ?
		RETURNING account, uidnext - ?, highestmodseq`,
		len(rows), len(rows), unseen, f, len(rows)).Scan(&account, &first, &modseq)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlite: folder %d: %w", f, store.ErrNotFound)
	}
	if err != nil {
		return nil, errTemp("allocate uids", err)
	}
	if first+int64(len(rows))-1 > math.MaxUint32 {
		return nil, fmt.Errorf("sqlite: folder %d: UID space exhausted: %w", f, store.ErrOverQuota)
	}
	ins, err := w.prepared(`INSERT INTO messages
		(folder, uid, modseq, size, internal_date, date_offset, seen, flags, blob)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return nil, errTemp("insert message", err)
	}
	out := make([]msgRow, len(rows))
	uids := make([]uint32, len(rows))
	for i, m := range rows {
		m.uid, m.modseq = uint32(first)+uint32(i), modseq
		if _, err := ins.Exec(f, m.uid, m.modseq, m.size, m.date, m.offset, m.seen(),
			strings.Join(m.flags, " "), m.blob); err != nil {
			return nil, errTemp("insert message", err)
		}
		out[i], uids[i] = m, m.uid
	}
	w.changes = append(w.changes, store.Change{Kind: store.ChangeNew, Account: account, Folder: f,
		UIDs: uids, ModSeq: modseq})
	return out, nil
}

// folderAccount checks that a folder exists and returns its account.
func (w *wtx) folderAccount(f store.FolderID) (store.AccountID, error) {
	var a store.AccountID
	err := w.queryRow(`SELECT account FROM folders WHERE id = ?`, f).Scan(&a)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("sqlite: folder %d: %w", f, store.ErrNotFound)
	}
	if err != nil {
		return 0, errTemp("read folder", err)
	}
	return a, nil
}

// rowsOf reads the messages of f among uids (sorted, unique), skipping
// the missing ones.
func (w *wtx) rowsOf(f store.FolderID, uids []uint32) ([]msgRow, error) {
	sel, err := w.prepared(`SELECT modseq, size, internal_date, date_offset, flags, blob
		FROM messages WHERE folder = ? AND uid = ?`)
	if err != nil {
		return nil, errTemp("read message", err)
	}
	var out []msgRow
	for _, uid := range uids {
		m := msgRow{uid: uid}
		var flags string
		err := sel.QueryRow(f, uid).Scan(&m.modseq, &m.size, &m.date, &m.offset, &flags, &m.blob)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, errTemp("read message", err)
		}
		m.flags = strings.Fields(flags)
		out = append(out, m)
	}
	return out, nil
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

// keepStructure stores a blob's analysis, if it has one and the blob has
// none yet.
func (w *wtx) keepStructure(ref blobRef) error {
	return w.putStructure(ref, `INSERT INTO structures (blob, data) VALUES (?, ?) ON CONFLICT (blob) DO NOTHING`)
}

// replaceStructure keeps ref's analysis in place of any kept before.
func (w *wtx) replaceStructure(ref blobRef) error {
	return w.putStructure(ref, `INSERT INTO structures (blob, data) VALUES (?, ?) ON CONFLICT (blob) DO UPDATE SET data = excluded.data`)
}

func (w *wtx) putStructure(ref blobRef, query string) error {
	if ref.structure == nil {
		return nil
	}
	ins, err := w.prepared(query)
	if err == nil {
		_, err = ins.Exec(ref.hash, ref.structure)
	}
	if err != nil {
		return errTemp("keep structure", err)
	}
	return nil
}

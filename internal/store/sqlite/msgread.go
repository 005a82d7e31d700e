package sqlite

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/postern/postern/internal/store"
)

// Messages implements store.Store. It reads one snapshot: the folder check
// and the listing see the same commit.
func (db *DB) Messages(ctx context.Context, f store.FolderID) ([]store.Message, error) {
	_, msgs, err := db.Changes(ctx, f, 0)
	return msgs, err
}

// Changes implements store.Store. Every message's ModSeq is at least 1:
// each commit raises the folder's HighestModSeq before using it.
func (db *DB) Changes(ctx context.Context, f store.FolderID, since uint64) (store.Folder, []store.Message, error) {
	folder, out, _, _, err := db.changes(ctx, f, since, false)
	return folder, out, err
}

// ChangesExpunged implements store.ExpungeLister. Each expunge records
// the UIDs it removed with its modseq, in its transaction, and prunes
// the folder's records of commits ExpungeHistory or more below it,
// raising the folder's expunge_floor: the records are complete above the
// floor, so a since at or above it is answered from them, one below it
// (a reader more than ExpungeHistory mod-sequences behind the last
// expunge, or one whose view predates the records) is not named.
func (db *DB) ChangesExpunged(ctx context.Context, f store.FolderID, since uint64) (store.Folder, []store.Message, []uint32, bool, error) {
	return db.changes(ctx, f, since, true)
}

func (db *DB) changes(ctx context.Context, f store.FolderID, since uint64, withExpunged bool) (store.Folder, []store.Message, []uint32, bool, error) {
	tx, err := db.rdb.BeginTx(ctx, nil)
	if err != nil {
		return store.Folder{}, nil, nil, false, readErr(ctx, "begin read", err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only
	r := reader{db: db, tx: tx}
	folder, err := folderByID(ctx, r, f)
	if err != nil {
		return folder, nil, nil, false, err
	}
	out := []store.Message{}
	if since >= folder.HighestModSeq {
		return folder, out, nil, true, nil // nothing changed: no need to scan
	}
	var expunged []uint32
	named := true
	if withExpunged && since > 0 {
		if expunged, named, err = readExpunged(ctx, r, f, since); err != nil {
			return folder, nil, nil, false, err
		}
	}
	// The changes since a modseq come through the messages_modseq index,
	// at a cost in their number; the whole folder (since 0) in UID order
	// through the primary key, with nothing to sort.
	q, args := `SELECT uid, modseq, size, internal_date, date_offset, flags
		FROM messages WHERE folder = ? AND modseq > ? ORDER BY uid`, []any{f, since}
	if since == 0 {
		q, args = `SELECT uid, modseq, size, internal_date, date_offset, flags
		FROM messages WHERE folder = ? ORDER BY uid`, args[:1]
	}
	rows, err := r.QueryContext(ctx, q, args...)
	if err != nil {
		return folder, nil, nil, false, readErr(ctx, "list messages", err)
	}
	defer rows.Close()
	for rows.Next() {
		var m msgRow
		var uid int64
		var flags string
		if err := rows.Scan(&uid, &m.modseq, &m.size, &m.date, &m.offset, &flags); err != nil {
			return folder, nil, nil, false, readErr(ctx, "list messages", err)
		}
		m.uid, m.flags = uint32(uid), strings.Fields(flags)
		out = append(out, m.message())
	}
	if err := rows.Err(); err != nil {
		return folder, nil, nil, false, readErr(ctx, "list messages", err)
	}
	return folder, out, expunged, named, nil
}

// readExpunged reads, in r's snapshot, the UIDs expunged from f above
// since, ascending; named is false if the records do not reach since.
func readExpunged(ctx context.Context, r reader, f store.FolderID, since uint64) (uids []uint32, named bool, err error) {
	var floor uint64
	if err := r.QueryRowContext(ctx, `SELECT expunge_floor FROM folders WHERE id = ?`, f).Scan(&floor); err != nil {
		return nil, false, readErr(ctx, "read expunge floor", err)
	}
	if since < floor {
		return nil, false, nil
	}
	rows, err := r.QueryContext(ctx, `SELECT uid FROM expunged WHERE folder = ? AND modseq > ?`, f, since)
	if err != nil {
		return nil, false, readErr(ctx, "list expunged", err)
	}
	defer rows.Close()
	for rows.Next() {
		var uid int64
		if err := rows.Scan(&uid); err != nil {
			return nil, false, readErr(ctx, "list expunged", err)
		}
		uids = append(uids, uint32(uid))
	}
	if err := rows.Err(); err != nil {
		return nil, false, readErr(ctx, "list expunged", err)
	}
	slices.Sort(uids)
	return uids, true, nil
}

// Open implements store.Store. A UID below the folder's UIDNEXT that has no
// row is ErrExpunged; any other missing UID, or a missing folder, is
// ErrNotFound. The returned Body stays readable if the message is expunged
// while it is open.
func (db *DB) Open(ctx context.Context, f store.FolderID, uid uint32) (store.Body, error) {
	var blob string
	var size int64
	err := reader{db: db}.QueryRowContext(ctx, `SELECT blob, size FROM messages WHERE folder = ? AND uid = ?`,
		f, uid).Scan(&blob, &size)
	if isNoRows(err) {
		return nil, db.whyMissing(ctx, f, uid)
	}
	if err != nil {
		return nil, readErr(ctx, "find message", err)
	}
	file, err := db.openMessage(ctx, f, uid, blob, size)
	if err != nil {
		return nil, err
	}
	return &body{f: file, size: size}, nil
}

// openMessage opens the file of a message whose row was read: a missing
// file is an expunge made since (the row is gone) or damage (it is not);
// one of another size, or not a file, is damage.
func (db *DB) openMessage(ctx context.Context, f store.FolderID, uid uint32, blob string, size int64) (*os.File, error) {
	file, err := db.blobs.openChecked(blob, size)
	if errors.Is(err, fs.ErrNotExist) {
		var still int
		err := reader{db: db}.QueryRowContext(ctx, `SELECT 1 FROM messages WHERE folder = ? AND uid = ?`, f, uid).Scan(&still)
		if isNoRows(err) {
			return nil, db.whyMissing(ctx, f, uid)
		}
		if err != nil {
			return nil, readErr(ctx, "find message", err)
		}
		return nil, fmt.Errorf("sqlite: message %d in folder %d: file %s is missing: %w", uid, f, db.blobs.path(blob), store.ErrDamaged)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: message %d in folder %d: %w", uid, f, err)
	}
	return file, nil
}

// whyMissing tells an expunged message from one that never existed.
func (db *DB) whyMissing(ctx context.Context, f store.FolderID, uid uint32) error {
	var next int64
	err := reader{db: db}.QueryRowContext(ctx, `SELECT uidnext FROM folders WHERE id = ?`, f).Scan(&next)
	switch {
	case isNoRows(err):
		return fmt.Errorf("sqlite: folder %d: %w", f, store.ErrNotFound)
	case err != nil:
		return readErr(ctx, "read folder", err)
	case uid > 0 && int64(uid) < next:
		return fmt.Errorf("sqlite: message %d in folder %d: %w", uid, f, store.ErrExpunged)
	}
	return fmt.Errorf("sqlite: message %d in folder %d: %w", uid, f, store.ErrNotFound)
}

// body is an open blob. Read streams from the start; ReadAt serves partial
// fetches without moving the stream.
type body struct {
	f    *os.File
	size int64
}

func (b *body) Read(p []byte) (int, error)              { return b.f.Read(p) }
func (b *body) ReadAt(p []byte, off int64) (int, error) { return b.f.ReadAt(p, off) }
func (b *body) Size() int64                             { return b.size }
func (b *body) Close() error                            { return b.f.Close() }

package sqlite

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
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
	tx, err := db.rdb.BeginTx(ctx, nil)
	if err != nil {
		return store.Folder{}, nil, readErr(ctx, "begin read", err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only
	r := reader{db: db, tx: tx}
	folder, err := folderByID(ctx, r, f)
	if err != nil {
		return folder, nil, err
	}
	out := []store.Message{}
	if since >= folder.HighestModSeq {
		return folder, out, nil // nothing changed: no need to scan
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
		return folder, nil, readErr(ctx, "list messages", err)
	}
	defer rows.Close()
	for rows.Next() {
		var m msgRow
		var uid int64
		var flags string
		if err := rows.Scan(&uid, &m.modseq, &m.size, &m.date, &m.offset, &flags); err != nil {
			return folder, nil, readErr(ctx, "list messages", err)
		}
		m.uid, m.flags = uint32(uid), strings.Fields(flags)
		out = append(out, m.message())
	}
	if err := rows.Err(); err != nil {
		return folder, nil, readErr(ctx, "list messages", err)
	}
	return folder, out, nil
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

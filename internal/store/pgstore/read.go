package pgstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/postern/postern/internal/store"
)

// snapshot runs fn in a read-only REPEATABLE READ transaction: every query
// in it sees one commit. Reads need no lease.
func (s *Store) snapshot(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return mapErr(ctx, "begin read", err)
	}
	defer tx.Rollback(context.Background()) //nolint:errcheck // read-only
	return fn(tx)
}

// Messages implements store.Store.
func (s *Store) Messages(ctx context.Context, f store.FolderID) ([]store.Message, error) {
	_, msgs, err := s.Changes(ctx, f, 0)
	return msgs, err
}

// Changes implements store.Store.
func (s *Store) Changes(ctx context.Context, f store.FolderID, since uint64) (store.Folder, []store.Message, error) {
	folder, out, _, _, err := s.changes(ctx, f, since, false)
	return folder, out, err
}

// ChangesExpunged implements store.ExpungeLister, as the SQLite store
// does: each expunge records its UIDs with its modseq and prunes the
// records more than 10,000 mod-sequences below, raising the folder's
// expunge_floor; a since below the floor is not named.
func (s *Store) ChangesExpunged(ctx context.Context, f store.FolderID, since uint64) (store.Folder, []store.Message, []uint32, bool, error) {
	return s.changes(ctx, f, since, true)
}

func (s *Store) changes(ctx context.Context, f store.FolderID, since uint64, withExpunged bool) (folder store.Folder, out []store.Message, expunged []uint32, named bool, err error) {
	err = s.snapshot(ctx, func(tx pgx.Tx) error {
		if folder, err = s.folderByID(ctx, tx, f); err != nil {
			return err
		}
		out, named = []store.Message{}, true
		if since >= folder.HighestModSeq {
			return nil
		}
		if withExpunged && since > 0 {
			if expunged, named, err = readExpunged(ctx, tx, f, since); err != nil {
				return err
			}
		}
		rows, err := tx.Query(ctx, `SELECT uid, modseq, size, internal_date, date_offset, flags
			FROM mailbox_messages WHERE folder = $1 AND modseq > $2 ORDER BY uid`, f, int64(since))
		if err != nil {
			return mapErr(ctx, "list messages", err)
		}
		var m msgRow
		var uid, modseq int64
		var flags string
		_, err = pgx.ForEachRow(rows, []any{&uid, &modseq, &m.size, &m.date, &m.offset, &flags}, func() error {
			m.uid, m.modseq, m.flags = uint32(uid), uint64(modseq), strings.Fields(flags)
			out = append(out, m.message())
			return nil
		})
		if err != nil {
			return mapErr(ctx, "list messages", err)
		}
		return nil
	})
	if err != nil {
		return store.Folder{}, nil, nil, false, err
	}
	return folder, out, expunged, named, nil
}

// readExpunged reads the UIDs expunged from f above since, ascending;
// named is false if the records do not reach since.
func readExpunged(ctx context.Context, tx pgx.Tx, f store.FolderID, since uint64) ([]uint32, bool, error) {
	var floor int64
	if err := tx.QueryRow(ctx, `SELECT expunge_floor FROM mailbox_folders WHERE id = $1`, f).Scan(&floor); err != nil {
		return nil, false, mapErr(ctx, "read expunge floor", err)
	}
	if int64(since) < floor {
		return nil, false, nil
	}
	rows, err := tx.Query(ctx, `SELECT uid FROM mailbox_expunged WHERE folder = $1 AND modseq > $2 ORDER BY uid`, f, int64(since))
	if err != nil {
		return nil, false, mapErr(ctx, "list expunged", err)
	}
	all, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, false, mapErr(ctx, "list expunged", err)
	}
	var uids []uint32
	for _, u := range all {
		uids = append(uids, uint32(u))
	}
	return uids, true, nil
}

// Open implements store.Store. A UID below the folder's UIDNEXT without a
// row is ErrExpunged; any other missing UID, or a missing folder,
// ErrNotFound. The body is read whole: it stays readable after an
// expunge.
func (s *Store) Open(ctx context.Context, f store.FolderID, uid uint32) (store.Body, error) {
	var data []byte
	var size int64
	err := s.pool.QueryRow(ctx, `SELECT b.data, m.size FROM mailbox_messages m
		JOIN mailbox_folders fo ON fo.id = m.folder AND fo.db = $1
		JOIN mailbox_bodies b ON b.db = $1 AND b.hash = m.hash
		WHERE m.folder = $2 AND m.uid = $3`, s.db, f, int64(uid)).Scan(&data, &size)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, s.whyMissing(ctx, f, uid)
	}
	if err != nil {
		return nil, mapErr(ctx, "read message", err)
	}
	if int64(len(data)) != size {
		return nil, fmt.Errorf("pgstore: message %d in folder %d: %d bytes stored, %d listed: %w", uid, f, len(data), size, store.ErrDamaged)
	}
	return &body{Reader: bytes.NewReader(data)}, nil
}

// whyMissing tells an expunged message from one that never existed.
func (s *Store) whyMissing(ctx context.Context, f store.FolderID, uid uint32) error {
	var next int64
	err := s.pool.QueryRow(ctx, `SELECT uid_next FROM mailbox_folders WHERE db = $1 AND id = $2`, s.db, f).Scan(&next)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("pgstore: folder %d: %w", f, store.ErrNotFound)
	case err != nil:
		return mapErr(ctx, "read folder", err)
	case uid > 0 && int64(uid) < next:
		return fmt.Errorf("pgstore: message %d in folder %d: %w", uid, f, store.ErrExpunged)
	}
	return fmt.Errorf("pgstore: message %d in folder %d: %w", uid, f, store.ErrNotFound)
}

// body is a message read into memory.
type body struct{ *bytes.Reader }

func (b *body) Close() error { return nil }

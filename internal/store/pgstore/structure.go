package pgstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/postern/postern/internal/store"
)

// current reports whether data is a kept analysis in the current form.
func (s *Store) current(data []byte) bool {
	return data != nil && (s.opt.AnalysisCurrent == nil || s.opt.AnalysisCurrent(data))
}

// Structure implements store.Store: the analysis kept with the message's
// body, or, for a body without one (or one in a form no longer current),
// the analysis made now and kept. If keeping it fails (the lease was
// lost), the analysis is still returned and the failure logged.
func (s *Store) Structure(ctx context.Context, f store.FolderID, uid uint32) ([]byte, error) {
	if s.opt.Analyze == nil {
		return nil, fmt.Errorf("pgstore: no analyser: %w", store.ErrInvalid)
	}
	var hash, kept []byte
	err := s.pool.QueryRow(ctx, `SELECT m.hash, b.structure FROM mailbox_messages m
		JOIN mailbox_folders fo ON fo.id = m.folder AND fo.db = $1
		JOIN mailbox_bodies b ON b.db = $1 AND b.hash = m.hash
		WHERE m.folder = $2 AND m.uid = $3`, s.db, f, int64(uid)).Scan(&hash, &kept)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, s.whyMissing(ctx, f, uid)
	}
	if err != nil {
		return nil, mapErr(ctx, "read structure", err)
	}
	if s.current(kept) {
		return kept, nil
	}
	b, err := s.Open(ctx, f, uid)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	data, err := s.opt.Analyze(b)
	if err != nil {
		return nil, fmt.Errorf("pgstore: analyse message: %w: %w", store.ErrTemporary, err)
	}
	err = s.write(ctx, func(w *wtx) error {
		if _, err := w.exec(`UPDATE mailbox_bodies SET structure = $3 WHERE db = $1 AND hash = $2`, s.db, hash, data); err != nil {
			return mapErr(ctx, "keep structure", err)
		}
		return nil
	})
	if errors.Is(err, ErrLeaseLost) {
		s.log.Warn("structure not kept", "folder", f, "uid", uid, "err", err)
		return data, nil
	}
	if err != nil {
		return nil, err
	}
	return data, nil
}

// Structures implements store.StructureBatcher: the kept analyses of the
// wanted messages, in one query; nil for a message without a current one.
func (s *Store) Structures(ctx context.Context, f store.FolderID, uids []uint32) (map[uint32][]byte, error) {
	want := slices.Clone(uids)
	slices.Sort(want)
	want = slices.Compact(want)
	out := make(map[uint32][]byte, len(want))
	if len(want) == 0 {
		return out, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT m.uid, b.structure FROM mailbox_messages m
		JOIN mailbox_folders fo ON fo.id = m.folder AND fo.db = $1
		JOIN mailbox_bodies b ON b.db = $1 AND b.hash = m.hash
		WHERE m.folder = $2 AND m.uid = ANY($3)`, s.db, f, int64s(want))
	if err != nil {
		return nil, mapErr(ctx, "read structures", err)
	}
	var uid int64
	var data []byte
	_, err = pgx.ForEachRow(rows, []any{&uid, &data}, func() error {
		if s.current(data) {
			out[uint32(uid)] = bytes.Clone(data)
		} else {
			out[uint32(uid)] = nil
		}
		return nil
	})
	if err != nil {
		return nil, mapErr(ctx, "read structures", err)
	}
	return out, nil
}

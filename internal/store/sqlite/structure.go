package sqlite

import (
	"context"
	"fmt"

	"github.com/postern/postern/internal/store"
)

// Structure implements store.Store: the analysis kept with the message's
// bytes, or, for bytes stored before there was one, the analysis made now
// and kept.
func (db *DB) Structure(ctx context.Context, f store.FolderID, uid uint32) ([]byte, error) {
	if db.opt.Analyze == nil {
		return nil, fmt.Errorf("sqlite: no analyser: %w", store.ErrInvalid)
	}
	var blob string
	var data []byte
	err := db.rdb.QueryRowContext(ctx, `SELECT m.blob, s.data FROM messages m
		LEFT JOIN structures s ON s.blob = m.blob WHERE m.folder = ? AND m.uid = ?`, f, uid).Scan(&blob, &data)
	if isNoRows(err) {
		return nil, db.whyMissing(ctx, f, uid)
	}
	if err != nil {
		return nil, readErr(ctx, "read structure", err)
	}
	if data != nil {
		return data, nil
	}
	file, err := db.blobs.open(blob)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	if data, err = db.opt.Analyze(file); err != nil {
		return nil, errTemp("analyse message", err)
	}
	// Keep it for next time; losing the race with an expunge is harmless.
	ref := blobRef{hash: blob, structure: data}
	err = db.submit(ctx, &item{run: func(w *wtx) error {
		var one int
		if w.queryRow(`SELECT 1 FROM messages WHERE blob = ? LIMIT 1`, blob).Scan(&one) != nil {
			return nil
		}
		return w.keepStructure(ref)
	}})
	return data, err
}

package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/postern/postern/internal/store"
)

// Structure implements store.Store: the analysis kept with the message's
// bytes, or, for bytes stored before there was one or kept in a form the
// analyser no longer writes, the analysis made now and kept.
func (db *DB) Structure(ctx context.Context, f store.FolderID, uid uint32) ([]byte, error) {
	if db.opt.Analyze == nil {
		return nil, fmt.Errorf("sqlite: no analyser: %w", store.ErrInvalid)
	}
	var blob string
	r := reader{db: db}
	var size int64
	err := r.QueryRowContext(ctx, `SELECT blob, size FROM messages WHERE folder = ? AND uid = ?`, f, uid).Scan(&blob, &size)
	if isNoRows(err) {
		return nil, db.whyMissing(ctx, f, uid)
	}
	if err != nil {
		return nil, readErr(ctx, "read structure", err)
	}
	data, err := db.keptStructure(ctx, r, blob)
	if err != nil {
		return nil, err
	}
	if data != nil {
		return data, nil
	}
	file, err := db.openMessage(ctx, f, uid, blob, size)
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
		return w.replaceStructure(ref)
	}})
	return data, err
}

// current reports whether data is a kept analysis in the current form.
func (db *DB) current(data []byte) bool {
	return data != nil && (db.opt.AnalysisCurrent == nil || db.opt.AnalysisCurrent(data))
}

// keptStructure returns blob's kept analysis in the current form, from
// the cache or the table (then cached), or nil if there is none.
func (db *DB) keptStructure(ctx context.Context, q querier, blob string) ([]byte, error) {
	if data, ok := db.sc.get(blob); ok && db.current(data) {
		return data, nil
	}
	var data []byte
	err := q.QueryRowContext(ctx, `SELECT data FROM structures WHERE blob = ?`, blob).Scan(&data)
	if err != nil && !isNoRows(err) {
		return nil, readErr(ctx, "read structure", err)
	}
	if !db.current(data) {
		return nil, nil
	}
	db.sc.put(blob, data)
	return data, nil
}

var _ store.StructureBatcher = (*DB)(nil)

// structureGap is the largest gap between two wanted UIDs that one range
// query spans: rows in a gap are read and dropped, so a sparse set (1,
// 100000) takes two small queries rather than one over the folder.
const structureGap = 64

// Structures implements store.StructureBatcher: one range query per run
// of nearby UIDs, all in one read transaction.
func (db *DB) Structures(ctx context.Context, f store.FolderID, uids []uint32) (map[uint32][]byte, error) {
	want := slices.Clone(uids)
	slices.Sort(want)
	want = slices.Compact(want)
	out := make(map[uint32][]byte, len(want))
	if len(want) == 0 {
		return out, nil
	}
	tx, err := db.rdb.BeginTx(ctx, nil)
	if err != nil {
		return nil, readErr(ctx, "begin read", err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only
	r := reader{db: db, tx: tx}
	st, err := r.stmt(ctx, `SELECT uid, blob FROM messages WHERE folder = ? AND uid BETWEEN ? AND ? ORDER BY uid`)
	if err != nil {
		return nil, err
	}
	blobs := make(map[uint32]string, len(want))
	for len(want) > 0 {
		n := 1
		for n < len(want) && want[n]-want[n-1] <= structureGap {
			n++
		}
		if err := db.structureRun(ctx, st, f, want[:n], blobs); err != nil {
			return nil, err
		}
		want = want[n:]
	}
	for uid, blob := range blobs {
		if out[uid], err = db.keptStructure(ctx, r, blob); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// structureRun reads the blobs of run (ascending, gaps bounded) into
// blobs.
func (db *DB) structureRun(ctx context.Context, st *sql.Stmt, f store.FolderID, run []uint32, blobs map[uint32]string) error {
	rows, err := st.QueryContext(ctx, f, run[0], run[len(run)-1])
	if err != nil {
		return readErr(ctx, "read structures", err)
	}
	defer rows.Close()
	i := 0
	for rows.Next() {
		var uid int64
		var blob string
		if err := rows.Scan(&uid, &blob); err != nil {
			return readErr(ctx, "read structures", err)
		}
		for i < len(run) && int64(run[i]) < uid {
			i++
		}
		if i < len(run) && int64(run[i]) == uid {
			blobs[run[i]] = blob
		}
	}
	if err := rows.Err(); err != nil {
		return readErr(ctx, "read structures", err)
	}
	return nil
}

package sqlite

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// sweep removes what a crash can leave behind: temporary files in
// blobs/tmp, and blobs that no message row names (written, but the commit
// that would have referenced them never happened). It runs in Open, before
// the writer starts and under the folder lock, so nothing is in flight.
// It works one fan-out directory at a time, so memory stays bounded by the
// size of one directory.
func (db *DB) sweep(ctx context.Context) error {
	tmps, err := os.ReadDir(filepath.Join(db.blobs.dir, tmpDir))
	if err != nil {
		return errTemp("sweep", err)
	}
	for _, e := range tmps {
		if err := os.Remove(filepath.Join(db.blobs.dir, tmpDir, e.Name())); err != nil {
			return errTemp("sweep", err)
		}
	}
	removed := 0
	for i := range 256 {
		n, err := db.sweepDir(ctx, fmt.Sprintf("%02x", i))
		if err != nil {
			return err
		}
		removed += n
	}
	if len(tmps) > 0 || removed > 0 {
		db.log.Warn("swept blobs left by an interrupted write",
			slog.Int("temp_files", len(tmps)), slog.Int("orphans", removed))
	}
	return nil
}

// sweepDir removes the unreferenced blobs of one fan-out directory.
func (db *DB) sweepDir(ctx context.Context, prefix string) (int, error) {
	dir := filepath.Join(db.blobs.dir, prefix)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, errTemp("sweep", err)
	}
	if len(entries) == 0 {
		return 0, nil
	}
	// Every hash in this directory sorts in [prefix, upper): the second hex
	// digit plus one is the first byte no such hash can have there.
	upper := prefix[:1] + string(prefix[1]+1)
	rows, err := db.wdb.QueryContext(ctx,
		`SELECT DISTINCT blob FROM messages WHERE blob >= ? AND blob < ?`, prefix, upper)
	if err != nil {
		return 0, errTemp("sweep", err)
	}
	refs := map[string]bool{}
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			rows.Close()
			return 0, errTemp("sweep", err)
		}
		refs[h] = true
	}
	if err := rows.Err(); err != nil {
		return 0, errTemp("sweep", err)
	}
	removed := 0
	for _, e := range entries {
		name := e.Name()
		if !validHash(name) || !strings.HasPrefix(name, prefix) {
			db.log.Warn("unexpected file among blobs", slog.String("path", filepath.Join(dir, name)))
			continue
		}
		if refs[name] {
			continue
		}
		if err := os.Remove(filepath.Join(dir, name)); err != nil {
			return removed, errTemp("sweep", err)
		}
		removed++
	}
	return removed, nil
}

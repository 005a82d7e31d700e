package sqlite

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/postern/postern/internal/durable"
	"github.com/postern/postern/internal/store"
)

// quarantineDir holds message files no row names, moved out of blobs/
// by the sweep; nothing deletes them (postern check reports them).
const quarantineDir = "quarantine"

// checkMetadata refuses to make a new, empty mailbox.db beside message
// files: their metadata is lost or was moved, and a new database would
// sweep them all as orphans. Nothing is changed; the database stays
// unmounted until mailbox.db is restored.
func checkMetadata(dir, path string) error {
	fi, err := os.Stat(path)
	switch {
	case err == nil && fi.Size() > 0:
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			return errTemp(path+" cannot be opened for writing", err)
		}
		return f.Close()
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return errTemp("open "+path, err)
	}
	if n := countBlobs(filepath.Join(dir, "blobs"), 1); n > 0 {
		why := "is missing"
		if err == nil {
			why = "is empty"
		}
		return fmt.Errorf("sqlite: %s %s, but %s holds message files: restore it from a backup; nothing was changed: %w",
			path, why, filepath.Join(dir, "blobs"), store.ErrTemporary)
	}
	return nil
}

// countBlobs counts the message files under a blobs folder, stopping at
// most.
func countBlobs(blobs string, most int) int {
	n := 0
	for i := range 256 {
		es, err := os.ReadDir(filepath.Join(blobs, fmt.Sprintf("%02x", i)))
		if err != nil {
			continue
		}
		for _, e := range es {
			if validHash(e.Name()) {
				if n++; n >= most {
					return n
				}
			}
		}
	}
	return n
}

// sweep tidies what a crash can leave behind, at Open, before the writer
// starts and under the folder lock, so nothing is in flight: temporary
// files in blobs/tmp (never acknowledged) are removed, and message files
// that no row names (written, but the commit that would have referenced
// them never happened) are moved to quarantine/ once older than
// OrphanGrace, and only if the database passes SQLite's quick_check.
// Nothing a row names is touched, and no message file is deleted. It works
// one fan-out directory at a time, so memory stays bounded by the size of
// one directory.
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
	var check string
	if err := db.wdb.QueryRowContext(ctx, `PRAGMA quick_check`).Scan(&check); err != nil || check != "ok" {
		db.log.Error("mailbox database fails its check: unreferenced message files are left in place",
			slog.String("dir", db.opt.Dir), slog.String("check", check), slog.Any("err", err))
		return nil
	}
	moved, young := 0, 0
	for i := range 256 {
		m, y, err := db.sweepDir(ctx, fmt.Sprintf("%02x", i))
		if err != nil {
			return err
		}
		moved, young = moved+m, young+y
	}
	if len(tmps) > 0 || moved > 0 || young > 0 {
		db.log.Warn("message files without a row, left by an interrupted write",
			slog.Int("temp_files_removed", len(tmps)), slog.Int("quarantined", moved),
			slog.Int("left_for_now", young), slog.String("quarantine", filepath.Join(db.opt.Dir, quarantineDir)))
	}
	return nil
}

// sweepDir quarantines the old unreferenced blobs of one fan-out
// directory; it returns how many it moved and how many it left because
// they are younger than the grace period.
func (db *DB) sweepDir(ctx context.Context, prefix string) (moved, young int, err error) {
	dir := filepath.Join(db.blobs.dir, prefix)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, 0, errTemp("sweep", err)
	}
	if len(entries) == 0 {
		return 0, 0, nil
	}
	// Every hash in this directory sorts in [prefix, upper): the second hex
	// digit plus one is the first byte no such hash can have there.
	upper := prefix[:1] + string(prefix[1]+1)
	rows, err := db.wdb.QueryContext(ctx,
		`SELECT DISTINCT blob FROM messages WHERE blob >= ? AND blob < ?`, prefix, upper)
	if err != nil {
		return 0, 0, errTemp("sweep", err)
	}
	refs := map[string]bool{}
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			rows.Close()
			return 0, 0, errTemp("sweep", err)
		}
		refs[h] = true
	}
	if err := rows.Err(); err != nil {
		return 0, 0, errTemp("sweep", err)
	}
	for _, e := range entries {
		name := e.Name()
		if !validHash(name) || !strings.HasPrefix(name, prefix) {
			db.log.Warn("unexpected file among blobs", slog.String("path", filepath.Join(dir, name)))
			continue
		}
		if refs[name] {
			continue
		}
		fi, err := e.Info()
		if err != nil || time.Since(fi.ModTime()) < db.opt.OrphanGrace {
			young++
			continue
		}
		if err := db.quarantine(filepath.Join(dir, name), name); err != nil {
			return moved, young, err
		}
		moved++
	}
	return moved, young, nil
}

// quarantine moves a message file to quarantine/ (same file system, so a
// rename), keeping its name.
func (db *DB) quarantine(path, name string) error {
	q := filepath.Join(db.opt.Dir, quarantineDir)
	if err := os.MkdirAll(q, 0o700); err != nil {
		return errTemp("sweep", err)
	}
	if err := os.Rename(path, filepath.Join(q, name)); err != nil {
		return errTemp("sweep", err)
	}
	return durable.SyncDir(q)
}

package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/postern/postern/internal/durable"
)

// BackupStats says what a backup holds.
type BackupStats struct {
	Messages int // message rows in the copy
	Files    int // message files linked or copied
	Copied   int // of which copied (another file system)
}

// Backup makes a consistent copy of the database in dst, a new folder,
// while it runs: the metadata as one snapshot (VACUUM INTO), then every
// message file the snapshot names, hard-linked (copied across file
// systems). No message file is unlinked while it runs, so every file the
// snapshot names is still there to link.
func (db *DB) Backup(ctx context.Context, dst string) (BackupStats, error) {
	var st BackupStats
	if err := os.MkdirAll(filepath.Join(dst, "blobs"), 0o700); err != nil {
		return st, err
	}
	db.blobs.hold()
	defer db.blobs.unhold()
	meta := filepath.Join(dst, "mailbox.db")
	if strings.ContainsRune(meta, '\'') {
		return st, fmt.Errorf("backup folder %q: a quote in the path is not supported", dst)
	}
	// A connection of its own: the read pool refuses anything that
	// writes, even into another file, and the writer must not wait.
	src := filepath.Join(db.opt.Dir, "mailbox.db")
	conn, err := sql.Open("sqlite", db.dsnBackup(src))
	if err != nil {
		return st, err
	}
	_, err = conn.ExecContext(ctx, `VACUUM INTO '`+meta+`'`)
	conn.Close()
	if err != nil {
		return st, fmt.Errorf("copying %s: %w", src, err)
	}
	if err := os.Chmod(meta, 0o600); err != nil {
		return st, err
	}
	snap, err := sql.Open("sqlite", meta+"?_pragma=query_only(1)")
	if err != nil {
		return st, err
	}
	defer snap.Close()
	if err := snap.QueryRowContext(ctx, `SELECT count(*) FROM messages`).Scan(&st.Messages); err != nil {
		return st, fmt.Errorf("reading the copy %s: %w", meta, err)
	}
	rows, err := snap.QueryContext(ctx, `SELECT DISTINCT blob FROM messages`)
	if err != nil {
		return st, fmt.Errorf("reading the copy %s: %w", meta, err)
	}
	defer rows.Close()
	dirs := map[string]bool{}
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return st, err
		}
		if !validHash(h) {
			return st, fmt.Errorf("the copy names a message file %q that is not a hash", h)
		}
		sub := filepath.Join(dst, "blobs", h[:2])
		if !dirs[sub] {
			if err := os.MkdirAll(sub, 0o700); err != nil {
				return st, err
			}
			dirs[sub] = true
		}
		copied, err := linkOrCopy(db.blobs.path(h), filepath.Join(sub, h))
		if err != nil {
			return st, fmt.Errorf("copying message file %s: %w", db.blobs.path(h), err)
		}
		st.Files++
		if copied {
			st.Copied++
		}
	}
	if err := rows.Err(); err != nil {
		return st, err
	}
	for d := range dirs {
		if err := durable.SyncDir(d); err != nil {
			return st, err
		}
	}
	return st, durable.SyncDir(dst)
}

// linkOrCopy hard-links src to dst, or copies it (synced) where a link
// cannot be made; it reports whether it copied.
func linkOrCopy(src, dst string) (bool, error) {
	err := os.Link(src, dst)
	if err == nil {
		return false, nil
	}
	if !errors.Is(err, syscall.EXDEV) && !errors.Is(err, syscall.EPERM) && !errors.Is(err, syscall.EMLINK) {
		return false, err
	}
	return true, durable.CopyFile(src, dst, 0o600)
}

// dsnBackup is a plain connection for VACUUM INTO: it reads one snapshot
// of the source and writes only the new file.
func (db *DB) dsnBackup(path string) string {
	return path + fmt.Sprintf("?_pragma=busy_timeout(%d)", db.opt.BusyTimeout.Milliseconds())
}

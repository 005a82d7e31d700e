package sqlite

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// CheckReport is what Check found in one database. Problems are plain
// sentences naming the folder, the UID and the file.
type CheckReport struct {
	Folders      int      `json:"Folders"`
	Messages     int      `json:"Messages"`
	Files        int      `json:"Files"`        // message files checked
	Unreferenced int      `json:"Unreferenced"` // files in blobs/ no row names
	Quarantined  int      `json:"Quarantined"`  // files in quarantine/
	Unindexed    int      `json:"Unindexed"`    // message files the full-text index does not cover
	Problems     []string `json:"Problems"`
	Repaired     []string `json:"Repaired"`
}

// maxProblems bounds the sentences a report keeps; the counts go on.
const maxProblems = 1000

func (r *CheckReport) problem(format string, args ...any) {
	if len(r.Problems) < maxProblems {
		r.Problems = append(r.Problems, fmt.Sprintf(format, args...))
	}
}

// Check verifies the database while it is in use: SQLite's integrity
// check; each folder's counters against its messages (count, unseen, UIDs
// below UIDNEXT, mod-sequences at most HIGHESTMODSEQ); every message's file
// (there, a file, of the size stored, and with hashes its SHA-256 the name
// it is stored under); and the files no row names. With repair, a file a
// row names that is in quarantine/ is put back, and unreferenced files
// older than OrphanGrace are quarantined; nothing is deleted, and what
// cannot be rebuilt (a missing or damaged file) is only reported.
func (db *DB) Check(ctx context.Context, hashes, repair bool) (CheckReport, error) {
	var rep CheckReport
	db.blobs.hold() // no file is unlinked while they are looked at
	defer db.blobs.unhold()
	var ic string
	if err := db.rdb.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&ic); err != nil {
		return rep, fmt.Errorf("checking %s: %w", filepath.Join(db.opt.Dir, "mailbox.db"), err)
	}
	if ic != "ok" {
		rep.problem("mailbox.db fails SQLite's integrity check: %s", ic)
	}
	if err := db.checkFolders(ctx, &rep); err != nil {
		return rep, err
	}
	if err := db.checkFiles(ctx, &rep, hashes, repair); err != nil {
		return rep, err
	}
	qs, _ := os.ReadDir(filepath.Join(db.opt.Dir, quarantineDir))
	rep.Quarantined = len(qs)
	if db.opt.NoTextIndex {
		return rep, nil
	}
	refs, err := db.unindexed(ctx)
	if err != nil {
		return rep, fmt.Errorf("reading the full-text index: %w", err)
	}
	rep.Unindexed = len(refs)
	var untracked int
	if err := db.rdb.QueryRowContext(ctx, `SELECT count(DISTINCT m.blob) FROM messages m
		WHERE NOT EXISTS (SELECT 1 FROM text_docs d WHERE d.blob = m.blob)
		AND NOT EXISTS (SELECT 1 FROM text_unindexed u WHERE u.blob = m.blob)`).Scan(&untracked); err != nil {
		return rep, fmt.Errorf("reading the full-text index: %w", err)
	}
	if untracked > 0 && !repair {
		rep.Problems = append(rep.Problems, fmt.Sprintf("%d message files are neither indexed nor listed as unindexed: "+
			"a text SEARCH could miss their messages (check --repair fixes it)", untracked))
	}
	if repair && len(refs) > 0 {
		n, err := db.backfillTexts(ctx, refs)
		if n > 0 {
			rep.Repaired = append(rep.Repaired, fmt.Sprintf("%d message files added to the full-text index", n))
		}
		if err != nil {
			return rep, err
		}
		rep.Unindexed -= n
	}
	return rep, nil
}

// checkFolders compares each folder's counters with its messages.
func (db *DB) checkFolders(ctx context.Context, rep *CheckReport) error {
	rows, err := db.rdb.QueryContext(ctx, `
SELECT f.id, f.account, f.name, f.uidnext, f.highestmodseq, f.messages, f.unseen,
       count(m.uid), coalesce(sum(NOT m.seen), 0), coalesce(max(m.uid), 0), coalesce(max(m.modseq), 0)
FROM folders f LEFT JOIN messages m ON m.folder = f.id
GROUP BY f.id ORDER BY f.id`)
	if err != nil {
		return fmt.Errorf("reading folders: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, account, uidnext, hms, msgs, unseen, count, unseenNow, maxUID, maxModseq int64
		var name string
		if err := rows.Scan(&id, &account, &name, &uidnext, &hms, &msgs, &unseen, &count, &unseenNow, &maxUID, &maxModseq); err != nil {
			return err
		}
		rep.Folders++
		where := fmt.Sprintf("account %d, folder %q", account, name)
		if msgs != count || unseen != unseenNow {
			rep.problem("%s: its counters say %d messages (%d unseen), it holds %d (%d unseen)", where, msgs, unseen, count, unseenNow)
		}
		if maxUID >= uidnext {
			rep.problem("%s: UID %d is not below UIDNEXT %d: new messages could reuse a UID", where, maxUID, uidnext)
		}
		if maxModseq > hms {
			rep.problem("%s: a message's mod-sequence %d is above HIGHESTMODSEQ %d", where, maxModseq, hms)
		}
	}
	return rows.Err()
}

// checkFiles checks every message's file, then the files no row names.
func (db *DB) checkFiles(ctx context.Context, rep *CheckReport, hashes, repair bool) error {
	rows, err := db.rdb.QueryContext(ctx, `
SELECT f.account, f.name, m.uid, m.size, m.blob FROM messages m JOIN folders f ON f.id = m.folder ORDER BY m.blob`)
	if err != nil {
		return fmt.Errorf("reading messages: %w", err)
	}
	defer rows.Close()
	refs := map[string]bool{}
	for rows.Next() {
		var account, uid, size int64
		var name, blob string
		if err := rows.Scan(&account, &name, &uid, &size, &blob); err != nil {
			return err
		}
		rep.Messages++
		where := fmt.Sprintf("account %d, folder %q, UID %d", account, name, uid)
		if !validHash(blob) {
			rep.problem("%s: the row names a file %q that is not a hash", where, blob)
			continue
		}
		first := !refs[blob]
		refs[blob] = true
		path := db.blobs.path(blob)
		fi, err := os.Stat(path)
		if os.IsNotExist(err) && repair {
			q := filepath.Join(db.opt.Dir, quarantineDir, blob)
			if qi, qerr := os.Stat(q); qerr == nil && qi.Size() == size && fileHash(q) == blob {
				if os.Rename(q, path) == nil {
					rep.Repaired = append(rep.Repaired, fmt.Sprintf("%s: its file %s was put back from quarantine", where, blob))
					fi, err = os.Stat(path)
				}
			}
		}
		switch {
		case os.IsNotExist(err):
			rep.problem("%s: its file %s is missing", where, path)
			continue
		case err != nil:
			rep.problem("%s: its file %s cannot be read: %v", where, path, err)
			continue
		case !fi.Mode().IsRegular():
			rep.problem("%s: %s is not a file", where, path)
			continue
		case fi.Size() != size:
			rep.problem("%s: its file %s holds %d bytes, %d were stored", where, path, fi.Size(), size)
			continue
		}
		if first {
			rep.Files++
			if hashes {
				if h := fileHash(path); h != blob {
					rep.problem("%s: its file %s does not hash to its name (the bytes changed)", where, path)
				}
			}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for i := range 256 {
		dir := filepath.Join(db.blobs.dir, fmt.Sprintf("%02x", i))
		es, _ := os.ReadDir(dir)
		for _, e := range es {
			if !validHash(e.Name()) || refs[e.Name()] {
				continue
			}
			rep.Unreferenced++
			if !repair {
				continue
			}
			fi, err := e.Info()
			if err != nil || time.Since(fi.ModTime()) < db.opt.OrphanGrace {
				continue
			}
			if err := db.quarantine(filepath.Join(dir, e.Name()), e.Name()); err != nil {
				return err
			}
			rep.Repaired = append(rep.Repaired, fmt.Sprintf("file %s, named by no message, moved to quarantine", e.Name()))
		}
	}
	return nil
}

// fileHash is the hex SHA-256 of a file's bytes, "" if it cannot be read.
func fileHash(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
}

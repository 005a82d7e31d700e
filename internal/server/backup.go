package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/postern/postern/internal/directory"
	"github.com/postern/postern/internal/durable"
	"github.com/postern/postern/internal/store/sqlite"
)

// BackupReport says what a backup holds.
type BackupReport struct {
	Dir       string           `json:"Dir"`
	Databases []DatabaseBackup `json:"Databases"`
	Files     []string         `json:"Files"` // the directory, certificates, the key
	Took      string           `json:"Took"`
}

// DatabaseBackup is one mailbox database's part of a backup.
type DatabaseBackup struct {
	Name     string `json:"Name"`
	Messages int    `json:"Messages"`
	Files    int    `json:"Files"`
	Copied   int    `json:"Copied"` // message files copied rather than linked
}

// backuper is a store that can copy itself while in use.
type backuper interface {
	Backup(ctx context.Context, dst string) (sqlite.BackupStats, error)
}

// backupManifest names a folder postern backup made.
const backupManifest = "POSTERN-BACKUP"

// Backup makes an online, consistent copy of the server's data in dir (a
// new or empty folder) without stopping anything: the directory and each
// mounted mailbox database as a snapshot, every message file a snapshot
// names (hard-linked, or copied on another file system), the certificates
// and the server key. Every message acknowledged before it began is in
// it. The outbound queue is not: mail waiting to leave is not in a backup.
// `postern restore` (server stopped) brings it back.
func (s *Server) Backup(ctx context.Context, dir string) (BackupReport, error) {
	start := time.Now()
	rep := BackupReport{Dir: dir}
	if s.cluster != nil {
		return rep, errClusterData
	}
	if !filepath.IsAbs(dir) {
		return rep, errors.New("the backup folder must be an absolute path")
	}
	if err := emptyOrNew(dir); err != nil {
		return rep, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return rep, err
	}
	rep, err := s.backup(ctx, dir, start)
	if err != nil {
		// Only what this backup made is there: take it away, so that a
		// half backup is never taken for a whole one.
		if rerr := os.RemoveAll(dir); rerr != nil {
			err = errors.Join(err, rerr)
		}
	}
	return rep, err
}

func (s *Server) backup(ctx context.Context, dir string, start time.Time) (BackupReport, error) {
	rep := BackupReport{Dir: dir}
	if err := s.dir.Backup(ctx, filepath.Join(dir, "directory.db")); err != nil {
		return rep, fmt.Errorf("copying the directory: %w", err)
	}
	if err := os.Chmod(filepath.Join(dir, "directory.db"), 0o600); err != nil {
		return rep, err
	}
	rep.Files = append(rep.Files, "directory.db")
	dbs, err := s.localDatabases(ctx)
	if err != nil {
		return rep, err
	}
	for _, db := range dbs {
		st, err := s.Store(db.Name)
		if err != nil {
			return rep, fmt.Errorf("mailbox database %q: %w", db.Name, err)
		}
		b, ok := st.(backuper)
		if !ok {
			return rep, fmt.Errorf("mailbox database %q cannot be backed up while in use", db.Name)
		}
		rel, err := relativeIn(db.Path)
		if err != nil {
			return rep, fmt.Errorf("mailbox database %q: %w", db.Name, err)
		}
		stats, err := b.Backup(ctx, filepath.Join(dir, rel))
		if err != nil {
			return rep, fmt.Errorf("mailbox database %q: %w", db.Name, err)
		}
		rep.Databases = append(rep.Databases, DatabaseBackup{Name: db.Name, Messages: stats.Messages, Files: stats.Files, Copied: stats.Copied})
	}
	copied, err := copyTree(filepath.Join(s.dataDir, "certs"), filepath.Join(dir, "certs"))
	if err != nil {
		return rep, fmt.Errorf("copying the certificates: %w", err)
	}
	rep.Files = append(rep.Files, copied...)
	if _, err := os.Stat(filepath.Join(s.dataDir, secretKeyFile)); err == nil {
		if err := durable.CopyFile(filepath.Join(s.dataDir, secretKeyFile), filepath.Join(dir, secretKeyFile), 0o600); err != nil {
			return rep, err
		}
		rep.Files = append(rep.Files, secretKeyFile)
	}
	rep.Took = time.Since(start).Round(time.Millisecond).String()
	manifest := fmt.Sprintf("postern backup of %s (%s), taken %s\n", s.name, s.fqdn, start.UTC().Format(time.RFC3339))
	if err := durable.CreateFile(filepath.Join(dir, backupManifest), []byte(manifest), 0o600); err != nil {
		return rep, err
	}
	s.log.Info("backup taken", "dir", dir, "databases", len(rep.Databases), "took", rep.Took)
	return rep, nil
}

// relativeIn checks that a mailbox database's path lies inside the data
// folder, where a backup keeps it.
func relativeIn(path string) (string, error) {
	if filepath.IsAbs(path) || strings.HasPrefix(filepath.Clean(path), "..") {
		return "", fmt.Errorf("its folder %s is outside the data folder: back it up by hand", path)
	}
	return filepath.Clean(path), nil
}

// emptyOrNew refuses a folder that holds anything: a backup or a restore
// never writes over files.
func emptyOrNew(dir string) error {
	es, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if len(es) > 0 {
		return fmt.Errorf("%s is not empty: choose a new folder (nothing is ever written over)", dir)
	}
	return nil
}

// copyTree copies the files under src into dst (new files only), hard
// links where it can; it returns the paths copied, relative to dst's
// parent.
func copyTree(src, dst string) ([]string, error) {
	var done []string
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o700)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		if err := durable.CopyFile(p, target, 0o600); err != nil {
			return err
		}
		done = append(done, filepath.Join(filepath.Base(dst), rel))
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return done, err
}

// Restore brings a backup back into dataDir, which must be new or empty
// (move the damaged folder aside first: nothing is written over), with no
// server running on it. Message files are hard-linked from the backup
// where they share a file system (they never change), copied otherwise.
func Restore(backup, dataDir string) (DatabaseCount int, err error) {
	if _, err := os.Stat(filepath.Join(backup, backupManifest)); err != nil {
		return 0, fmt.Errorf("%s is not a postern backup (no %s in it)", backup, backupManifest)
	}
	if err := emptyOrNew(dataDir); err != nil {
		return 0, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return 0, err
	}
	lock, err := lockDataFolder(dataDir)
	if err != nil {
		return 0, err
	}
	defer func() {
		lock.Close()
		os.Remove(filepath.Join(dataDir, lockFile))
	}()
	n := 0
	err = filepath.WalkDir(backup, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(backup, p)
		target := filepath.Join(dataDir, rel)
		switch {
		case rel == "." || rel == backupManifest:
			return nil
		case d.IsDir():
			return os.MkdirAll(target, 0o700)
		case !d.Type().IsRegular():
			return nil
		case d.Name() == "mailbox.db":
			n++
		}
		if strings.Contains(rel, string(filepath.Separator)+"blobs"+string(filepath.Separator)) {
			if err := os.Link(p, target); err == nil {
				return nil
			}
		}
		return durable.CopyFile(p, target, 0o600)
	})
	if err != nil {
		return n, err
	}
	return n, syncTree(dataDir)
}

// syncTree syncs every folder under dir, so that the restored entries are
// durable.
func syncTree(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		return durable.SyncDir(p)
	})
}

// localDatabases are the mailbox databases this server holds.
func (s *Server) localDatabases(ctx context.Context) ([]directory.Database, error) {
	all, err := s.dir.Databases(ctx)
	var out []directory.Database
	for _, db := range all {
		if db.Server == s.name {
			out = append(out, db)
		}
	}
	return out, err
}

// errClusterData: in cluster mode the organisation's data is PostgreSQL's
// to back up and check.
var errClusterData = errors.New("this server's organisation is in PostgreSQL: back it up with pg_dump or pg_basebackup " +
	"(and WAL archiving), and check it with PostgreSQL's tools (amcheck); postern backup and check are for the embedded mode")

package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/postern/postern/internal/directory"
)

// lockFile is the data folder's lock: one server per folder.
const lockFile = "postern.lock"

// ErrFolderInUse: another server holds the data folder.
var ErrFolderInUse = errors.New("the data folder is in use by another postern serve")

// lockDataFolder takes the data folder's lock before anything else
// touches the folder, and writes this process's id into it. The kernel
// drops the lock when the process ends, however it ends.
func lockDataFolder(dir string) (*os.File, error) {
	path := filepath.Join(dir, lockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	if err := flockExclusive(f); err != nil {
		b, _ := os.ReadFile(path)
		f.Close()
		holder := strings.TrimSpace(string(b))
		if holder != "" {
			holder = " (process " + holder + ")"
		}
		return nil, fmt.Errorf("%w: %s is locked%s: stop that server first, or give this one another --data folder", ErrFolderInUse, path, holder)
	}
	f.Truncate(0)
	f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return f, nil
}

// existingData lists what a data folder holds besides its directory:
// mailbox databases, certificates, an outbound queue, the server key.
func existingData(dir string) []string {
	var found []string
	for _, sub := range []string{"databases", "certs", "queue"} {
		es, err := os.ReadDir(filepath.Join(dir, sub))
		if err == nil && len(es) > 0 {
			found = append(found, sub+string(filepath.Separator))
		}
	}
	if _, err := os.Stat(filepath.Join(dir, secretKeyFile)); err == nil {
		found = append(found, secretKeyFile)
	}
	return found
}

// errNoDirectory refuses to make a new organisation over existing data:
// that would point a new directory at the old mailbox databases, and hand
// the old users' mail to whoever is added next.
func errNoDirectory(path, why string, found []string) error {
	return fmt.Errorf("%s %s, but the data folder holds %s: postern will not create a new directory over existing data. "+
		"Restore %s from a backup, or start with another --data folder",
		path, why, strings.Join(found, ", "), filepath.Base(path))
}

// checkDirectoryFile runs before the directory is opened (which would
// create it): a missing or empty directory.db is a new folder only if
// nothing else is there.
func checkDirectoryFile(dir string) error {
	path := filepath.Join(dir, "directory.db")
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if found := existingData(dir); len(found) > 0 {
			return errNoDirectory(path, "is missing", found)
		}
		return nil
	case err != nil:
		return fmt.Errorf("reading %s: %w", path, err)
	case !fi.Mode().IsRegular():
		return fmt.Errorf("%s is not a file", path)
	case fi.Size() == 0:
		if found := existingData(dir); len(found) > 0 {
			return errNoDirectory(path, "is empty", found)
		}
	}
	return writable(path)
}

// writable opens a file for writing and closes it, so that a file the
// server may not write (permissions, a read-only mount) is refused with
// its name and the system's reason rather than SQLite's "unable to open
// database file".
func writable(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("%s cannot be opened for writing: %w", path, err)
	}
	return f.Close()
}

// checkInitialized runs after the directory is opened: an uninitialised
// directory beside existing data is refused like a missing one.
func checkInitialized(ctx context.Context, dir string, d *directory.Directory) (bool, error) {
	ok, err := d.Initialized(ctx)
	if err != nil {
		return false, fmt.Errorf("reading %s: %w", filepath.Join(dir, "directory.db"), err)
	}
	if !ok {
		if found := existingData(dir); len(found) > 0 {
			return false, errNoDirectory(filepath.Join(dir, "directory.db"), "holds no organisation", found)
		}
	}
	return ok, nil
}

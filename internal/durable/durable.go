// Package durable holds the file-system steps that make a write survive a
// crash (DESIGN.md "Durability rule"): a file's bytes synced before it is
// named, and the directory synced after an entry is created, renamed or
// removed in it.
package durable

import (
	"errors"
	"io"
	"os"
	"path/filepath"
)

// SyncDir fsyncs a directory, so that the entries created, renamed or
// removed in it are durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// WriteFile replaces path with data, mode perm, atomically and durably:
// a temporary file in the same folder is written and synced, renamed
// over path, and the folder synced. A reader sees the old content or the
// new, never a part.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	err = f.Chmod(perm)
	err = finish(f, data, err)
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		return errors.Join(err, removeIfExists(tmp))
	}
	return SyncDir(dir)
}

// CreateFile writes a new file at path, mode perm, durably; it fails with
// an error satisfying errors.Is(err, os.ErrExist) if path exists, and
// leaves nothing behind on failure.
func CreateFile(path string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	err = finish(f, data, nil)
	if err == nil {
		err = SyncDir(filepath.Dir(path))
	}
	if err != nil {
		return errors.Join(err, removeIfExists(path))
	}
	return nil
}

// finish writes data to f and syncs it, unless err already says the
// file failed, and closes it; it returns the first error.
func finish(f *os.File, data []byte, err error) error {
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func removeIfExists(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// CopyFile copies src to a new file dst (never over an existing one) and
// syncs it; the caller syncs dst's folder once it has made them all.
func CopyFile(src, dst string, perm os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return errors.Join(err, removeIfExists(dst))
	}
	return nil
}

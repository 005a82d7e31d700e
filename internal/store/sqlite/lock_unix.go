//go:build unix

package sqlite

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/postern/postern/internal/store"
)

// lockDir takes an exclusive advisory lock on dir/lock for the life of the
// returned file, so that a second process cannot open (and sweep) the same
// store. The kernel drops the lock when the process dies.
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, errTemp("lock", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("sqlite: %s is in use by another process: %w: %w", dir, store.ErrTemporary, err)
	}
	return f, nil
}

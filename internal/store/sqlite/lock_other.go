//go:build !unix

package sqlite

import (
	"os"
	"path/filepath"
)

// lockDir only creates dir/lock here: this platform has no flock, so
// keeping a second process out of the folder is the operator's duty.
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, errTemp("lock", err)
	}
	return f, nil
}

package e2e

import (
	"context"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// runAllowFail runs a client program and returns its combined output and
// its error, for the runs that are meant to fail.
func runAllowFail(t testing.TB, dir, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := command(ctx, t, dir, name, args...).CombinedOutput()
	return string(out), err
}

// fetchmailAgain runs fetchmail once more; it exits 1 when there is no new
// mail, which is what the caller checks for.
func fetchmailAgain(t testing.TB, dir string, args []string) string {
	out, _ := runAllowFail(t, dir, "fetchmail", args...)
	return out
}

// chownNobody gives a folder tree to nobody, as getmail refuses to deliver
// as root.
func chownNobody(t *testing.T, dir string) {
	u, err := user.Lookup("nobody")
	if err != nil {
		return
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	filepath.Walk(dir, func(p string, _ os.FileInfo, _ error) error { return os.Chown(p, uid, gid) })
}

func countFiles(t *testing.T, dir string) int {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return len(es)
}

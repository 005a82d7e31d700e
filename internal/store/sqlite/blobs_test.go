package sqlite

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/internal/store"
)

// blobFiles lists the named blobs on disk.
func blobFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(filepath.Join(dir, "blobs"), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && filepath.Base(filepath.Dir(p)) != tmpDir {
			out = append(out, d.Name())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func hashOf(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func setup(t testing.TB, db *DB, accounts ...store.AccountID) {
	t.Helper()
	for _, a := range accounts {
		if err := db.CreateAccount(t.Context(), a); err != nil {
			t.Fatal(err)
		}
	}
}

func TestBlobSharedAndRemoved(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	db := openTest(t, Options{Dir: dir})
	setup(t, db, 1, 2, 3)
	body := []byte("Subject: shared\r\n\r\nbody\r\n")
	d, err := db.Deliver(ctx, []store.AccountID{1, 2, 3}, bytes.NewReader(body), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	want := hashOf(body)
	if got := blobFiles(t, dir); len(got) != 1 || got[0] != want {
		t.Fatalf("blobs after a 3-recipient delivery = %v, want only %s", got, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "blobs", want[:2], want)); err != nil {
		t.Fatalf("blob not fanned out under its prefix: %v", err)
	}
	for i, x := range d[:2] {
		if _, err := db.Expunge(ctx, x.Folder, []uint32{x.UID}); err != nil {
			t.Fatal(err)
		}
		if got := blobFiles(t, dir); len(got) != 1 {
			t.Fatalf("blob gone after expunging %d of 3 references", i+1)
		}
	}
	if _, err := db.Expunge(ctx, d[2].Folder, []uint32{d[2].UID}); err != nil {
		t.Fatal(err)
	}
	if got := blobFiles(t, dir); len(got) != 0 {
		t.Fatalf("blobs after the last reference went: %v, want none", got)
	}

	// A failed op leaves no blob behind either.
	if _, err := db.Append(ctx, 424242, store.NewMessage{Body: strings.NewReader("orphan?")}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Append to a missing folder: %v", err)
	}
	if got := blobFiles(t, dir); len(got) != 0 {
		t.Fatalf("blobs after a failed Append: %v, want none", got)
	}
	if err := db.DeleteAccount(ctx, 1); err != nil {
		t.Fatal(err)
	}
}

func TestDeleteAccountRemovesBlobs(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	db := openTest(t, Options{Dir: dir})
	setup(t, db, 1, 2)
	if _, err := db.Deliver(ctx, []store.AccountID{1}, strings.NewReader("only 1"), time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Deliver(ctx, []store.AccountID{1, 2}, strings.NewReader("both"), time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteAccount(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if got := blobFiles(t, dir); len(got) != 1 || got[0] != hashOf([]byte("both")) {
		t.Fatalf("blobs after DeleteAccount = %v, want only the shared one", got)
	}
}

func TestSweepAtOpen(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	db, err := Open(ctx, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	setup(t, db, 1)
	kept := []byte("referenced")
	if _, err := db.Deliver(ctx, []store.AccountID{1}, bytes.NewReader(kept), time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// What a crash between blob write and commit leaves behind: an
	// orphan from two hours ago, one from just now.
	orphan := hashOf([]byte("never committed"))
	mustWrite(t, filepath.Join(dir, "blobs", orphan[:2], orphan), "never committed")
	old := time.Now().Add(-2 * time.Hour)
	os.Chtimes(filepath.Join(dir, "blobs", orphan[:2], orphan), old, old)
	fresh := hashOf([]byte("just written"))
	mustWrite(t, filepath.Join(dir, "blobs", fresh[:2], fresh), "just written")
	mustWrite(t, filepath.Join(dir, "blobs", tmpDir, "in-123"), "half a mess")
	mustWrite(t, filepath.Join(dir, "blobs", "00", "README"), "not ours")

	db = openTest(t, Options{Dir: dir})
	got := blobFiles(t, dir)
	if len(got) != 3 || !containsStr(got, hashOf(kept)) || !containsStr(got, "README") || !containsStr(got, fresh) {
		t.Fatalf("blobs after sweep = %v, want the referenced one, the fresh orphan and the foreign file", got)
	}
	// The old orphan is quarantined, not deleted.
	if b, err := os.ReadFile(filepath.Join(dir, quarantineDir, orphan)); err != nil || string(b) != "never committed" {
		t.Errorf("the old orphan is not in quarantine: %q %v", b, err)
	}
	if ents, _ := os.ReadDir(filepath.Join(dir, "blobs", tmpDir)); len(ents) != 0 {
		t.Errorf("temp files survived the sweep: %v", ents)
	}
	in, err := db.Folder(ctx, 1, store.Inbox)
	if err != nil || in.Messages != 1 {
		t.Fatalf("reopened Inbox = %+v, %v; want the message", in, err)
	}
	b, err := db.Open(ctx, in.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
}

func mustWrite(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestTooBig(t *testing.T) {
	dir := t.TempDir()
	db := openTest(t, Options{Dir: dir, MaxMessageSize: 10})
	setup(t, db, 1)
	_, err := db.Deliver(t.Context(), []store.AccountID{1}, strings.NewReader("eleven byte"), time.Time{})
	if !errors.Is(err, store.ErrTooBig) {
		t.Fatalf("Deliver of 11 bytes with a 10-byte limit: %v, want ErrTooBig", err)
	}
	if _, err := db.Deliver(t.Context(), []store.AccountID{1}, strings.NewReader("ten bytes!"), time.Time{}); err != nil {
		t.Fatalf("Deliver of 10 bytes: %v", err)
	}
	if got := blobFiles(t, dir); len(got) != 1 {
		t.Errorf("blobs = %v, want one", got)
	}
	if ents, _ := os.ReadDir(filepath.Join(dir, "blobs", tmpDir)); len(ents) != 0 {
		t.Errorf("rejected body left temp files: %v", ents)
	}
}

// TestDamagedDatabaseRefused: a mailbox.db cut in half, or emptied, beside
// its message files is refused at Open with an error naming it, and no
// message file is touched.
func TestDamagedDatabaseRefused(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	db, err := Open(ctx, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	setup(t, db, 1)
	for i := range 50 {
		if _, err := db.Deliver(ctx, []store.AccountID{1}, strings.NewReader(fmt.Sprintf("Subject: %d\r\n\r\n%s", i, strings.Repeat("x", 2000))), time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "mailbox.db")
	fi, _ := os.Stat(path)
	os.Truncate(path, fi.Size()/2)
	if _, err := Open(ctx, Options{Dir: dir}); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("a truncated mailbox.db opened, or the error does not name it: %v", err)
	}
	os.Truncate(path, 0)
	if _, err := Open(ctx, Options{Dir: dir}); err == nil || !strings.Contains(err.Error(), "is empty") || !errors.Is(err, store.ErrTemporary) {
		t.Errorf("an empty mailbox.db beside message files: %v", err)
	}
	if n := len(blobFiles(t, dir)); n != 50 {
		t.Errorf("%d message files left, want 50", n)
	}
}

// TestMessageFileReplacedByDirectory: a message file that became a
// directory is damage, not a message.
func TestMessageFileReplacedByDirectory(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	db := openTest(t, Options{Dir: dir})
	setup(t, db, 1)
	if _, err := db.Deliver(ctx, []store.AccountID{1}, strings.NewReader("Subject: x\r\n\r\nbody"), time.Time{}); err != nil {
		t.Fatal(err)
	}
	h := blobFiles(t, dir)[0]
	p := filepath.Join(dir, "blobs", h[:2], h)
	os.Remove(p)
	os.Mkdir(p, 0o700)
	in, _ := db.Folder(ctx, 1, store.Inbox)
	if _, err := db.Open(ctx, in.ID, 1); !errors.Is(err, store.ErrDamaged) || !strings.Contains(err.Error(), p) {
		t.Errorf("Open of a message whose file is a directory: %v", err)
	}
}

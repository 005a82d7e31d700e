package e2e

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// serveFails runs `postern serve` on a data folder where it must refuse to
// start, and returns what it said.
func serveFails(t *testing.T, data string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := command(ctx, t, "", binary, "--data", data, "serve", "--local", "--fqdn", "mail.test").CombinedOutput()
	if err == nil || ctx.Err() != nil {
		t.Fatalf("serve started (or hung) on a folder it must refuse: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(data, "admin.sock")); err == nil && !strings.Contains(string(out), "in use") {
		t.Errorf("serve made its admin socket before refusing")
	}
	return string(out)
}

// copyFile copies src to dst.
func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestDataFolderDamaged is issue 13's items 1 and 2, as found: an empty or
// missing directory.db beside existing mailboxes is refused at start, never
// made anew (which gave a new user the old user's mail); an empty or
// missing mailbox.db leaves its database unmounted with every message file
// kept (it deleted them all); a second server on a folder in use is
// refused before it starts anything. Putting the files back brings every
// message back.
func TestDataFolderDamaged(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	in := serve(t, data)
	in.setup()
	in.deliver(3)
	// A second server on the same folder.
	if out := serveFails(t, data); !strings.Contains(out, "in use") || !strings.Contains(out, "postern.lock") {
		t.Errorf("second serve: %s", out)
	}
	in.stop()
	blobs := func() int {
		files, _ := filepath.Glob(filepath.Join(data, "databases", "db01", "blobs", "??", "*"))
		return len(files)
	}
	if n := blobs(); n != 3 {
		t.Fatalf("%d message files", n)
	}
	saved := filepath.Join(t.TempDir(), "directory.db")
	copyFile(t, filepath.Join(data, "directory.db"), saved)

	// 1. The directory emptied, then removed.
	os.Truncate(filepath.Join(data, "directory.db"), 0)
	os.Remove(filepath.Join(data, "directory.db-wal"))
	os.Remove(filepath.Join(data, "directory.db-shm"))
	if out := serveFails(t, data); !strings.Contains(out, "directory.db is empty") || !strings.Contains(out, "databases") {
		t.Errorf("empty directory.db: %s", out)
	}
	os.Remove(filepath.Join(data, "directory.db"))
	if out := serveFails(t, data); !strings.Contains(out, "directory.db is missing") {
		t.Errorf("missing directory.db: %s", out)
	}
	os.WriteFile(filepath.Join(data, "directory.db"), []byte("not a database at all, just text\n"), 0o600)
	if out := serveFails(t, data); !strings.Contains(out, "directory.db") {
		t.Errorf("a directory.db that is not a database: %s", out)
	}
	if n := blobs(); n != 3 {
		t.Fatalf("%d message files after the refusals, want 3", n)
	}
	copyFile(t, saved, filepath.Join(data, "directory.db"))

	// 2. The mailbox database's metadata emptied: the server starts, the
	// mailbox answers a temporary error, and no message file is touched.
	mdb := filepath.Join(data, "databases", "db01", "mailbox.db")
	savedDB := filepath.Join(t.TempDir(), "mailbox.db")
	copyFile(t, mdb, savedDB)
	os.Truncate(mdb, 0)
	os.Remove(mdb + "-wal")
	os.Remove(mdb + "-shm")
	in = serve(t, data)
	in.startPOP3()
	c, err := dialLogon("pop3", "127.0.0.1", in.POP3S, in.roots())
	if err != nil {
		t.Fatal(err)
	}
	_, line, _ := c.logon("alice@mail.test", "secret1")
	c.close()
	if !strings.HasPrefix(line, "-ERR") || !strings.Contains(line, "unavailable") {
		t.Errorf("logon to a mailbox whose database is unmounted: %q", line)
	}
	in.stop()
	if !strings.Contains(in.log.String(), "mailbox.db is empty") {
		t.Errorf("the log does not say why the database is not mounted:\n%s", in.log)
	}
	if n := blobs(); n != 3 {
		t.Fatalf("%d message files with mailbox.db emptied, want 3 (none deleted)", n)
	}
	copyFile(t, savedDB, mdb)
	in = serve(t, data)
	in.startPOP3()
	c, err = dialLogon("pop3", "127.0.0.1", in.POP3S, in.roots())
	if err != nil {
		t.Fatal(err)
	}
	if r, line, err := c.logon("alice@mail.test", "secret1"); r != replyOK {
		t.Fatalf("after restoring the files: %q %v", line, err)
	}
	if line, _ := c.command("STAT"); !strings.HasPrefix(line, "+OK 3 ") {
		t.Errorf("STAT after restoring the files: %q", line)
	}
	c.close()
}

// startPOP3 starts the POP3 services of a restarted instance (Manual, as
// in Exchange) and reads their listeners.
func (in *instance) startPOP3() {
	in.t.Helper()
	in.cli("", "service", "start", "pop3-backend")
	in.cli("", "service", "start", "pop3")
	in.listeners()
}

// TestRestartWithBadBinding: a restart whose new bindings cannot be had
// is refused while the service still runs on its old listeners (it left
// IMAP4 stopped with none).
func TestRestartWithBadBinding(t *testing.T) {
	in := serve(t, "")
	in.setup()
	in.setupIMAP()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	before := in.service("imap4")
	in.cli("", "imap", "set", "SSLBindings="+busy.Addr().String())
	out := in.cliFail("", "service", "restart", "imap4")
	if !strings.Contains(out, "not restarted") || !strings.Contains(out, busy.Addr().String()) {
		t.Errorf("restart onto a port in use: %s", out)
	}
	after := in.service("imap4")
	if after.Status != "Running" || strings.Join(after.Listeners, ",") != strings.Join(before.Listeners, ",") {
		t.Errorf("imap4 after the refused restart: %+v, before %+v", after, before)
	}
}

// TestReadOnlyDataFolder: a data folder on a read-only mount is refused at
// start with the file and the system's reason, and nothing is lost. The
// test mounts a tmpfs, so it needs root (as CI runs).
func TestReadOnlyDataFolder(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a read-only file system needs root")
	}
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", mnt).CombinedOutput(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("mount: %v %s", err, out)
		}
		t.Skipf("mount: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", mnt).Run() })
	data := filepath.Join(mnt, "data")
	in := serve(t, data)
	in.setup()
	in.deliver(2)
	in.stop()
	os.Remove(filepath.Join(data, "admin.sock"))
	if out, err := exec.Command("mount", "-o", "remount,ro", mnt).CombinedOutput(); err != nil {
		t.Fatalf("remount read-only: %v %s", err, out)
	}
	out := serveFails(t, data)
	if !strings.Contains(out, "read-only file system") || !strings.Contains(out, data) {
		t.Errorf("serve on a read-only data folder: %s", out)
	}
	exec.Command("mount", "-o", "remount,rw", mnt).Run()
	in = serve(t, data)
	in.startPOP3()
	c, err := dialLogon("pop3", "127.0.0.1", in.POP3S, in.roots())
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	if r, line, err := c.logon("alice@mail.test", "secret1"); r != replyOK {
		t.Fatalf("logon after the mount is writable again: %q %v", line, err)
	}
	if line, _ := c.command("STAT"); !strings.HasPrefix(line, "+OK 2 ") {
		t.Errorf("STAT: %q", line)
	}
}

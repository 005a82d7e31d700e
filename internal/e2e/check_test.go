package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCheck drives `postern check` on a running server: a whole folder
// passes; a changed byte is found with --hashes, a truncated file always;
// a file no message names is counted, and --repair quarantines it (never
// deletes it) and puts back a quarantined file a message still names.
func TestCheck(t *testing.T) {
	in := serve(t, "")
	in.setup()
	in.deliver(3)
	if out := in.cli("", "check", "--hashes"); !strings.Contains(out, "3 messages, 3 message files checked") || !strings.Contains(out, "no problems found") {
		t.Fatalf("check of a whole folder:\n%s", out)
	}
	// One byte changed, the size kept.
	f1 := in.messageFile("e2e message 1")
	b, _ := os.ReadFile(f1)
	b[len(b)-3] ^= 0x20
	os.WriteFile(f1, b, 0o600)
	if out := in.cli("", "check"); !strings.Contains(out, "no problems found") {
		t.Errorf("without --hashes a same-size change is not looked for:\n%s", out)
	}
	out := in.cliFail("", "check", "--hashes")
	if !strings.Contains(out, "UID 1: its file") || !strings.Contains(out, "does not hash to its name") {
		t.Errorf("check --hashes after a byte changed:\n%s", out)
	}
	os.WriteFile(f1, append(b[:len(b)-3:len(b)-3], b[len(b)-3]^0x20, b[len(b)-2], b[len(b)-1]), 0o600)
	// A file no message names, two hours old; and message 2's file moved
	// into quarantine as a mistaken clean-up would.
	blobs := filepath.Join(in.data, "databases", "db01", "blobs")
	orphan := filepath.Join(blobs, "ab", strings.Repeat("ab", 32))
	os.WriteFile(orphan, []byte("nobody's"), 0o600)
	old := time.Now().Add(-2 * time.Hour)
	os.Chtimes(orphan, old, old)
	f2 := in.messageFile("e2e message 2")
	q := filepath.Join(in.data, "databases", "db01", "quarantine")
	os.MkdirAll(q, 0o700)
	if err := os.Rename(f2, filepath.Join(q, filepath.Base(f2))); err != nil {
		t.Fatal(err)
	}
	out = in.cliFail("", "check")
	if !strings.Contains(out, "UID 2: its file") || !strings.Contains(out, "is missing") || !strings.Contains(out, "1 files no message names") {
		t.Errorf("check with a missing file and an orphan:\n%s", out)
	}
	out = in.cli("", "check", "--repair", "--hashes")
	if !strings.Contains(out, "put back from quarantine") || !strings.Contains(out, "moved to quarantine") || !strings.Contains(out, "no problems found") {
		t.Errorf("check --repair:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(q, filepath.Base(orphan))); err != nil {
		t.Errorf("the orphan is not in quarantine: %v", err)
	}
	if _, err := os.Stat(f2); err != nil {
		t.Errorf("message 2's file was not put back: %v", err)
	}

	// With the server stopped, check opens the folder itself (and holds
	// its lock meanwhile); it still finds a damaged file.
	in.stop()
	if out := in.cli("", "check", "--hashes"); !strings.Contains(out, "checking the folder itself") || !strings.Contains(out, "no problems found") {
		t.Errorf("check of a stopped server's folder:\n%s", out)
	}
	if err := os.WriteFile(f2, []byte("not the message"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := in.cliFail("", "check", "--hashes"); !strings.Contains(out, "UID 2") {
		t.Errorf("offline check of a damaged file:\n%s", out)
	}
}

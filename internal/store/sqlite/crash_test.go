package sqlite

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/postern/postern/internal/store"
)

// crashEnv names the store folder for TestCrashChild; unset, the child
// test skips.
const crashEnv = "POSTERN_SQLITE_CRASH_DIR"

// crashAcks is how many acknowledged deliveries the parent waits for
// before it kills the child.
const crashAcks = 200

// TestCrashChild is the process TestCrashRecovery kills: it delivers
// messages from several goroutines and prints "ACK <sha256>" for each one
// after Deliver returned. Every third message also goes to account 2, so
// that shared blobs are part of the test.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashEnv)
	if dir == "" {
		t.Skip("run by TestCrashRecovery")
	}
	db, err := Open(context.Background(), Options{Dir: dir})
	if err != nil {
		fmt.Println("OPEN", err)
		os.Exit(2)
	}
	db.hookBeforeCommit = func() { time.Sleep(time.Duration(rand.IntN(2000)) * time.Microsecond) }
	var out sync.Mutex
	deadline := time.Now().Add(time.Minute) // in case the parent is gone
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), uint64(time.Now().UnixNano())))
			for i := 0; time.Now().Before(deadline); i++ {
				body := crashBody(rng, g, i)
				to := []store.AccountID{1}
				if i%3 == 0 {
					to = append(to, 2)
				}
				if _, err := db.Deliver(context.Background(), to, bytes.NewReader(body), time.Time{}); err != nil {
					fmt.Println("ERR", err)
					os.Exit(3)
				}
				sum := sha256.Sum256(body)
				out.Lock()
				fmt.Printf("ACK %x %d\n", sum, len(to))
				out.Unlock()
			}
		})
	}
	wg.Wait()
	os.Exit(0)
}

// crashBody makes a unique body of a few bytes to 200 KB, with bare LFs,
// NULs and 8-bit bytes.
func crashBody(rng *rand.Rand, g, i int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "Subject: crash %d/%d\r\n\r\n", g, i)
	n := rng.IntN(4096)
	if rng.IntN(10) == 0 {
		n = 200 << 10
	}
	for range n {
		b.WriteByte(byte(rng.Uint32()))
	}
	return b.Bytes()
}

// TestCrashRecovery kills a delivering process with SIGKILL, several
// times over the same store, and checks after each kill that every
// acknowledged message survived exactly once, byte-identical, and that
// nothing visible is half-written.
//
// A kill loses no page cache, so this checks the order of blob, commit
// and acknowledgement and the recovery at Open, not the fsyncs.
func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns child processes")
	}
	dir := t.TempDir()
	db, err := Open(t.Context(), Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	setup(t, db, 1, 2)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	acked := map[string]int{}
	for round := range 3 {
		n := len(acked)
		maps.Copy(acked, runAndKill(t, dir))
		if len(acked)-n < crashAcks {
			t.Fatalf("round %d: only %d acknowledgements before the child ended", round, len(acked)-n)
		}
		var log bytes.Buffer
		db, err := Open(t.Context(), Options{Dir: dir, Logger: slog.New(slog.NewTextHandler(&log, nil))})
		if err != nil {
			t.Fatalf("round %d: reopen: %v", round, err)
		}
		t.Logf("round %d: reopened; log: %s", round, strings.TrimSpace(log.String()))
		checkAcked(t, db, acked)
		checkBlobsWhole(t, db)
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		if t.Failed() {
			t.Fatalf("round %d failed", round)
		}
	}
}

// checkAcked checks that every acknowledged message is in account 1's
// Inbox exactly once, and in account 2's if it was sent there too.
func checkAcked(t *testing.T, db *DB, acked map[string]int) {
	for a, want := range map[store.AccountID]func(recipients int) bool{
		1: func(int) bool { return true },
		2: func(r int) bool { return r == 2 },
	} {
		seen := bodyHashes(t, db, a)
		for h, recipients := range acked {
			if n := seen[h]; want(recipients) && n != 1 {
				t.Errorf("account %d: acknowledged message %s present %d times, want once", a, h[:12], n)
			}
		}
	}
}

// runAndKill runs TestCrashChild against dir, kills it with SIGKILL after
// crashAcks acknowledgements, and returns every acknowledged body hash
// with its number of recipients (lines complete before the pipe closed).
func runAndKill(t *testing.T, dir string) map[string]int {
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+dir)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := map[string]int{}
	killed := false
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		var h string
		var recipients int
		if _, err := fmt.Sscanf(sc.Text(), "ACK %s %d", &h, &recipients); err != nil {
			t.Errorf("child said %q", sc.Text())
			continue
		}
		acked[h] = recipients
		if len(acked) == crashAcks && !killed {
			killed = true
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
		}
	}
	err = cmd.Wait()
	if !killed || err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("child ended with %v (killed by us: %v), want death by SIGKILL", err, killed)
	}
	t.Logf("child killed after %d acknowledgements", len(acked))
	return acked
}

// bodyHashes counts the messages of an account's Inbox by body hash,
// checking each size against its bytes.
func bodyHashes(t *testing.T, db *DB, a store.AccountID) map[string]int {
	in, err := db.Folder(t.Context(), a, store.Inbox)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := db.Messages(t.Context(), in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if in.Messages != len(ms) {
		t.Errorf("account %d Inbox counts %d messages, lists %d", a, in.Messages, len(ms))
	}
	out := map[string]int{}
	for _, m := range ms {
		b, err := db.Open(t.Context(), in.ID, m.UID)
		if err != nil {
			t.Fatalf("Open %d: %v", m.UID, err)
		}
		h := sha256.New()
		n, err := io.Copy(h, b)
		b.Close()
		if err != nil || n != m.Size {
			t.Errorf("UID %d: read %d bytes (%v), size says %d", m.UID, n, err, m.Size)
		}
		out[hex.EncodeToString(h.Sum(nil))]++
	}
	return out
}

// checkBlobsWhole checks that every row's blob exists and hashes to its
// name, and that the sweep left no file without a row.
func checkBlobsWhole(t *testing.T, db *DB) {
	rows, err := db.rdb.Query(`SELECT DISTINCT blob FROM messages`)
	if err != nil {
		t.Fatal(err)
	}
	referenced := map[string]bool{}
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			t.Fatal(err)
		}
		referenced[h] = true
		data, err := os.ReadFile(filepath.Join(db.opt.Dir, "blobs", h[:2], h))
		if err != nil {
			t.Errorf("row names blob %s: %v", h[:12], err)
			continue
		}
		if hashOf(data) != h {
			t.Errorf("blob %s does not hash to its name", h[:12])
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	// A file without a row (its commit never happened) stays, for the
	// grace period, before the sweep quarantines it; none is older.
	for _, f := range blobFiles(t, db.opt.Dir) {
		if referenced[f] {
			continue
		}
		fi, err := os.Stat(filepath.Join(db.opt.Dir, "blobs", f[:2], f))
		if err != nil || time.Since(fi.ModTime()) > db.opt.OrphanGrace {
			t.Errorf("blob %s without a row was not quarantined: %v", f[:12], err)
		}
	}
	t.Logf("%d blobs, all referenced and whole", len(referenced))
}

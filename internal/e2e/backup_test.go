package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestBackupUnderLoad is issue 13's backup check: `postern backup` runs
// while messages are being delivered; the backup restored into a new data
// folder (`postern restore`) and served holds every message acknowledged
// before the backup began, and they read back whole over POP3.
func TestBackupUnderLoad(t *testing.T) {
	in := serve(t, "")
	in.setup()
	var acked atomic.Int64 // messages 1..acked were delivered, in order
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var loadErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		for n := 1; ; n++ {
			select {
			case <-stop:
				return
			default:
			}
			cmd := command(context.Background(), t, in.home, binary, "--data", in.data, "deliver", "--to", "alice@mail.test")
			cmd.Stdin = strings.NewReader(testMessage(n))
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(out), "delivered") {
				loadErr = fmt.Errorf("delivery %d: %v %s", n, err, out)
				return
			}
			acked.Store(int64(n))
		}
	}()
	time.Sleep(time.Second)
	before := acked.Load()
	dir := filepath.Join(t.TempDir(), "backup")
	out := in.cli("", "backup", dir)
	time.Sleep(500 * time.Millisecond)
	close(stop)
	wg.Wait()
	if loadErr != nil {
		t.Fatal(loadErr)
	}
	t.Logf("%d messages acknowledged before the backup began, %d in all; %s", before, acked.Load(), strings.TrimSpace(out))
	if before < 5 {
		t.Fatalf("only %d messages before the backup: the load did not run", before)
	}
	in.stop()

	restored := filepath.Join(t.TempDir(), "restored")
	r := &instance{t: t, data: restored, home: t.TempDir()}
	if out := r.cli("", "restore", dir); !strings.Contains(out, "restored") {
		t.Fatalf("restore: %s", out)
	}
	back := serve(t, restored)
	back.startPOP3()
	c, err := dialLogon("pop3", "127.0.0.1", back.POP3S, back.roots())
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	if rep, line, err := c.logon("alice@mail.test", "secret1"); rep != replyOK {
		t.Fatalf("logon to the restored server: %q %v", line, err)
	}
	stat, _ := c.command("STAT")
	var count, size int
	fmt.Sscanf(stat, "+OK %d %d", &count, &size)
	if int64(count) < before || int64(count) > acked.Load() {
		t.Fatalf("the restored Inbox holds %d messages; %d were acknowledged before the backup, %d in all", count, before, acked.Load())
	}
	seen := map[string]bool{}
	for i := 1; i <= count; i++ {
		if line, err := c.command(fmt.Sprintf("RETR %d", i)); err != nil || !strings.HasPrefix(line, "+OK") {
			t.Fatalf("RETR %d: %q %v", i, line, err)
		}
		var text strings.Builder
		for {
			l, err := c.line()
			if err != nil {
				t.Fatal(err)
			}
			if l == "." {
				break
			}
			text.WriteString(l + "\n")
		}
		for _, l := range strings.Split(text.String(), "\n") {
			if strings.HasPrefix(l, "Subject: ") {
				seen[strings.TrimPrefix(l, "Subject: ")] = true
			}
		}
	}
	for n := 1; int64(n) <= before; n++ {
		if !seen[fmt.Sprintf("e2e message %d", n)] {
			t.Errorf("message %d, acknowledged before the backup, is not in the restored Inbox", n)
		}
	}
}

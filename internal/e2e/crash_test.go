package e2e

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/postern/postern/internal/smtp"
)

// TestKillDuringDelivery is the crash test: a postern serve takes a
// stream of LMTP deliveries from several senders and is killed with SIGKILL
// mid-stream. After a restart every acknowledged message is in the Inbox
// exactly once and byte-identical, and POP3 serves them.
func TestKillDuringDelivery(t *testing.T) {
	in := serve(t, "")
	in.setup()
	var acked sync.Map // body marker -> struct{}
	var count atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			c, err := smtp.Dial(ctx, "tcp", in.LMTP)
			if err != nil {
				return
			}
			defer c.Close()
			if c.LHLO("crash.test") != nil {
				return
			}
			for i := 0; ctx.Err() == nil; i++ {
				marker := fmt.Sprintf("w%d-m%d", w, i)
				per, err := c.Send("bob@mail.test", []string{"alice@mail.test"}, strings.NewReader(crashMessage(marker)))
				if err != nil || per[0] != nil {
					return // the server died under us: not acknowledged
				}
				acked.Store(marker, struct{}{})
				count.Add(1)
			}
		}(w)
	}
	for count.Load() < 150 {
		time.Sleep(5 * time.Millisecond)
	}
	in.kill()
	cancel()
	wg.Wait()
	var want []string
	acked.Range(func(k, _ any) bool { want = append(want, k.(string)); return true })
	t.Logf("%d deliveries acknowledged before SIGKILL", len(want))

	in2 := serve(t, in.data) // same data folder
	in2.cli("", "service", "start", "pop3-backend")
	in2.cli("", "service", "start", "pop3")
	in2.listeners()
	seen := map[string]int{}
	for _, body := range popAll(t, in2) {
		i := strings.Index(body, "X-Marker: ")
		if i < 0 {
			t.Fatalf("message without marker: %q", body)
		}
		marker := strings.Fields(body[i+len("X-Marker: "):])[0]
		if !strings.HasSuffix(body, crashMessage(marker)) {
			t.Errorf("message %s is not byte-identical", marker)
		}
		seen[marker]++
	}
	for _, m := range want {
		if seen[m] != 1 {
			t.Errorf("acknowledged message %s present %d times", m, seen[m])
		}
	}
	for m, n := range seen {
		if n != 1 {
			t.Errorf("message %s present %d times", m, n)
		}
	}
}

func crashMessage(marker string) string {
	return "From: bob@mail.test\r\nTo: alice@mail.test\r\nSubject: crash test\r\nX-Marker: " + marker + "\r\n\r\n" +
		strings.Repeat("Some body text for "+marker+".\r\n", 40)
}

// popAll retrieves every message in alice's Inbox over POP3S.
func popAll(t *testing.T, in *instance) []string {
	return popUser(t, in, "alice@mail.test", "secret1")
}

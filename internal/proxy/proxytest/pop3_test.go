package proxytest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	pop3backend "github.com/postern/postern/internal/pop3/backend"
	"github.com/postern/postern/internal/proxy"
	"github.com/postern/postern/internal/store"
)

// TestPOP3ThroughProxy: STAT, RETR, DELE and QUIT through the proxy to a
// real POP3 backend; the deletion reaches the store.
func TestPOP3ThroughProxy(t *testing.T) {
	e := setup(t, "POP3", alice, func(st func(string) (store.Store, error)) (proxy.Backend, func()) {
		b := pop3backend.New(pop3backend.Options{Store: st, Logger: quiet})
		return b, func() { b.Stop(time.Second) }
	})
	c := e.dial(t)
	c.Expect("+ relayed")
	c.Cmd("STAT", fmt.Sprintf("+OK 1 %d", len(hello)))
	c.Cmd("RETR 1", "+OK*")
	if body := strings.Join(c.Lines(), "\r\n") + "\r\n"; body != hello {
		t.Errorf("RETR: %q", body)
	}
	c.Cmd("DELE 1", "+OK*")
	c.Send("QUIT\r\n")
	if rest := c.Closed(); len(rest) != 1 || !strings.HasPrefix(rest[0], "+OK") {
		t.Errorf("QUIT: %q", rest)
	}
	in, err := e.db.Folder(t.Context(), store.AccountID(alice.ID), store.Inbox)
	if err != nil {
		t.Fatal(err)
	}
	if msgs, err := e.db.Messages(t.Context(), in.ID); err != nil || len(msgs) != 0 {
		t.Errorf("Inbox after QUIT: %d messages, %v", len(msgs), err)
	}
}

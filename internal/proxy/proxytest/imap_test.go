package proxytest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/internal/directory"
	imapbackend "github.com/postern/postern/internal/imap/backend"
	"github.com/postern/postern/internal/proxy"
	"github.com/postern/postern/internal/store"
	"github.com/postern/postern/internal/testkit"
)

func imapSetup(t *testing.T, user directory.User) env {
	return setup(t, "IMAP4", user, func(st func(string) (store.Store, error)) (proxy.Backend, func()) {
		b := imapbackend.New(imapbackend.Options{Store: st, Logger: quiet})
		return b, func() { b.Stop(time.Second) }
	})
}

// TestIMAPThroughProxy drives a real IMAP4 backend over a SQLite store on
// "EX2" from a client of a frontend on "EX1", through RemoteBackend and
// ProxyHandler over TLS with the organisation's certificates.
func TestIMAPThroughProxy(t *testing.T) {
	e := imapSetup(t, alice)
	c := e.dial(t)
	c.Expect("+ relayed")
	c.Send("a SELECT INBOX\r\n")
	untilTagged(t, c, "a", "a OK [READ-WRITE] SELECT completed.")
	c.Send("b FETCH 1 (FLAGS BODY[])\r\n")
	got := untilTagged(t, c, "b", "b OK FETCH completed.")
	if all := strings.Join(got, "\n"); !strings.Contains(all, "Subject: hello") || !strings.Contains(all, "Hi Alice.") {
		t.Errorf("FETCH: %q", got)
	}
	up := "From: alice@mail.test\r\nSubject: draft\r\n\r\nAppended through the proxy.\r\n"
	c.Send(fmt.Sprintf("c APPEND INBOX {%d}\r\n", len(up)))
	c.Expect("+ *")
	c.Send(up + "\r\n")
	untilTagged(t, c, "c", "c OK [APPENDUID *")
	c.Send("d UID FETCH 1:* (UID BODY[HEADER.FIELDS (SUBJECT)])\r\n")
	got = untilTagged(t, c, "d", "d OK FETCH completed.")
	if all := strings.Join(got, "\n"); !strings.Contains(all, "Subject: draft") {
		t.Errorf("after APPEND: %q", got)
	}
	c.Send("e LOGOUT\r\n")
	rest := c.Closed()
	if len(rest) != 2 || !strings.HasPrefix(rest[0], "* BYE") || rest[1] != "e OK LOGOUT completed." {
		t.Errorf("LOGOUT: %q", rest)
	}
	// The store holds the appended message.
	in, err := e.db.Folder(t.Context(), store.AccountID(alice.ID), store.Inbox)
	if err != nil {
		t.Fatal(err)
	}
	if msgs, err := e.db.Messages(t.Context(), in.ID); err != nil || len(msgs) != 2 {
		t.Errorf("Inbox: %d messages, %v", len(msgs), err)
	}
}

// Stopping the backend service ends a relayed session in its own words,
// and the next handoff is refused as temporary.
func TestIMAPBackendStops(t *testing.T) {
	e := imapSetup(t, alice)
	c := e.dial(t)
	c.Expect("+ relayed")
	c.Send("a SELECT INBOX\r\n")
	untilTagged(t, c, "a", "a OK [READ-WRITE] SELECT completed.")
	e.stop()
	if rest := c.Closed(); len(rest) != 1 || rest[0] != "* BYE The IMAP4 service is shutting down." {
		t.Errorf("after the backend stopped: %q", rest)
	}
	c = e.dial(t)
	c.Expect("- temporary")
}

// A user without a mailbox in the store: the backend refuses the handoff
// as temporary, the frontend answers so.
func TestIMAPNoMailbox(t *testing.T) {
	e := imapSetup(t, bob)
	c := e.dial(t)
	c.Expect("- temporary")
}

// untilTagged reads lines up to the tagged reply and checks it (want may
// end in "*"); it returns the lines before it.
func untilTagged(t *testing.T, c *testkit.Client, tag, want string) []string {
	t.Helper()
	var got []string
	for {
		l := c.Line()
		if strings.HasPrefix(l, tag+" ") {
			p, wild := strings.CutSuffix(want, "*")
			if l != want && !(wild && strings.HasPrefix(l, p)) {
				t.Fatalf("%s: got %q, want %q (after %q)", tag, l, want, got)
			}
			return got
		}
		got = append(got, l)
	}
}

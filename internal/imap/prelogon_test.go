package imap_test

import (
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/internal/testkit"
)

// TestPreLogonLongLine: a command line over MaxCommandSize before logon is
// answered BAD and the session goes on (spec §11 item 25), in a command
// and in a literal.
func TestPreLogonLongLine(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{Imap: map[string]string{"MaxCommandSize": "1024"}}, 0)
	c := testkit.Dial(t, s.IMAPS, s.ClientTLS("localhost"))
	c.Expect(greeting)
	c.Cmd("a NOOP "+strings.Repeat("x", 1100), "a BAD*")
	c.Cmd("b LOGIN "+strings.Repeat("y", 5000)+" pw", "b BAD*")
	c.Cmd("c NOOP", "c OK NOOP completed.")
	c.Cmd("d LOGIN alice@mail.test secret1", "d OK LOGIN completed.")
}

// TestPreLogonTimeouts: an idle connection before logon gets a BYE at
// PreAuthenticatedConnectionTimeout, and a TLS handshake that stalls is
// closed then too, not after a fixed minute.
func TestPreLogonTimeouts(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{Imap: map[string]string{"PreAuthenticatedConnectionTimeout": "00:00:30"}}, 0)
	idle := testkit.Dial(t, s.IMAP, nil)
	idle.Expect(greeting)
	stalled := testkit.Dial(t, s.IMAPS, nil) // no TLS handshake at all
	start := time.Now()
	lines := idle.ClosedWithin(45 * time.Second)
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "* BYE ") {
		t.Errorf("idle before logon: closed with %q, want a BYE", lines)
	}
	stalled.ClosedWithin(45 * time.Second)
	if d := time.Since(start); d < 29*time.Second || d > 40*time.Second {
		t.Errorf("closed after %v, want 30 s", d)
	}
}

// TestShutdownDuringAppend: a client halfway through an APPEND literal
// when the service stops gets a BYE, and nothing half-sent is stored.
func TestShutdownDuringAppend(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{}, 0)
	c := loginTLS(t, s)
	c.Send("b APPEND INBOX {1000}\r\n")
	c.Expect("+ *")
	c.Send("From: a@b.test\r\nSubject: half\r\n\r\nonly part of it")
	time.Sleep(100 * time.Millisecond)
	done := make(chan struct{})
	go func() {
		s.StopService(t.Context(), "imap4")
		close(done)
	}()
	lines := c.ClosedWithin(10 * time.Second)
	<-done
	if len(lines) == 0 || !strings.HasPrefix(lines[len(lines)-1], "* BYE ") {
		t.Errorf("closed with %q, want a BYE", lines)
	}
	s.RestartIMAP()
	c2 := loginTLS(t, s)
	c2.Send("c SELECT INBOX\r\n")
	for _, l := range untilTagged(t, c2, "c", "c OK*") {
		if strings.HasSuffix(l, " EXISTS") && l != "* 0 EXISTS" {
			t.Errorf("a half-sent APPEND was stored: %s", l)
		}
	}
}

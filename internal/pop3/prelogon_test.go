package pop3_test

import (
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/internal/testkit"
)

// TestPreLogonLongLine: a command line over MaxCommandSize before logon is
// answered -ERR and the session goes on (spec §11 item 25).
func TestPreLogonLongLine(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{}, 0)
	c := testkit.Dial(t, s.POP3S, s.ClientTLS("localhost"))
	c.Expect(banner)
	c.Cmd("USER "+strings.Repeat("x", 5000), "-ERR Command is too long.")
	c.Cmd("USER alice@mail.test", "+OK")
	c.Cmd("PASS secret1", "+OK User successfully logged on.")
}

// TestPreLogonTimeouts: an idle connection before logon gets -ERR at
// PreAuthenticatedConnectionTimeout, and a TLS handshake that stalls is
// closed then too, not after a fixed minute.
func TestPreLogonTimeouts(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{Pop: map[string]string{"PreAuthenticatedConnectionTimeout": "00:00:30"}}, 0)
	idle := testkit.Dial(t, s.POP3, nil)
	idle.Expect(banner)
	stalled := testkit.Dial(t, s.POP3S, nil) // no TLS handshake at all
	start := time.Now()
	lines := idle.ClosedWithin(45 * time.Second)
	if len(lines) != 1 || lines[0] != "-ERR Connection timed out." {
		t.Errorf("idle before logon: closed with %q, want -ERR Connection timed out.", lines)
	}
	stalled.ClosedWithin(45 * time.Second)
	if d := time.Since(start); d < 29*time.Second || d > 40*time.Second {
		t.Errorf("closed after %v, want 30 s", d)
	}
}

package e2e

import (
	"os"
	"strings"
	"testing"

	"github.com/postern/postern/internal/testkit/pgtest"
)

// TestClusterPostgresDown stops the organisation's PostgreSQL (a server of
// this test's own) under a running Postern: an APPEND in flight answers NO
// and stores nothing, a logon answers the temporary error, SMTP answers
// 4xx; with PostgreSQL back, service resumes by itself and every message
// acknowledged before is there, once.
func TestClusterPostgresDown(t *testing.T) {
	need(t, "python3")
	need(t, "swaks")
	pg, err := pgtest.Start()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL: %v", err)
		}
		t.Skipf("PostgreSQL: %v", err)
	}
	t.Cleanup(pg.Stop)
	a := startClusterOn(t, pg.URL("postgres"), 1, 41)[0]
	a.cli("secret1\n", "user", "add", "alice@mail.test")

	py := newPyClient(t, a.ip, a.ca())
	py.do("login")
	if f := py.do("append before"); f[0] != "OK" {
		t.Fatalf("append: %v", f)
	}
	pg.StopServer()
	if f := py.do("?append during"); f[0] != "NO" || !strings.Contains(strings.Join(f, " "), "UNAVAILABLE") {
		t.Fatalf("APPEND with PostgreSQL stopped: %v", f)
	}
	if f := newPyClient(t, a.ip, a.ca()).do("?login"); !strings.Contains(strings.Join(f, " "), "UNAVAILABLE") {
		t.Fatalf("logon with PostgreSQL stopped: %v", f)
	}
	sw := command(nil, t, t.TempDir(), "swaks", "--server", a.ip+":25", "--to", "alice@mail.test", "--from", "bob@example.org")
	out, _ := sw.CombinedOutput()
	if !strings.Contains(string(out), "<** 4") {
		t.Fatalf("SMTP with PostgreSQL stopped:\n%s", out)
	}
	if err := pg.Restart(); err != nil {
		t.Fatal(err)
	}
	// Service resumes without a restart of Postern.
	py = newPyClient(t, a.ip, a.ca())
	var f []string
	for i := 0; i < 30; i++ {
		if f = py.do("?login"); f[0] == "ok" {
			break
		}
	}
	if f[0] != "ok" {
		t.Fatalf("logon after PostgreSQL came back: %v", f)
	}
	if f := py.do("subjects"); f[1] != "before" {
		t.Fatalf("after the outage the Inbox holds %v, want only the message acknowledged before", f)
	}
}

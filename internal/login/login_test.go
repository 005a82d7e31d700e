package login

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/postern/postern/internal/directory"
)

func TestPolicyMatrix(t *testing.T) {
	t.Parallel()
	cases := []struct {
		t          Type
		tls, allow bool
	}{
		{PlainTextLogin, false, true}, {PlainTextLogin, true, true},
		{PlainTextAuthentication, false, false}, {PlainTextAuthentication, true, true},
		{SecureLogin, false, false}, {SecureLogin, true, true},
	}
	for _, c := range cases {
		if got := c.t.PlainAllowed(c.tls); got != c.allow {
			t.Errorf("%d tls=%v: %v", c.t, c.tls, got)
		}
		if got := len(c.t.Mechanisms(c.tls)) > 0; got != c.allow {
			t.Errorf("%d tls=%v mechanisms: %v", c.t, c.tls, got)
		}
	}
}

func TestSASL(t *testing.T) {
	t.Parallel()
	mechs := []string{"PLAIN", "LOGIN"}
	if _, err := NewSASL("CRAM-MD5", mechs); !errors.Is(err, ErrUnknownMechanism) {
		t.Fatal(err)
	}
	if _, err := NewSASL("PLAIN", nil); !errors.Is(err, ErrUnknownMechanism) {
		t.Fatal("PLAIN accepted where not allowed")
	}
	p, _ := NewSASL("plain", mechs)
	if ch, done, err := p.Start(nil); err != nil || done || len(ch) != 0 {
		t.Fatalf("plain start: %q %v %v", ch, done, err)
	}
	if _, done, err := p.Next([]byte("\x00alice\x00pw")); !done || err != nil {
		t.Fatal(done, err)
	}
	if a, u, pw := p.Credentials(); a != "" || u != "alice" || pw != "pw" {
		t.Fatal(a, u, pw)
	}
	p, _ = NewSASL("PLAIN", mechs)
	if _, _, err := p.Start([]byte("alice\x00pw")); !errors.Is(err, ErrSASLSyntax) {
		t.Fatal("two-field PLAIN accepted")
	}
	l, _ := NewSASL("LOGIN", mechs)
	ch, _, _ := l.Start(nil)
	if string(ch) != "Username:" {
		t.Fatal(string(ch))
	}
	ch, _, _ = l.Next([]byte("bob"))
	if string(ch) != "Password:" {
		t.Fatal(string(ch))
	}
	if _, done, _ := l.Next([]byte("pw")); !done {
		t.Fatal("not done")
	}
	if _, u, pw := l.Credentials(); u != "bob" || pw != "pw" {
		t.Fatal(u, pw)
	}
	for in, want := range map[string]error{"*": ErrCancelled, "!!": ErrSASLSyntax} {
		if _, err := DecodeResponse(in); !errors.Is(err, want) {
			t.Errorf("DecodeResponse(%q) = %v", in, err)
		}
	}
	if b, err := DecodeResponse("="); err != nil || b == nil || len(b) != 0 {
		t.Error("= is not an empty response")
	}
}

func TestEngine(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := testDirectory(t)
	for _, a := range []string{"alice@mail.test", "administrator@mail.test", "guest@mail.test", "bob@mail.test"} {
		if _, err := d.AddUser(ctx, directory.NewUser{Address: a, Password: "pw", Database: "DB"}); err != nil {
			t.Fatal(err)
		}
	}
	e := NewEngine(Options{Verifier: d, MaxPerUser: 2, Throttle: fastThrottle(), Permit: func(u directory.User) error {
		if u.Alias == "bob" {
			return ErrDisabled
		}
		return nil
	}})
	log := slog.New(slog.DiscardHandler)
	for _, name := range []string{"Administrator", "ADMINISTRATOR@mail.test", `MAIL\administrator`, " administrator ", "guest", "Anonymous"} {
		if _, err := e.Login(ctx, log, try(name, "pw")); !errors.Is(err, ErrFailed) {
			t.Errorf("%q logged on: %v", name, err)
		}
	}
	if _, err := e.Login(ctx, log, try("bob", "pw")); !errors.Is(err, ErrDisabled) {
		t.Errorf("disabled: %v", err)
	}
	if _, err := e.Login(ctx, log, try("alice", "wrong")); !errors.Is(err, ErrFailed) {
		t.Errorf("wrong password: %v", err)
	}
	g1, err := e.Login(ctx, log, try("alice", "pw"))
	if err != nil {
		t.Fatal(err)
	}
	g2, _ := e.Login(ctx, log, try("Alice@Mail.Test", "pw"))
	if _, err := e.Login(ctx, log, try("alice", "pw")); !errors.Is(err, ErrUserLimit) {
		t.Fatalf("third session: %v", err)
	}
	g1.Release()
	g1.Release() // idempotent
	g3, err := e.Login(ctx, log, try("alice", "pw"))
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	g2.Release()
	g3.Release()
}

func TestSplitDelegate(t *testing.T) {
	t.Parallel()
	for name, want := range map[string][2]string{
		"contoso/alice/shared":            {`contoso\alice`, "shared"},
		"alice@contoso.com/shared":        {"alice@contoso.com", "shared"},
		"alice@contoso.com/s@contoso.com": {"alice@contoso.com", "s@contoso.com"},
		`contoso\alice\shared`:            {`contoso\alice`, "shared"},
	} {
		d, p, ok := SplitDelegate(name)
		if !ok || d != want[0] || p != want[1] {
			t.Errorf("%q: %q %q %v; want %q %q", name, d, p, ok, want[0], want[1])
		}
	}
	for _, name := range []string{"alice", `contoso\alice`, "alice@contoso.com", "a//b", "/a", "a/", "a/b/c/d", `a\\b`, `a\b\c\d`, "a/b/"} {
		if d, p, ok := SplitDelegate(name); ok {
			t.Errorf("%q split into %q and %q", name, d, p)
		}
	}
}

// TestDelegateLogon: the delegate's password opens the principal's mailbox
// only with full access; the principal's switches and the built-in
// accounts' block apply to the mailbox opened.
func TestDelegateLogon(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := testDirectory(t)
	users := map[string]directory.User{}
	for _, a := range []string{"alice", "shared", "off", "administrator", "carol"} {
		u, err := d.AddUser(ctx, directory.NewUser{Address: a + "@mail.test", Password: "pw-" + a, Database: "DB"})
		if err != nil {
			t.Fatal(err)
		}
		users[a] = u
	}
	for _, m := range []string{"shared", "off", "administrator"} {
		if err := d.SetFullAccess(ctx, users[m].ID, users["alice"].ID, true); err != nil {
			t.Fatal(err)
		}
	}
	permit := func(u directory.User) error {
		if u.Alias == "off" {
			return ErrDisabled
		}
		return nil
	}
	e := NewEngine(Options{Verifier: d, Delegation: d, Permit: permit, Throttle: fastThrottle()})
	log := slog.New(slog.DiscardHandler)
	for _, name := range []string{"mail/alice/shared", "alice@mail.test/shared", "alice@mail.test/shared@mail.test", `MAIL\alice\shared`} {
		g, err := e.Login(ctx, log, try(name, "pw-alice"))
		if err != nil || g.User.ID != users["shared"].ID || g.Delegate.ID != users["alice"].ID {
			t.Fatalf("%q: %+v %v", name, g, err)
		}
		g.Release()
	}
	for _, c := range []struct {
		name, pw string
		want     error
	}{
		{"alice@mail.test/shared", "pw-shared", ErrFailed},       // the principal's password is not the delegate's
		{"carol@mail.test/shared", "pw-carol", ErrFailed},        // no full access
		{"alice@mail.test/nobody", "pw-alice", ErrFailed},        // no such mailbox
		{"alice@mail.test/administrator", "pw-alice", ErrFailed}, // blocked whatever the access
		{"administrator@mail.test/alice", "pw-administrator", ErrFailed},
		{"alice@mail.test/off", "pw-alice", ErrDisabled}, // the principal's ImapEnabled
	} {
		if _, err := e.Login(ctx, log, try(c.name, c.pw)); !errors.Is(err, c.want) {
			t.Errorf("%q: %v, want %v", c.name, err, c.want)
		}
	}
	// Without Delegation (POP3, SMTP, web) the form is just an unknown name.
	plain := NewEngine(Options{Verifier: d, Throttle: fastThrottle()})
	if _, err := plain.Login(ctx, log, try("alice@mail.test/shared", "pw-alice")); !errors.Is(err, ErrFailed) {
		t.Errorf("delegate logon without Delegation: %v", err)
	}
}

// try is an attempt from the loopback address.
func try(name, password string) Attempt {
	return Attempt{Source: netip.MustParseAddr("127.0.0.1"), User: name, Password: password}
}

// fastThrottle paces as the default does but with a penalty of a
// millisecond, for tests that fail many logons from one address.
func fastThrottle() *Throttle {
	return NewThrottle(ThrottleOptions{MaxPenalty: time.Millisecond, PerMinute: 100000})
}

// testDirectory opens a directory for mail.test with database "DB".
func testDirectory(t *testing.T) *directory.Directory {
	t.Helper()
	ctx := context.Background()
	d, err := directory.Open(ctx, directory.Options{Path: filepath.Join(t.TempDir(), "d.db"), Hash: directory.HashParams{MemoryKiB: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if err := d.Init(ctx, directory.InitOptions{Server: directory.Server{Name: "S", FQDN: "mail.test"}, Domain: "mail.test", Database: directory.Database{Name: "DB", Path: "db"}}); err != nil {
		t.Fatal(err)
	}
	return d
}

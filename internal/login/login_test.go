package login

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"testing"

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
	d, err := directory.Open(ctx, directory.Options{Path: filepath.Join(t.TempDir(), "d.db"), Hash: directory.HashParams{MemoryKiB: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	d.Init(ctx, directory.InitOptions{Server: directory.Server{Name: "S", FQDN: "mail.test"}, Domain: "mail.test", Database: directory.Database{Name: "DB", Path: "db"}})
	for _, a := range []string{"alice@mail.test", "administrator@mail.test", "guest@mail.test", "bob@mail.test"} {
		if _, err := d.AddUser(ctx, directory.NewUser{Address: a, Password: "pw", Database: "DB"}); err != nil {
			t.Fatal(err)
		}
	}
	e := NewEngine(Options{Verifier: d, MaxPerUser: 2, Permit: func(u directory.User) error {
		if u.Alias == "bob" {
			return ErrDisabled
		}
		return nil
	}})
	log := slog.New(slog.DiscardHandler)
	for _, name := range []string{"Administrator", "ADMINISTRATOR@mail.test", `MAIL\administrator`, " administrator ", "guest", "Anonymous"} {
		if _, err := e.Login(ctx, log, name, "pw"); !errors.Is(err, ErrFailed) {
			t.Errorf("%q logged on: %v", name, err)
		}
	}
	if _, err := e.Login(ctx, log, "bob", "pw"); !errors.Is(err, ErrDisabled) {
		t.Errorf("disabled: %v", err)
	}
	if _, err := e.Login(ctx, log, "alice", "wrong"); !errors.Is(err, ErrFailed) {
		t.Errorf("wrong password: %v", err)
	}
	g1, err := e.Login(ctx, log, "alice", "pw")
	if err != nil {
		t.Fatal(err)
	}
	g2, _ := e.Login(ctx, log, "Alice@Mail.Test", "pw")
	if _, err := e.Login(ctx, log, "alice", "pw"); !errors.Is(err, ErrUserLimit) {
		t.Fatalf("third session: %v", err)
	}
	g1.Release()
	g1.Release() // idempotent
	g3, err := e.Login(ctx, log, "alice", "pw")
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	g2.Release()
	g3.Release()
}

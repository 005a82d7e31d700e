package directory

import (
	"context"
	"errors"
	"testing"
)

func TestCanonical(t *testing.T) {
	t.Parallel()
	good := map[string]Name{
		"alice":             {Alias: "alice"},
		"  Alice@Mail.TEST": {Alias: "alice", Domain: "mail.test"},
		`MAIL\Alice`:        {Alias: "alice", Domain: "mail", Backslash: true},
		"ADMINISTRATOR":     {Alias: "administrator"},
		"ÄDMIN@x.test":      {Alias: "ädmin", Domain: "x.test"},
	}
	for in, want := range good {
		got, err := Canonical(in)
		if err != nil || got != want {
			t.Errorf("Canonical(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"", " ", "a b", "a\x00b", "@x", `x\`, "a@", "a\tb", "\xff", string(make([]byte, 400))} {
		if _, err := Canonical(in); !errors.Is(err, ErrBadName) {
			t.Errorf("Canonical(%q) err = %v, want ErrBadName", in, err)
		}
	}
}

func TestUsers(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		d := b.directory(t)
		u, err := d.AddUser(ctx, NewUser{Address: "Alice@mail.test", Password: "secret1", Database: "Mailbox Database 01"})
		if err != nil {
			t.Fatal(err)
		}
		if u.Address() != "alice@mail.test" {
			t.Fatalf("address %q", u.Address())
		}
		if _, err := d.AddUser(ctx, NewUser{Address: "ALICE@mail.test", Password: "x", Database: "Mailbox Database 01"}); !errors.Is(err, ErrExists) {
			t.Fatalf("duplicate add: %v", err)
		}
		if _, err := d.AddUser(ctx, NewUser{Address: "bob@other.test", Password: "x", Database: "Mailbox Database 01"}); !errors.Is(err, ErrNotFound) {
			t.Fatalf("unaccepted domain: %v", err)
		}
		for _, name := range []string{"alice", "ALICE@MAIL.TEST", `mail\alice`, `MAIL.TEST\Alice`} {
			got, err := d.Verify(ctx, name, "secret1")
			if err != nil || got.ID != u.ID {
				t.Errorf("Verify(%q) = %v, %v", name, got.ID, err)
			}
		}
		if _, err := d.Verify(ctx, "alice@other.test", "secret1"); !errors.Is(err, ErrNotFound) {
			t.Errorf("wrong domain: %v", err)
		}
		if _, err := d.Verify(ctx, "alice", "Secret1"); !errors.Is(err, ErrBadPassword) {
			t.Errorf("wrong password: %v", err)
		}
		if err := d.SetPassword(ctx, u.ID, "new"); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Verify(ctx, "alice", "new"); err != nil {
			t.Errorf("after reset: %v", err)
		}
		if err := d.RemoveUser(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Lookup(ctx, "alice"); !errors.Is(err, ErrNotFound) {
			t.Errorf("after remove: %v", err)
		}
	})
}

func TestPasswordHash(t *testing.T) {
	t.Parallel()
	h, err := HashPassword("pw", DefaultHashParams())
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := VerifyPassword(h, "pw"); !ok || err != nil {
		t.Fatalf("verify: %v %v", ok, err)
	}
	if ok, _ := VerifyPassword(h, "pW"); ok {
		t.Fatal("wrong password verified")
	}
	for _, bad := range []string{"", "$argon2id$v=19$m=1,t=1,p=1$$", "$argon2id$v=19$m=99999999,t=1,p=1$AAAA$AAAA", "$bcrypt$x"} {
		if ok, err := VerifyPassword(bad, "pw"); ok || err == nil {
			t.Errorf("VerifyPassword(%q) = %v, %v", bad, ok, err)
		}
	}
}

func TestSettingsAndServices(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		d := b.directory(t)
		if _, err := d.Setting(ctx, "MAIL01", "pop3"); !errors.Is(err, ErrNotFound) {
			t.Fatal(err)
		}
		if err := d.SetSetting(ctx, "MAIL01", "pop3", []byte(`{"a":1}`)); err != nil {
			t.Fatal(err)
		}
		if err := d.SetSetting(ctx, "MAIL01", "pop3", []byte(`{"a":2}`)); err != nil {
			t.Fatal(err)
		}
		if v, err := d.Setting(ctx, "MAIL01", "pop3"); err != nil || string(v) != `{"a":2}` {
			t.Fatalf("%s %v", v, err)
		}
		// AddSetting keeps the first value stored.
		if v, err := d.AddSetting(ctx, "", "ca", []byte(`"first"`)); err != nil || string(v) != `"first"` {
			t.Fatalf("AddSetting: %s %v", v, err)
		}
		if v, err := d.AddSetting(ctx, "", "ca", []byte(`"second"`)); err != nil || string(v) != `"first"` {
			t.Fatalf("AddSetting over an existing value: %s %v", v, err)
		}
		if err := d.SetStartupType(ctx, "MAIL01", "pop3", "Automatic"); err != nil {
			t.Fatal(err)
		}
		if v, err := d.StartupType(ctx, "MAIL01", "pop3"); err != nil || v != "Automatic" {
			t.Fatalf("%s %v", v, err)
		}
	})
}

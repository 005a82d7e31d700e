package directory

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestServers(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		d := b.openEmpty(t)
		if ok, err := d.Initialized(ctx); ok || err != nil {
			t.Fatalf("empty directory Initialized = %v, %v", ok, err)
		}
		if err := d.AddServer(ctx, Server{Name: "MAIL01", FQDN: "mail01.test"}); err != nil {
			t.Fatal(err)
		}
		if ok, err := d.Initialized(ctx); !ok || err != nil {
			t.Fatalf("Initialized after AddServer = %v, %v", ok, err)
		}
		if err := d.AddServer(ctx, Server{Name: "MAIL02", FQDN: "mail02.test", Address: "10.0.0.2"}); err != nil {
			t.Fatal(err)
		}
		if err := d.AddServer(ctx, Server{Name: "MAIL01", FQDN: "other.test"}); !errors.Is(err, ErrExists) {
			t.Errorf("AddServer(existing) = %v, want ErrExists", err)
		}
		if err := d.AddServer(ctx, Server{Name: "A,B"}); !errors.Is(err, ErrBadServerName) {
			t.Errorf("AddServer(comma) = %v", err)
		}
		if s, err := d.ServerByName(ctx, "MAIL02"); err != nil || s != (Server{"MAIL02", "mail02.test", "10.0.0.2"}) {
			t.Errorf("ServerByName = %+v, %v", s, err)
		}
		if _, err := d.ServerByName(ctx, "NONE"); !errors.Is(err, ErrNotFound) {
			t.Errorf("ServerByName(unknown) = %v", err)
		}
		if err := d.SetServerAddress(ctx, "MAIL01", "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
		if err := d.SetServerAddress(ctx, "NONE", "x"); !errors.Is(err, ErrNotFound) {
			t.Errorf("SetServerAddress(unknown) = %v", err)
		}
		all, err := d.Servers(ctx)
		want := []Server{{"MAIL01", "mail01.test", "192.0.2.1"}, {"MAIL02", "mail02.test", "10.0.0.2"}}
		if err != nil || !slices.Equal(all, want) {
			t.Errorf("Servers = %+v, %v; want %+v", all, err, want)
		}
	})
}

func TestDatabases(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		d := b.directory(t)
		for _, s := range []string{"MAIL02", "MAIL_3", "mail02"} {
			if err := d.AddServer(ctx, Server{Name: s, FQDN: strings.ToLower(s) + ".test"}); err != nil {
				t.Fatal(err)
			}
		}
		// Init's database: one copy, on the first server.
		db1, err := d.Database(ctx, "Mailbox Database 01")
		if err != nil || db1.Server != "MAIL01" || !slices.Equal(db1.Copies, []string{"MAIL01"}) {
			t.Fatalf("Init's database = %+v, %v", db1, err)
		}
		if err := d.AddDatabase(ctx, Database{Name: "DB02", Path: "db02", Server: "MAIL02"}); err != nil {
			t.Fatal(err)
		}
		if err := d.AddDatabase(ctx, Database{Name: "DB02", Path: "x", Server: "MAIL02"}); !errors.Is(err, ErrExists) {
			t.Errorf("AddDatabase(existing) = %v", err)
		}
		if err := d.AddDatabase(ctx, Database{Name: "DB03", Path: "x", Server: "NONE"}); !errors.Is(err, ErrNotFound) {
			t.Errorf("AddDatabase(unknown server) = %v", err)
		}
		if err := d.AddDatabase(ctx, Database{Name: "DB03", Path: "x", Copies: []string{"MAIL02", "NONE"}}); !errors.Is(err, ErrNotFound) {
			t.Errorf("AddDatabase(unknown copy server) = %v", err)
		}
		// Copies: MAIL02 (created there), then MAIL01, then MAIL_3.
		if err := d.AddDatabaseCopy(ctx, "DB02", "MAIL01"); err != nil {
			t.Fatal(err)
		}
		if err := d.AddDatabaseCopy(ctx, "DB02", "MAIL01"); !errors.Is(err, ErrExists) {
			t.Errorf("AddDatabaseCopy twice = %v", err)
		}
		if err := d.SetDatabaseServer(ctx, "DB02", "MAIL_3"); !errors.Is(err, ErrNotFound) {
			t.Errorf("SetDatabaseServer to a server without a copy = %v", err)
		}
		if err := d.AddDatabaseCopy(ctx, "DB02", "MAIL_3"); err != nil {
			t.Fatal(err)
		}
		for _, c := range [][2]string{{"NONE", "MAIL01"}, {"DB02", "NONE"}} {
			if err := d.AddDatabaseCopy(ctx, c[0], c[1]); !errors.Is(err, ErrNotFound) {
				t.Errorf("AddDatabaseCopy(%q, %q) = %v", c[0], c[1], err)
			}
			if err := d.SetDatabaseServer(ctx, c[0], c[1]); !errors.Is(err, ErrNotFound) {
				t.Errorf("SetDatabaseServer(%q, %q) = %v", c[0], c[1], err)
			}
		}
		// Names match exactly: mail02 is another server than MAIL02.
		if err := d.SetDatabaseServer(ctx, "DB02", "mail02"); !errors.Is(err, ErrNotFound) {
			t.Errorf("SetDatabaseServer(mail02) = %v", err)
		}
		if err := d.SetDatabaseServer(ctx, "DB02", "MAIL01"); err != nil {
			t.Fatal(err)
		}
		db2, err := d.Database(ctx, "DB02")
		want := Database{Name: "DB02", Path: "db02", Server: "MAIL01", Copies: []string{"MAIL02", "MAIL01", "MAIL_3"}}
		if err != nil || db2.Name != want.Name || db2.Path != want.Path || db2.Server != want.Server || !slices.Equal(db2.Copies, want.Copies) {
			t.Errorf("Database = %+v, %v; want %+v", db2, err, want)
		}
		if all, err := d.Databases(ctx); err != nil || len(all) != 2 || all[0].Name != "DB02" || len(all[0].Copies) != 3 {
			t.Errorf("Databases = %+v, %v", all, err)
		}

		// A mailbox moves to DB02; DB02 can then not be removed, DB01 can.
		u, err := d.AddUser(ctx, NewUser{Address: "alice@mail.test", Password: "pw", Database: "Mailbox Database 01"})
		if err != nil {
			t.Fatal(err)
		}
		if err := d.SetUserDatabase(ctx, u.ID, "DB02"); err != nil {
			t.Fatal(err)
		}
		if err := d.SetUserDatabase(ctx, u.ID, "NONE"); !errors.Is(err, ErrNotFound) {
			t.Errorf("SetUserDatabase(unknown database) = %v", err)
		}
		if err := d.SetUserDatabase(ctx, 999, "DB02"); !errors.Is(err, ErrNotFound) {
			t.Errorf("SetUserDatabase(unknown user) = %v", err)
		}
		if got, _ := d.UserByID(ctx, u.ID); got.Database != "DB02" {
			t.Errorf("user's database after the move = %q", got.Database)
		}
		if err := d.RemoveDatabase(ctx, "DB02"); !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), "1 mailbox") {
			t.Errorf("RemoveDatabase in use = %v", err)
		}
		if err := d.RemoveDatabase(ctx, "Mailbox Database 01"); err != nil {
			t.Fatal(err)
		}
		if err := d.RemoveDatabase(ctx, "Mailbox Database 01"); !errors.Is(err, ErrNotFound) {
			t.Errorf("RemoveDatabase twice = %v", err)
		}
	})
}

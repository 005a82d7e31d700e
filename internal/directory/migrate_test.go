package directory

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"testing"
)

// An SQLite directory file made before the cluster records gains their
// columns when opened, its rows intact.
func TestMigrateOldSQLite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "directory.db")
	old, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE servers (
			name    TEXT PRIMARY KEY,
			fqdn    TEXT NOT NULL,
			created INTEGER NOT NULL
		)`,
		`CREATE TABLE databases (
			name   TEXT PRIMARY KEY,
			path   TEXT NOT NULL,
			server TEXT NOT NULL REFERENCES servers(name)
		)`,
		`INSERT INTO servers(name, fqdn, created) VALUES('MAIL01', 'mail01.test', 1), ('MAIL02', 'mail02.test', 2)`,
		`INSERT INTO databases(name, path, server) VALUES('DB01', 'databases/db01', 'MAIL01'), ('DB02', 'databases/db02', 'MAIL02')`,
	} {
		if _, err := old.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	old.Close()

	for round := range 2 { // a second open finds the columns there
		d, err := Open(ctx, Options{Path: path, Hash: testHash})
		if err != nil {
			t.Fatalf("open %d: %v", round, err)
		}
		servers, err := d.Servers(ctx)
		want := []Server{{"MAIL01", "mail01.test", ""}, {"MAIL02", "mail02.test", ""}}
		db01Copies := []string{"MAIL01"}
		if round == 1 {
			want = append(want, Server{"MAIL03", "mail03.test", "10.0.0.3"})
			db01Copies = []string{"MAIL01", "MAIL02"}
		}
		if err != nil || !slices.Equal(servers, want) {
			t.Errorf("open %d: Servers = %+v, %v", round, servers, err)
		}
		dbs, err := d.Databases(ctx)
		if err != nil || len(dbs) != 2 {
			t.Fatalf("open %d: Databases = %+v, %v", round, dbs, err)
		}
		for i, w := range []Database{{"DB01", "databases/db01", "MAIL01", db01Copies}, {"DB02", "databases/db02", "MAIL02", []string{"MAIL02"}}} {
			if g := dbs[i]; g.Name != w.Name || g.Path != w.Path || g.Server != w.Server || !slices.Equal(g.Copies, w.Copies) {
				t.Errorf("open %d: database %d = %+v, want %+v", round, i, g, w)
			}
		}
		if round == 0 {
			if err := d.SetServerAddress(ctx, "MAIL01", "10.0.0.1"); err != nil {
				t.Fatal(err)
			}
			if err := d.AddDatabaseCopy(ctx, "DB01", "MAIL02"); err != nil {
				t.Fatal(err)
			}
			if err := d.SetServerAddress(ctx, "MAIL01", ""); err != nil {
				t.Fatal(err)
			}
			if err := d.AddServer(ctx, Server{Name: "MAIL03", FQDN: "mail03.test", Address: "10.0.0.3"}); err != nil {
				t.Fatal(err)
			}
		}
		if p, err := d.Check(ctx); p != nil || err != nil {
			t.Errorf("Check = %v, %v", p, err)
		}
		d.Close()
	}
}

package migrate

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	_ "modernc.org/sqlite"
)

func openDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

func TestUpAppliesInOrderOnce(t *testing.T) {
	files := fstest.MapFS{
		"m/0002_more.sql": {Data: []byte("INSERT INTO t (v) VALUES ('two');")},
		"m/0001_init.sql": {Data: []byte("CREATE TABLE t (v TEXT);\nINSERT INTO t (v) VALUES ('one');")},
		"m/README":        {Data: []byte("not a migration")},
	}
	ms, err := Load(files, "m")
	if err != nil || len(ms) != 2 || ms[0].Version != 1 || ms[1].Version != 2 {
		t.Fatalf("Load = %+v, %v", ms, err)
	}
	db := openDB(t)
	for range 2 { // the second run must apply nothing
		v, err := Up(t.Context(), db, ms)
		if err != nil || v != 2 {
			t.Fatalf("Up = %d, %v; want 2", v, err)
		}
	}
	var got []string
	rows, err := db.Query(`SELECT v FROM t ORDER BY rowid`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var v string
		rows.Scan(&v)
		got = append(got, v)
	}
	if strings.Join(got, ",") != "one,two" {
		t.Errorf("rows = %v, want one,two (each migration once, in order)", got)
	}

	files["m/0003_bad.sql"] = &fstest.MapFile{Data: []byte("INSERT INTO t (v) VALUES ('three'); NOT SQL;")}
	ms, _ = Load(files, "m")
	if v, err := Up(t.Context(), db, ms); err == nil || v != 2 {
		t.Fatalf("Up with a broken migration = %d, %v; want an error at version 2", v, err)
	}
	var n int
	db.QueryRow(`SELECT COUNT(*) FROM t`).Scan(&n)
	if n != 2 {
		t.Errorf("a failed migration left %d rows, want 2 (rolled back)", n)
	}
	if _, err := Up(t.Context(), db, ms[:1]); err == nil {
		t.Errorf("Up with a database newer than the migrations succeeded")
	}
}

func TestLoadRejectsBadNames(t *testing.T) {
	for _, files := range []fstest.MapFS{
		{"m/init.sql": {Data: []byte("")}},
		{"m/0_init.sql": {Data: []byte("")}},
		{"m/1_a.sql": {Data: []byte("")}, "m/01_b.sql": {Data: []byte("")}},
	} {
		if _, err := Load(files, "m"); err == nil {
			t.Errorf("Load(%v) succeeded", files)
		}
	}
}

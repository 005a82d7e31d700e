package directory

import (
	"strings"
	"testing"
)

func TestRedactURL(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"postgres://postern:s3cret@db.test:5432/postern?sslmode=require":    "postgres://postern:xxxxx@db.test:5432/postern?sslmode=require",
		"postgresql://postern@db.test/postern":                              "postgresql://postern@db.test/postern",
		"postgres://db.test/postern?user=p&password=s3cret&sslmode=disable": "postgres://db.test/postern?user=p&password=xxxxx&sslmode=disable",
		"postgres://db.test/postern?password=s3cret":                        "postgres://db.test/postern?password=xxxxx",
		"postgres://u:p%40ss%2Fw@db.test/x":                                 "postgres://u:xxxxx@db.test/x",
		"postgres://u:s3cret@db.test:bad%zz/x":                              "postgres://u:xxxxx@db.test:bad%zz/x",
		"host=db.test user=postern password=s3cret dbname=postern":          "host=db.test user=postern password=xxxxx dbname=postern",
		"host=db.test password = 's3 cret\\'x' dbname=postern":              "host=db.test password = xxxxx dbname=postern",
		"password=s3cret host=db.test":                                      "password=xxxxx host=db.test",
		"/var/lib/postern/directory.db":                                     "/var/lib/postern/directory.db",
		"":                                                                  "",
	}
	for in, want := range cases {
		got := RedactURL(in)
		if got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
		if strings.Contains(got, "s3") || strings.Contains(got, "p%40ss") {
			t.Errorf("RedactURL(%q) = %q keeps the password", in, got)
		}
	}
}

func TestRebind(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		`SELECT 1`:                             `SELECT 1`,
		`INSERT INTO t(a, b) VALUES(?,?)`:      `INSERT INTO t(a, b) VALUES($1,$2)`,
		`SELECT '?' , "a?" FROM t WHERE x = ?`: `SELECT '?' , "a?" FROM t WHERE x = $1`,
		`SELECT x LIKE ? ESCAPE '\' AND y = ?`: `SELECT x LIKE $1 ESCAPE '\' AND y = $2`,
		`SELECT ?,?,?,?,?,?,?,?,?,?`:           `SELECT $1,$2,$3,$4,$5,$6,$7,$8,$9,$10`,
	}
	for in, want := range cases {
		if got := rebind(in); got != want {
			t.Errorf("rebind(%q) = %q, want %q", in, got, want)
		}
	}
	dl := &dialect{postgres: true}
	q := `SELECT ? FROM t`
	if a, b := dl.bind(q), dl.bind(q); a != "SELECT $1 FROM t" || a != b {
		t.Errorf("bind = %q, %q", a, b)
	}
	if got := (&dialect{}).bind(q); got != q {
		t.Errorf("SQLite bind changed the query: %q", got)
	}
}

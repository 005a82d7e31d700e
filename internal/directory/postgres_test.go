package directory

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/postern/postern/internal/testkit/pgtest"
)

// Two servers starting at once on an empty database both open it.
func TestPostgresConcurrentFirstStart(t *testing.T) {
	t.Parallel()
	u := pgtest.URL(t)
	ctx := context.Background()
	const n = 4
	var wg sync.WaitGroup
	errs := make([]error, n)
	dirs := make([]*Directory, n)
	for i := range n {
		wg.Go(func() {
			dirs[i], errs[i] = Open(ctx, Options{URL: u, Hash: testHash})
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Errorf("Open %d: %v", i, errs[i])
			continue
		}
		defer dirs[i].Close()
	}
	if t.Failed() {
		return
	}
	// One directory, seen by all.
	if err := dirs[0].AddServer(ctx, Server{Name: "MAIL01", FQDN: "mail01.test"}); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if ok, err := dirs[i].Initialized(ctx); !ok || err != nil {
			t.Errorf("directory %d: Initialized = %v, %v", i, ok, err)
		}
	}
	if err := dirs[1].AddServer(ctx, Server{Name: "MAIL01", FQDN: "x"}); err == nil {
		t.Error("second AddServer of the same name succeeded")
	}
}

func TestPostgresCheckBackup(t *testing.T) {
	t.Parallel()
	d := backend{"postgres", postgresOptions}.directory(t)
	if p, err := d.Check(context.Background()); p != nil || err != nil {
		t.Errorf("Check = %v, %v", p, err)
	}
	err := d.Backup(context.Background(), t.TempDir()+"/x.db")
	if err == nil || !strings.Contains(err.Error(), "pg_dump") {
		t.Errorf("Backup = %v, want an error naming pg_dump", err)
	}
}

// Open's errors name the URL without its password.
func TestPostgresOpenErrorRedacted(t *testing.T) {
	t.Parallel()
	good, err := url.Parse(pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	const secret = "s3cretPassw0rd"
	cases := map[string]string{}
	wrongPW := *good
	wrongPW.User = url.UserPassword(good.User.Username(), secret)
	cases["wrong password"] = wrongPW.String()
	noDB := *good
	noDB.User = url.UserPassword(good.User.Username(), secret)
	noDB.Path = "/no_such_database"
	cases["no database"] = noDB.String()
	cases["bad port"] = "postgres://u:" + secret + "@127.0.0.1:99999/x"
	cases["bad option"] = "postgres://u:" + secret + "@127.0.0.1/x?sslmode=nonsense"
	for name, u := range cases {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		d, err := Open(ctx, Options{URL: u, Hash: testHash})
		cancel()
		if err == nil {
			d.Close()
			t.Errorf("%s: Open succeeded", name)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("%s: error holds the password: %v", name, err)
		}
		if !strings.Contains(err.Error(), "xxxxx") {
			t.Errorf("%s: error does not name the redacted URL: %v", name, err)
		}
	}
}

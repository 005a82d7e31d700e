package directory

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/postern/postern/internal/testkit/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// testHash is a cheap argon2id cost for tests.
var testHash = HashParams{MemoryKiB: 64, Time: 1, Threads: 1}

// backend is a database the directory runs on: open returns the Options
// of a new, empty directory for one test.
type backend struct {
	name string
	open func(t *testing.T) Options
}

var backends = []backend{{"sqlite", sqliteOptions}, {"postgres", postgresOptions}}

func sqliteOptions(t *testing.T) Options {
	return Options{Path: filepath.Join(t.TempDir(), "directory.db"), Hash: testHash}
}

func postgresOptions(t *testing.T) Options {
	return Options{URL: pgtest.URL(t), Hash: testHash}
}

// eachBackend runs f once per backend, in parallel subtests.
func eachBackend(t *testing.T, f func(t *testing.T, b backend)) {
	t.Helper()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			f(t, b)
		})
	}
}

// openEmpty opens a new, empty directory on b.
func (b backend) openEmpty(t *testing.T) *Directory {
	t.Helper()
	d, err := Open(context.Background(), b.open(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// directory opens a new directory on b holding server MAIL01, the
// default domain mail.test and database "Mailbox Database 01".
func (b backend) directory(t *testing.T) *Directory {
	t.Helper()
	d := b.openEmpty(t)
	err := d.Init(context.Background(), InitOptions{
		Server:   Server{Name: "MAIL01", FQDN: "mail.test"},
		Domain:   "Mail.Test",
		Database: Database{Name: "Mailbox Database 01", Path: "db01"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

package pgstore

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/postern/postern/internal/store"
	"github.com/postern/postern/internal/store/storetest"
	"github.com/postern/postern/internal/testkit/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// newPool connects to url with at most conns connections, closed at
// cleanup.
func newPool(t testing.TB, url string, conns int32) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = conns
	pool, err := pgxpool.NewWithConfig(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

var dbSeq atomic.Int64

// openStore takes the lease of a new mailbox database for server and
// opens it, closed at cleanup.
func openStore(t testing.TB, pool *pgxpool.Pool, o Options) *Store {
	t.Helper()
	if o.Database == "" {
		o.Database = fmt.Sprintf("mdb%d", dbSeq.Add(1))
	}
	if o.Server == "" {
		o.Server = "srv1"
	}
	o.Pool = pool
	if _, err := Holder(t.Context(), pool, o.Database); err != nil {
		// The first Open of the pool's PostgreSQL database makes the
		// lease table; Acquire needs it.
		if _, err := createSchema(t.Context(), pool, o.Database); err != nil {
			t.Fatal(err)
		}
		if _, err := Acquire(t.Context(), pool, o.Database, o.Server, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	s, err := Open(t.Context(), o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	pool := newPool(t, pgtest.URL(t), 16)
	storetest.Run(t, func(t *testing.T) store.Store { return openStore(t, pool, Options{}) })
}

func TestExpungeHorizon(t *testing.T) {
	pool := newPool(t, pgtest.URL(t), 4)
	storetest.RunExpungeHorizon(t, func(t *testing.T) store.Store {
		s := openStore(t, pool, Options{})
		s.history = 5
		return s
	}, 5)
}

func TestStructuresConformance(t *testing.T) {
	pool := newPool(t, pgtest.URL(t), 4)
	storetest.RunStructures(t, func(t *testing.T, analyze store.Analyzer, current func([]byte) bool) store.Store {
		return openStore(t, pool, Options{Analyze: analyze, AnalysisCurrent: current})
	})
}

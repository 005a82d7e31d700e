package pgstore

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/postern/postern/internal/testkit/pgtest"
)

// Servers starting at once on an empty PostgreSQL all make (or find) the
// schema, and each database gets one id.
func TestSchemaConcurrent(t *testing.T) {
	ctx := t.Context()
	url := pgtest.URL(t)
	const n = 8
	ids := make([]int64, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		pool := newPool(t, url, 2)
		wg.Go(func() {
			server := fmt.Sprintf("srv%d", i)
			if ids[i], errs[i] = createSchema(ctx, pool, "db"); errs[i] != nil {
				return
			}
			if _, errs[i] = setupText(ctx, pool); errs[i] != nil {
				return
			}
			if _, err := Acquire(ctx, pool, "db", server, time.Minute); err == nil {
				var s *Store
				if s, errs[i] = Open(ctx, Options{Pool: pool, Database: "db", Server: server}); s != nil {
					s.Close()
				}
			}
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Errorf("server %d: %v", i, errs[i])
		}
		if ids[i] != ids[0] {
			t.Errorf("server %d got database id %d, server 0 %d", i, ids[i], ids[0])
		}
	}
}

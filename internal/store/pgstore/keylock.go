package pgstore

import (
	"context"
	"slices"
	"sync"
)

// keyLock serialises, within this process, the holders of the same keys
// (account IDs). Store uses two: deliveries to one account wait for each
// other here rather than queue on the Inbox row in PostgreSQL, which costs
// far more (BenchmarkDeliverParallel16: about 270 deliveries a second
// without it, 650-850 with it); and the commits of one account are
// published in their commit order.
type keyLock struct {
	mu   sync.Mutex
	keys map[int64]*keyEntry
}

type keyEntry struct {
	sem  chan struct{} // holds a token while locked
	refs int
}

// lock locks keys in ascending order, one order for every caller, and
// returns the function that unlocks them; it gives up when ctx ends.
func (l *keyLock) lock(ctx context.Context, keys []int64) (unlock func(), err error) {
	keys = slices.Clone(keys)
	slices.Sort(keys)
	keys = slices.Compact(keys)
	entries := make([]*keyEntry, len(keys))
	l.mu.Lock()
	if l.keys == nil {
		l.keys = map[int64]*keyEntry{}
	}
	for i, k := range keys {
		e := l.keys[k]
		if e == nil {
			e = &keyEntry{sem: make(chan struct{}, 1)}
			l.keys[k] = e
		}
		e.refs++
		entries[i] = e
	}
	l.mu.Unlock()
	held := 0
	release := func() {
		for _, e := range entries[:held] {
			<-e.sem
		}
		l.mu.Lock()
		for i, k := range keys {
			if entries[i].refs--; entries[i].refs == 0 {
				delete(l.keys, k)
			}
		}
		l.mu.Unlock()
	}
	for _, e := range entries {
		select {
		case e.sem <- struct{}{}:
			held++
		case <-ctx.Done():
			release()
			return nil, ctx.Err()
		}
	}
	return release, nil
}

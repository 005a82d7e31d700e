package pgstore

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

func TestKeyLock(t *testing.T) {
	var l keyLock
	ctx := context.Background()
	var mu sync.Mutex
	inside := map[int64]bool{}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			keys := []int64{int64(g % 3), int64((g + 1) % 3)}
			for range 200 {
				unlock, err := l.lock(ctx, keys)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				for _, k := range keys {
					if inside[k] {
						t.Errorf("key %d held twice", k)
					}
					inside[k] = true
				}
				mu.Unlock()
				mu.Lock()
				for _, k := range keys {
					inside[k] = false
				}
				mu.Unlock()
				unlock()
			}
		})
	}
	wg.Wait()
	if len(l.keys) != 0 {
		t.Errorf("%d keys left", len(l.keys))
	}
	// A waiter gives up with its context.
	unlock, _ := l.lock(ctx, []int64{7})
	c, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := l.lock(c, []int64{6, 7}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("lock of a held key with a context ending: %v", err)
	}
	unlock()
	if len(l.keys) != 0 {
		t.Errorf("%d keys left after a canceled wait", len(l.keys))
	}
}

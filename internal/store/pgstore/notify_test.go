package pgstore

import (
	"bytes"
	"sync"
	"testing"
	"time"

	"github.com/postern/postern/internal/store"
	"github.com/postern/postern/internal/testkit/pgtest"
)

// recorder keeps the changes a subscription gets.
type recorder struct {
	mu sync.Mutex
	cs []store.Change
	ch chan struct{}
}

func newRecorder() *recorder { return &recorder{ch: make(chan struct{}, 100)} }

func (r *recorder) add(c store.Change) {
	r.mu.Lock()
	r.cs = append(r.cs, c)
	r.mu.Unlock()
	select {
	case r.ch <- struct{}{}:
	default:
	}
}

// wait waits up to d for a change matching keep.
func (r *recorder) wait(t *testing.T, d time.Duration, what string, keep func(store.Change) bool) store.Change {
	t.Helper()
	deadline := time.After(d)
	for {
		r.mu.Lock()
		for _, c := range r.cs {
			if keep(c) {
				r.mu.Unlock()
				return c
			}
		}
		r.mu.Unlock()
		select {
		case <-r.ch:
		case <-deadline:
			t.Fatalf("no %s within %s", what, d)
		}
	}
}

func (r *recorder) count(keep func(store.Change) bool) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, c := range r.cs {
		if keep(c) {
			n++
		}
	}
	return n
}

// A change committed by one Store reaches the subscribers of another
// instance of its database (another pool, as another process) within a
// second; each instance publishes its own changes once.
func TestCrossInstanceNotify(t *testing.T) {
	ctx := t.Context()
	url := pgtest.URL(t)
	writer := openStore(t, newPool(t, url, 4), Options{Database: "shared", Server: "srv1"})
	other := openStore(t, newPool(t, url, 4), Options{Database: "shared", Server: "srv1"})
	noise := openStore(t, newPool(t, url, 4), Options{Database: "unrelated", Server: "srv1"})
	const a = 5
	if err := writer.CreateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := noise.CreateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	in, _ := writer.Folder(ctx, a, store.Inbox)
	remote, local, unrelated := newRecorder(), newRecorder(), newRecorder()
	defer other.Subscribe(a, remote.add)()
	defer writer.Subscribe(a, local.add)()
	defer noise.Subscribe(a, unrelated.add)()

	start := time.Now()
	m, err := writer.Append(store.WithOrigin(ctx, 77), in.ID, store.NewMessage{Body: bytes.NewReader([]byte("x"))})
	if err != nil {
		t.Fatal(err)
	}
	isNew := func(c store.Change) bool { return c.Kind == store.ChangeNew && c.Folder == in.ID }
	c := remote.wait(t, time.Second, "change on the other instance", isNew)
	t.Logf("a change reached the other instance in %v", time.Since(start))
	if len(c.UIDs) != 1 || c.UIDs[0] != m.UID || c.ModSeq != m.ModSeq || c.Account != a || c.Origin != 0 {
		t.Errorf("the other instance got %+v; want UID %d, modseq %d, no origin", c, m.UID, m.ModSeq)
	}
	if c := local.wait(t, time.Second, "local change", isNew); c.Origin != 77 {
		t.Errorf("the writer's subscriber got origin %d, want 77", c.Origin)
	}
	// The writer's own notification comes back to it too: it must not
	// publish it twice. Another write after it flushes the listener.
	if _, err := writer.StoreFlags(ctx, in.ID, []uint32{m.UID}, store.FlagsAdd, []string{store.FlagSeen}); err != nil {
		t.Fatal(err)
	}
	isFlags := func(c store.Change) bool { return c.Kind == store.ChangeFlags }
	remote.wait(t, time.Second, "flag change on the other instance", isFlags)
	time.Sleep(100 * time.Millisecond)
	if n := local.count(isNew); n != 1 {
		t.Errorf("the writer's subscriber got its change %d times", n)
	}
	if n := unrelated.count(func(store.Change) bool { return true }); n != 0 {
		t.Errorf("a store of another database got %d changes", n)
	}
}

// When the LISTEN connection is lost and comes back, subscribers are
// told to resync.
func TestResyncAfterLostListener(t *testing.T) {
	ctx := t.Context()
	pool := newPool(t, pgtest.URL(t), 4)
	s := openStore(t, pool, Options{})
	const a = 6
	r := newRecorder()
	defer s.Subscribe(a, r.add)()
	if _, err := pool.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND query = 'LISTEN `+channel+`'`); err != nil {
		t.Fatal(err)
	}
	c := r.wait(t, 5*time.Second, "ChangeResync", func(c store.Change) bool { return c.Kind == store.ChangeResync })
	if c.Account != a {
		t.Errorf("resync %+v, want account %d", c, a)
	}
}

package sqlite

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/postern/postern/internal/store"
	"github.com/postern/postern/internal/store/migrate"
)

// holdWriter submits an item that blocks the writer until the returned
// function is called, so that the items queued meanwhile form one batch.
func holdWriter(t *testing.T, db *DB) (release func()) {
	t.Helper()
	started, unblock := make(chan struct{}), make(chan struct{})
	go db.submit(context.Background(), &item{run: func(*wtx) error {
		close(started)
		<-unblock
		return nil
	}})
	<-started
	return sync.OnceFunc(func() { close(unblock) })
}

// waitQueued waits until n items sit in the writer's queue.
func waitQueued(t *testing.T, db *DB, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(db.ops) < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d items queued", len(db.ops), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// One failing item in a batch rolls back alone; the others commit.
func TestBatchIsolation(t *testing.T) {
	ctx := t.Context()
	db := openTest(t, Options{})
	setup(t, db, 1)
	in, err := db.Folder(ctx, 1, store.Inbox)
	if err != nil {
		t.Fatal(err)
	}
	release := holdWriter(t, db)
	defer release()
	const n = 20
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			f := in.ID
			if i%4 == 1 {
				f = 424242 // fails with ErrNotFound
			}
			_, errs[i] = db.Append(ctx, f, store.NewMessage{Body: strings.NewReader(fmt.Sprint("m", i))})
		})
	}
	waitQueued(t, db, n)
	release()
	wg.Wait()
	ok := 0
	for i, err := range errs {
		switch {
		case i%4 == 1 && !errors.Is(err, store.ErrNotFound):
			t.Errorf("item %d: %v, want ErrNotFound", i, err)
		case i%4 != 1 && err != nil:
			t.Errorf("item %d: %v", i, err)
		case err == nil:
			ok++
		}
	}
	in, _ = db.Folder(ctx, 1, store.Inbox)
	if in.Messages != ok || ok != n-n/4 {
		t.Errorf("Inbox has %d messages, %d appends succeeded; want %d", in.Messages, ok, n-n/4)
	}
	if got := blobFiles(t, db.opt.Dir); len(got) != ok {
		t.Errorf("%d blobs for %d messages: failed items left blobs: %v", len(got), ok, got)
	}
}

// A caller that gives up while its item is queued gets ctx.Err(), and the
// item is not applied.
func TestCancelWhileQueued(t *testing.T) {
	db := openTest(t, Options{})
	setup(t, db, 1)
	in, err := db.Folder(t.Context(), 1, store.Inbox)
	if err != nil {
		t.Fatal(err)
	}
	release := holdWriter(t, db)
	defer release()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() {
		_, err := db.Append(ctx, in.ID, store.NewMessage{Body: strings.NewReader("late")})
		done <- err
	}()
	waitQueued(t, db, 1)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Append canceled in the queue: %v, want context.Canceled", err)
	}
	release()
	if _, err := db.Append(t.Context(), in.ID, store.NewMessage{Body: strings.NewReader("next")}); err != nil {
		t.Fatal(err)
	}
	ms, err := db.Messages(t.Context(), in.ID)
	if err != nil || len(ms) != 1 {
		t.Fatalf("Messages = %v, %v; want only the uncanceled append", ms, err)
	}
	if got := blobFiles(t, db.opt.Dir); len(got) != 1 {
		t.Errorf("blobs = %v, want only the committed one", got)
	}
}

// Close resolves every queued item: each caller learns success or failure,
// and every success is there after reopening.
func TestCloseResolvesQueue(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	db, err := Open(ctx, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	setup(t, db, 1)
	const n = 64
	var wg sync.WaitGroup
	var mu sync.Mutex
	succeeded := 0
	for i := range n {
		wg.Go(func() {
			_, err := db.Deliver(ctx, []store.AccountID{1}, strings.NewReader(fmt.Sprint("c", i)), time.Time{})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				succeeded++
			case !errors.Is(err, store.ErrTemporary):
				t.Errorf("Deliver racing Close: %v, want success or ErrTemporary", err)
			}
		})
	}
	time.Sleep(5 * time.Millisecond)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if _, err := db.Deliver(ctx, []store.AccountID{1}, strings.NewReader("after"), time.Time{}); !errors.Is(err, store.ErrTemporary) {
		t.Errorf("Deliver after Close: %v, want ErrTemporary", err)
	}
	db = openTest(t, Options{Dir: dir})
	in, err := db.Folder(ctx, 1, store.Inbox)
	if err != nil || in.Messages != succeeded {
		t.Fatalf("after reopen Inbox = %+v, %v; want %d messages", in, err, succeeded)
	}
	t.Logf("%d of %d deliveries committed before Close", succeeded, n)
}

func TestSecondOpenRefused(t *testing.T) {
	dir := t.TempDir()
	openTest(t, Options{Dir: dir})
	if db, err := Open(t.Context(), Options{Dir: dir}); err == nil {
		db.Close()
		t.Fatal("a second Open of a folder in use succeeded")
	}
}

func TestOptionsValidate(t *testing.T) {
	for _, o := range []Options{{}, {Dir: "x", ReadConns: -1}, {Dir: "x", MaxMessageSize: -5}, {Dir: "a?b"}} {
		if err := o.Validate(); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("Validate(%+v) = %v, want ErrInvalid", o, err)
		}
	}
	if err := (Options{Dir: "x"}).Validate(); err != nil {
		t.Errorf("Validate of minimal options: %v", err)
	}
}

func TestSchemaVersion(t *testing.T) {
	db := openTest(t, Options{})
	var v int
	ms, err := migrate.Load(migrations, "migrations") // versions may have gaps
	if err != nil || len(ms) == 0 {
		t.Fatalf("migrations: %v, %v", ms, err)
	}
	if err := db.rdb.QueryRow(`SELECT MAX(version) FROM schema_version`).Scan(&v); err != nil || v != ms[len(ms)-1].Version {
		t.Fatalf("schema version = %d, %v; want %d", v, err, ms[len(ms)-1].Version)
	}
	var mode string
	if err := db.wdb.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
	var sync int
	if err := db.wdb.QueryRow(`PRAGMA synchronous`).Scan(&sync); err != nil || sync != 2 {
		t.Errorf("synchronous = %d, %v; want 2 (FULL)", sync, err)
	}
}

// A caller that gives up while its item is running gets ctx.Err(); the
// item still commits.
func TestCancelWhileRunning(t *testing.T) {
	db := openTest(t, Options{})
	var hold atomic.Bool
	gate, reached := make(chan struct{}), make(chan struct{}, 1)
	db.hookBeforeCommit = func() {
		if hold.Load() {
			reached <- struct{}{}
			<-gate
		}
	}
	setup(t, db, 1)
	in, err := db.Folder(t.Context(), 1, store.Inbox)
	if err != nil {
		t.Fatal(err)
	}
	m, err := db.Append(t.Context(), in.ID, store.NewMessage{Body: strings.NewReader("x")})
	if err != nil {
		t.Fatal(err)
	}
	drafts, err := db.Folder(t.Context(), 1, "Drafts")
	if err != nil {
		t.Fatal(err)
	}
	hold.Store(true)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() {
		_, _, err := db.Copy(ctx, in.ID, []uint32{m.UID}, drafts.ID)
		done <- err
	}()
	<-reached
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Copy canceled while running: %v, want context.Canceled", err)
	}
	hold.Store(false)
	close(gate)
	// A later write returns only after the held batch has committed.
	if err := db.SetSubscribed(t.Context(), 1, "Drafts", false); err != nil {
		t.Fatal(err)
	}
	ms, err := db.Messages(t.Context(), drafts.ID)
	if err != nil || len(ms) != 1 {
		t.Fatalf("Drafts = %v, %v; want the copy, which was already running", ms, err)
	}
}

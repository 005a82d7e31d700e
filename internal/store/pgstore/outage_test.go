package pgstore

import (
	"bytes"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/postern/postern/internal/store"
	"github.com/postern/postern/internal/testkit/pgtest"
)

// PostgreSQL stopping in the middle of an Append fails it with
// ErrTemporary; once it is back the message is not there, nothing of it
// is, and writes go on. It runs on a server of its own, as the shared one
// serves the parallel tests.
func TestOutageMidAppend(t *testing.T) {
	srv, err := pgtest.Start()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skipf("PostgreSQL: %v", err)
	}
	defer srv.Stop()
	ctx := t.Context()
	pool := newPool(t, srv.URL("postgres"), 4)
	s := openStore(t, pool, Options{Database: "outage"})
	const a = 1
	if err := s.CreateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	in, _ := s.Folder(ctx, a, store.Inbox)
	if _, err := s.Append(ctx, in.ID, store.NewMessage{Body: bytes.NewReader([]byte("before"))}); err != nil {
		t.Fatal(err)
	}
	r := newRecorder()
	defer s.Subscribe(a, r.add)()
	before := dump(t, pool, "outage")

	s.beforeCommit = func() {
		s.beforeCommit = nil
		t0 := time.Now()
		srv.StopServer()
		t.Logf("stopped in %v", time.Since(t0))
	}
	_, err = s.Append(ctx, in.ID, store.NewMessage{Body: bytes.NewReader([]byte("during"))})
	if !errors.Is(err, store.ErrTemporary) {
		t.Fatalf("Append while PostgreSQL stops: %v, want ErrTemporary", err)
	}
	_, err = s.Append(ctx, in.ID, store.NewMessage{Body: bytes.NewReader([]byte("down"))})
	if !errors.Is(err, store.ErrTemporary) {
		t.Errorf("Append while PostgreSQL is down: %v, want ErrTemporary", err)
	}
	if _, err := s.Folders(ctx, a); !errors.Is(err, store.ErrTemporary) {
		t.Errorf("Folders while PostgreSQL is down: %v, want ErrTemporary", err)
	}

	t0 := time.Now()
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := s.Folders(ctx, a); err == nil {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("reads after the restart: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("back in %v", time.Since(t0))
	if after := dump(t, pool, "outage"); after != before {
		t.Errorf("the failed Append left something:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	f, ms, err := s.Changes(ctx, in.ID, 0)
	if err != nil || len(ms) != 1 || f.Messages != 1 || f.UIDNext != 2 {
		t.Errorf("after the restart: folder %+v, %d messages, %v; want only the first", f, len(ms), err)
	}
	r.wait(t, 10*time.Second, "ChangeResync after the restart", func(c store.Change) bool { return c.Kind == store.ChangeResync })
	m, err := s.Append(ctx, in.ID, store.NewMessage{Body: bytes.NewReader([]byte("after"))})
	if err != nil || m.UID != 2 {
		t.Errorf("Append after the restart = %+v, %v; want UID 2", m, err)
	}
}

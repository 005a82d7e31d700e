package pgstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/postern/postern/internal/store"
	"github.com/postern/postern/internal/testkit/pgtest"
)

// dump is every row of database name, as text, for comparisons.
func dump(t *testing.T, pool *pgxpool.Pool, name string) string {
	t.Helper()
	var out string
	err := pool.QueryRow(t.Context(), `SELECT coalesce(string_agg(x, E'\n' ORDER BY x), '') FROM (
		SELECT d::text AS x FROM mailbox_dbs d WHERE d.name = $1
		UNION ALL SELECT f::text FROM mailbox_folders f JOIN mailbox_dbs d ON d.id = f.db WHERE d.name = $1
		UNION ALL SELECT m::text FROM mailbox_messages m JOIN mailbox_folders f ON f.id = m.folder
			JOIN mailbox_dbs d ON d.id = f.db WHERE d.name = $1
		UNION ALL SELECT (b.hash, b.size, b.refs, b.structure)::text FROM mailbox_bodies b
			JOIN mailbox_dbs d ON d.id = b.db WHERE d.name = $1
		UNION ALL SELECT e::text FROM mailbox_expunged e JOIN mailbox_folders f ON f.id = e.folder
			JOIN mailbox_dbs d ON d.id = f.db WHERE d.name = $1) q`, name).Scan(&out)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestFencing(t *testing.T) {
	ctx := t.Context()
	pool := newPool(t, pgtest.URL(t), 4)
	var gen atomic.Int64
	gen.Store(1)
	analyze := func(r io.Reader) ([]byte, error) {
		io.Copy(io.Discard, r)
		return fmt.Appendf(nil, "g%d", gen.Load()), nil
	}
	current := func(b []byte) bool { return string(b) == fmt.Sprintf("g%d", gen.Load()) }
	s := openStore(t, pool, Options{Database: "fenced", Server: "srv1", Analyze: analyze, AnalysisCurrent: current})
	const a = 1
	if err := s.CreateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	in, _ := s.Folder(ctx, a, store.Inbox)
	work, err := s.CreateFolder(ctx, a, "Work")
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.Append(ctx, in.ID, store.NewMessage{Body: bytes.NewReader([]byte("hello"))})
	if err != nil {
		t.Fatal(err)
	}

	// A Transfer waits for the write in flight, which commits.
	transferred := make(chan error, 1)
	s.beforeCommit = func() {
		s.beforeCommit = nil
		go func() {
			_, err := Transfer(context.Background(), pool, "fenced", "srv2", time.Minute)
			transferred <- err
		}()
		time.Sleep(300 * time.Millisecond)
		select {
		case err := <-transferred:
			t.Errorf("Transfer did not wait for the write in flight: %v", err)
		default:
		}
	}
	if _, err := s.Append(ctx, in.ID, store.NewMessage{Body: bytes.NewReader([]byte("in flight"))}); err != nil {
		t.Fatalf("the write in flight during a Transfer: %v", err)
	}
	if err := <-transferred; err != nil {
		t.Fatal(err)
	}
	gen.Store(2) // Structure must now make the analysis again, and keep it

	before := dump(t, pool, "fenced")
	writes := map[string]func() error{
		"CreateAccount": func() error { return s.CreateAccount(ctx, 2) },
		"DeleteAccount": func() error { return s.DeleteAccount(ctx, a) },
		"CreateFolder":  func() error { _, err := s.CreateFolder(ctx, a, "New"); return err },
		"DeleteFolder":  func() error { return s.DeleteFolder(ctx, a, "Work") },
		"RenameFolder":  func() error { return s.RenameFolder(ctx, a, "Work", "Play") },
		"RenameInbox":   func() error { return s.RenameFolder(ctx, a, store.Inbox, "Old") },
		"SetSubscribed": func() error { return s.SetSubscribed(ctx, a, "Work", true) },
		"Deliver": func() error {
			_, err := s.Deliver(ctx, []store.AccountID{a}, bytes.NewReader([]byte("new")), time.Time{})
			return err
		},
		"Append": func() error {
			_, err := s.Append(ctx, in.ID, store.NewMessage{Body: bytes.NewReader([]byte("new"))})
			return err
		},
		"StoreFlags": func() error {
			_, err := s.StoreFlags(ctx, in.ID, []uint32{m.UID}, store.FlagsAdd, []string{store.FlagSeen})
			return err
		},
		"Expunge":     func() error { _, err := s.Expunge(ctx, in.ID, []uint32{m.UID}); return err },
		"Copy":        func() error { _, _, err := s.Copy(ctx, in.ID, []uint32{m.UID}, work.ID); return err },
		"Move":        func() error { _, _, err := s.Move(ctx, in.ID, []uint32{m.UID}, work.ID); return err },
		"ClaimRecent": func() error { _, err := s.ClaimRecent(ctx, in.ID, 2); return err },
	}
	for name, w := range writes {
		if err := w(); !errors.Is(err, ErrLeaseLost) || !errors.Is(err, store.ErrTemporary) {
			t.Errorf("%s after the lease moved: %v, want ErrLeaseLost and ErrTemporary", name, err)
		}
	}
	// Structure still answers, but keeps nothing.
	if data, err := s.Structure(ctx, in.ID, m.UID); err != nil || string(data) != "g2" {
		t.Errorf("Structure after the lease moved = %q, %v", data, err)
	}
	if after := dump(t, pool, "fenced"); after != before {
		t.Errorf("a store that lost its lease wrote:\nbefore:\n%s\nafter:\n%s", before, after)
	}

	// Reads need no lease.
	if ms, err := s.Messages(ctx, in.ID); err != nil || len(ms) != 2 {
		t.Errorf("Messages after the lease moved = %v, %v", ms, err)
	}
	if fs, err := s.Folders(ctx, a); err != nil || len(fs) != 6 {
		t.Errorf("Folders after the lease moved = %d, %v", len(fs), err)
	}
	if b, err := s.Open(ctx, in.ID, m.UID); err != nil {
		t.Errorf("Open after the lease moved: %v", err)
	} else {
		got, _ := io.ReadAll(b)
		b.Close()
		if string(got) != "hello" {
			t.Errorf("Open after the lease moved read %q", got)
		}
	}

	// srv1 can no longer open it; srv2 can, and writes.
	if _, err := Open(ctx, Options{Pool: pool, Database: "fenced", Server: "srv1"}); !errors.Is(err, ErrLeaseLost) {
		t.Errorf("Open by the old holder: %v, want ErrLeaseLost", err)
	}
	s2 := openStore(t, pool, Options{Database: "fenced", Server: "srv2", Analyze: analyze, AnalysisCurrent: current})
	if s2.Epoch() != 2 {
		t.Errorf("the new holder's store has epoch %d, want 2", s2.Epoch())
	}
	if _, err := s2.Expunge(ctx, in.ID, []uint32{m.UID}); err != nil {
		t.Errorf("Expunge by the new holder: %v", err)
	}
}

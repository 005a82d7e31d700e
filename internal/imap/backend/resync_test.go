package backend

import (
	"bytes"
	"log/slog"
	"testing"

	"github.com/postern/postern/internal/store"
	"github.com/postern/postern/internal/store/sqlite"
)

// TestResyncReadsWholeFolder: a ChangeResync (the store may have lost
// events) names no folder, yet marks the selected one for reading, and the
// next sync reads its whole listing rather than the changes since the
// view's modseq. Not parallel: it counts the listings of the process.
func TestResyncReadsWholeFolder(t *testing.T) {
	ctx := t.Context()
	db, err := sqlite.Open(ctx, sqlite.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const a = 1
	if err := db.CreateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	in, _ := db.Folder(ctx, a, store.Inbox)
	for _, body := range []string{"one", "two"} {
		if _, err := db.Append(ctx, in.ID, store.NewMessage{Body: bytes.NewReader([]byte(body))}); err != nil {
			t.Fatal(err)
		}
	}
	f, ms, err := db.Changes(ctx, in.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	s := &session{st: db, acct: a, log: slog.New(slog.DiscardHandler), changed: make(chan struct{}, 1), origin: 9}
	s.view = newView(f, ms, false)
	s.watched.Store(int64(in.ID))

	s.onChange(store.Change{Kind: store.ChangeNew, Account: a, Folder: in.ID + 100})
	if s.dirty.Load() || s.resync.Load() {
		t.Fatal("a change to another folder marked the selected one")
	}
	s.onChange(store.Change{Kind: store.ChangeResync, Account: a})
	if !s.dirty.Load() || !s.resync.Load() {
		t.Fatal("ChangeResync did not mark the selected folder for a full read")
	}
	select {
	case <-s.changed:
	default:
		t.Error("ChangeResync did not wake the session")
	}
	before := FullListings()
	s.sync(ctx, true) // nothing changed: nothing to announce
	if n := FullListings() - before; n != 1 {
		t.Errorf("sync after ChangeResync read %d full listings, want 1", n)
	}
	if s.resync.Load() || s.dirty.Load() {
		t.Error("the resync stayed pending after the sync")
	}
	if s.view.exists() != 2 || s.view.modseq != f.HighestModSeq {
		t.Errorf("view after the resync: %d messages at modseq %d", s.view.exists(), s.view.modseq)
	}
}

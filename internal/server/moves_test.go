package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/internal/admin/api"
	"github.com/postern/postern/internal/directory"
	"github.com/postern/postern/internal/store"
)

func openTestServer(t *testing.T) *Server {
	t.Helper()
	s, err := Open(context.Background(), Options{DataDir: t.TempDir(), FQDN: "mail.test", PortOffset: 41000, NoAutostart: true,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), HashParams: HashParams{MemoryKiB: 1024, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// snapFolder is what a move must keep of a folder.
type snapFolder struct {
	Subscribed bool
	Messages   []string // body, flags and internal date of each, in order
}

func snapshot(t *testing.T, st store.Store, a store.AccountID) map[string]snapFolder {
	t.Helper()
	ctx := context.Background()
	folders, err := st.Folders(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]snapFolder{}
	for _, f := range folders {
		msgs, err := st.Messages(ctx, f.ID)
		if err != nil {
			t.Fatal(err)
		}
		sf := snapFolder{Subscribed: f.Subscribed}
		for _, m := range msgs {
			b, err := st.Open(ctx, f.ID, m.UID)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(b)
			b.Close()
			if err != nil {
				t.Fatal(err)
			}
			flags := slices.Clone(m.Flags)
			slices.Sort(flags)
			sf.Messages = append(sf.Messages, fmt.Sprintf("%q %v %d", body, flags, m.InternalDate.Unix()))
		}
		out[f.Name] = sf
	}
	return out
}

func waitMove(t *testing.T, s *Server, id string) api.MoveRequest {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		m, err := s.MoveRequest(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if moveFinished(m) {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("the move is still %s: %+v", m.Status, m)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestMoveMailbox moves a mailbox with messages in several folders (a
// subfolder, flags, internal dates, an unsubscribed folder, a default
// folder deleted) into a second database: a failure mid-copy leaves the
// source as it was, then the move succeeds and the target holds every
// message with its bytes, flags and date, the source none, and the
// directory names the target.
func TestMoveMailbox(t *testing.T) {
	ctx := context.Background()
	s := openTestServer(t)
	if _, err := s.NewMailboxDatabase(ctx, "DB02", ""); err != nil {
		t.Fatal(err)
	}
	u, err := s.AddUser(ctx, "alice@mail.test", "Alice-pw-123", "Alice", "Mailbox Database 01")
	if err != nil {
		t.Fatal(err)
	}
	source := u.Database
	src, err := s.Store(source)
	if err != nil {
		t.Fatal(err)
	}
	acct := store.AccountID(u.ID)
	for _, name := range []string{"Projects", "Projects/2026"} {
		if _, err := src.CreateFolder(ctx, acct, name); err != nil {
			t.Fatal(err)
		}
	}
	if err := src.SetSubscribed(ctx, acct, "Projects/2026", false); err != nil {
		t.Fatal(err)
	}
	if err := src.DeleteFolder(ctx, acct, "Junk Email"); err != nil {
		t.Fatal(err)
	}
	date := time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)
	n := 0
	for folder, flags := range map[string][][]string{
		"INBOX":         {{store.FlagSeen}, nil, {store.FlagFlagged, "$Label1"}},
		"Projects":      {{store.FlagAnswered, store.FlagSeen}, nil},
		"Projects/2026": {{store.FlagDraft}, {store.FlagDeleted}},
		"Sent Items":    {{store.FlagSeen}},
	} {
		f, err := src.Folder(ctx, acct, folder)
		if err != nil {
			t.Fatal(err)
		}
		for _, fl := range flags {
			n++
			body := fmt.Sprintf("From: bob@mail.test\r\nSubject: message %d in %s\r\n\r\nbody %d\r\n", n, folder, n)
			if _, err := src.Append(ctx, f.ID, store.NewMessage{Body: strings.NewReader(body), Flags: fl, InternalDate: date.Add(time.Duration(n) * time.Hour)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := snapshot(t, src, acct)

	// Refusals.
	if _, err := s.MoveMailbox(ctx, "alice@mail.test", source); !errors.Is(err, ErrMove) {
		t.Errorf("a move to its own database: %v", err)
	}
	if _, err := s.MoveMailbox(ctx, "alice@mail.test", "Nowhere"); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("a move to no database: %v", err)
	}

	// The target closes mid-copy.
	moveCopied = func(n int) {
		if n == 3 {
			s.storesMu.Lock()
			st := s.stores["DB02"]
			delete(s.stores, "DB02") // the next Store reopens it
			s.storesMu.Unlock()
			st.Close()
		}
	}
	t.Cleanup(func() { moveCopied = nil })
	rec, err := s.MoveMailbox(ctx, "alice@mail.test", "DB02")
	if err != nil || rec.Status != api.MoveInProgress || rec.SourceDatabase != source || rec.TargetDatabase != "DB02" {
		t.Fatalf("MoveMailbox: %+v, %v", rec, err)
	}
	rec = waitMove(t, s, "alice")
	if rec.Status != api.MoveFailed || rec.Error == "" || rec.MessagesCopied != 3 || rec.MessagesTotal != n {
		t.Errorf("after the target closed: %+v", rec)
	}
	if got, _ := s.dir.UserByID(ctx, u.ID); got.Database != source {
		t.Errorf("after a failed move the directory says %s", got.Database)
	}
	if got := snapshot(t, src, acct); !reflect.DeepEqual(got, want) {
		t.Errorf("the source changed in a failed move:\n%v\nwant\n%v", got, want)
	}
	if err := s.refuseMoving(u.ID, source); err != nil {
		t.Errorf("the mailbox is still marked as moving: %v", err)
	}

	// The move succeeds; while it runs, sessions, deliveries and a
	// second move are refused.
	var during []error
	moveCopied = func(n int) {
		if n == 1 {
			_, derr := s.enterDelivery(source, []store.AccountID{acct})
			_, merr := s.MoveMailbox(ctx, "alice@mail.test", "DB02")
			rerr := s.RemoveMoveRequest(ctx, "alice@mail.test")
			during = []error{s.refuseMoving(u.ID, source), derr, merr, rerr}
		}
	}
	if _, err := s.MoveMailbox(ctx, "alice@mail.test", "DB02"); err != nil {
		t.Fatal(err)
	}
	rec = waitMove(t, s, "alice@mail.test")
	if rec.Status != api.MoveCompleted || rec.Error != "" || rec.MessagesCopied != n || rec.FoldersCopied != len(want) ||
		rec.PercentComplete() != 100 || rec.StartTime == "" || rec.CompleteTime == "" || !strings.Contains(rec.Note, "UIDVALIDITY") {
		t.Errorf("after the move: %+v", rec)
	}
	if len(during) != 4 || !errors.Is(during[0], store.ErrTemporary) || !errors.Is(during[1], store.ErrTemporary) || !errors.Is(during[2], ErrMove) ||
		!errors.Is(during[3], ErrMove) {
		t.Errorf("during the move: session, delivery, second move, removal: %v", during)
	}
	if got, _ := s.dir.UserByID(ctx, u.ID); got.Database != "DB02" {
		t.Errorf("after the move the directory says %s", got.Database)
	}
	tgt, err := s.Store("DB02")
	if err != nil {
		t.Fatal(err)
	}
	if got := snapshot(t, tgt, acct); !reflect.DeepEqual(got, want) {
		t.Errorf("the target:\n%v\nwant\n%v", got, want)
	}
	if fs, err := src.Folders(ctx, acct); err != nil && !errors.Is(err, store.ErrNotFound) || len(fs) != 0 {
		t.Errorf("the source still has %v (%v)", fs, err)
	}
	if err := s.deliverStore(ctx, "DB02", tgt, []store.AccountID{acct}, strings.NewReader("Subject: after\r\n\r\nx\r\n"), time.Now()); err != nil {
		t.Errorf("delivery after the move: %v", err)
	}
	// A logon or delivery that read the directory before the switch.
	if err := s.deliverStore(ctx, source, src, []store.AccountID{acct}, strings.NewReader("Subject: late\r\n\r\nx\r\n"), time.Now()); !errors.Is(err, store.ErrTemporary) {
		t.Errorf("a delivery into the database the mailbox left: %v", err)
	}
	if err := s.refuseMoving(u.ID, source); !errors.Is(err, store.ErrTemporary) {
		t.Errorf("a session in the database the mailbox left: %v", err)
	}
	if err := s.refuseMoving(u.ID, "DB02"); err != nil {
		t.Errorf("a session after the move: %v", err)
	}

	// Get-MoveRequest, Remove-MoveRequest.
	list, err := s.MoveRequests(ctx)
	if err != nil || len(list) != 1 || list[0].Identity != "alice@mail.test" {
		t.Errorf("MoveRequests: %+v, %v", list, err)
	}
	if _, err := s.MoveMailbox(ctx, "alice@mail.test", "DB02"); !errors.Is(err, ErrMove) {
		t.Errorf("a move to the database it is in now: %v", err)
	}
	if err := s.RemoveMoveRequest(ctx, "alice@mail.test"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.MoveRequest(ctx, "alice@mail.test"); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("after Remove: %v", err)
	}
}

// TestMoveRecovery: a server that stopped during a move settles it at its
// next start: the mailbox stayed in the source, so the move is Failed and
// the target's partial copy is deleted.
func TestMoveRecovery(t *testing.T) {
	ctx := context.Background()
	s := openTestServer(t)
	dataDir := s.DataDir()
	if _, err := s.NewMailboxDatabase(ctx, "DB02", ""); err != nil {
		t.Fatal(err)
	}
	u, err := s.AddUser(ctx, "bob@mail.test", "Bob-pw-12345", "", "Mailbox Database 01")
	if err != nil {
		t.Fatal(err)
	}
	tgt, err := s.Store("DB02")
	if err != nil {
		t.Fatal(err)
	}
	if err := tgt.CreateAccount(ctx, store.AccountID(u.ID)); err != nil { // the partial copy
		t.Fatal(err)
	}
	rec := api.MoveRequest{Identity: "bob@mail.test", UserID: u.ID, Status: api.MoveInProgress, SourceDatabase: u.Database,
		TargetDatabase: "DB02", Server: s.Name(), QueuedTime: time.Now().UTC().Format(time.RFC3339)}
	s.moves.mu.Lock()
	err = s.saveMove(ctx, rec)
	s.moves.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	s, err = Open(ctx, Options{DataDir: dataDir, NoAutostart: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.MoveRequest(ctx, "bob")
	if err != nil || got.Status != api.MoveFailed || !strings.Contains(got.Error, "stopped") || got.CompleteTime == "" {
		t.Errorf("after the restart: %+v, %v", got, err)
	}
	tgt, err = s.Store("DB02")
	if err != nil {
		t.Fatal(err)
	}
	if fs, err := tgt.Folders(ctx, store.AccountID(u.ID)); err != nil && !errors.Is(err, store.ErrNotFound) || len(fs) != 0 {
		t.Errorf("the partial copy is still there: %v (%v)", fs, err)
	}
	src, err := s.Store(u.Database)
	if err != nil {
		t.Fatal(err)
	}
	if fs, err := src.Folders(ctx, store.AccountID(u.ID)); err != nil || len(fs) == 0 {
		t.Errorf("the source mailbox: %v (%v)", fs, err)
	}
}

// TestMoveQueued: beyond maxMoves running moves, a new one waits Queued
// and runs when a slot frees.
func TestMoveQueued(t *testing.T) {
	ctx := context.Background()
	s := openTestServer(t)
	if _, err := s.NewMailboxDatabase(ctx, "DB02", ""); err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	moveCopied = func(int) { <-release }
	t.Cleanup(func() { moveCopied = nil })
	var names []string
	for i := range maxMoves + 1 {
		name := fmt.Sprintf("user%d@mail.test", i)
		u, err := s.AddUser(ctx, name, "User-pw-12345", "", "Mailbox Database 01")
		if err != nil {
			t.Fatal(err)
		}
		st, _ := s.Store(u.Database)
		if _, err := st.Deliver(ctx, []store.AccountID{store.AccountID(u.ID)}, strings.NewReader("Subject: x\r\n\r\nx\r\n"), time.Now()); err != nil {
			t.Fatal(err)
		}
		rec, err := s.MoveMailbox(ctx, name, "DB02")
		want := api.MoveInProgress
		if i == maxMoves {
			want = api.MoveQueued
		}
		if err != nil || rec.Status != want {
			t.Fatalf("move %d: %+v, %v; want %s", i, rec, err, want)
		}
		names = append(names, name)
	}
	close(release)
	for _, name := range names {
		if rec := waitMove(t, s, name); rec.Status != api.MoveCompleted || rec.StartTime == "" {
			t.Errorf("%s: %+v", name, rec)
		}
	}
}

package imap_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/postern/postern/internal/imap/backend"
	"github.com/postern/postern/internal/store"
	"github.com/postern/postern/internal/store/sqlite"
	"github.com/postern/postern/internal/testkit"
)

// TestExpungeElsewhereNamed: another session's EXPUNGE, UID EXPUNGE and
// MOVE reach a selected session (at NOOP, not during FETCH: RFC 3501
// §7.4.1) and one in IDLE (at once) as the right EXPUNGE responses,
// without either reading the folder's whole listing: the store names
// the UIDs that went. Not parallel: it counts the listings of the process.
func TestExpungeElsewhereNamed(t *testing.T) {
	s := setup(t, testkit.Options{}, 6)
	a, b, c := loginTLS(t, s), loginTLS(t, s), loginTLS(t, s)
	for _, x := range []*testkit.Client{a, b, c} {
		x.Send("s SELECT INBOX\r\n")
		untilTagged(t, x, "s", "s OK [READ-WRITE] SELECT completed.")
	}
	c.Cmd("i IDLE", "+ IDLE accepted, awaiting DONE command.")
	before := backend.FullListings()

	a.Cmd(`t STORE 2,4 +FLAGS.SILENT (\Deleted)`, "t OK STORE completed.")
	c.Expect(`* 2 FETCH (FLAGS (\Deleted))`)
	c.Expect(`* 4 FETCH (FLAGS (\Deleted))`)
	a.Send("u EXPUNGE\r\n")
	if got := untilTagged(t, a, "u", "u OK EXPUNGE completed."); strings.Join(got, "|") != "* 4 EXPUNGE|* 2 EXPUNGE" {
		t.Errorf("own EXPUNGE: %q", got)
	}
	c.Expect("* 4 EXPUNGE")
	c.Expect("* 2 EXPUNGE")

	// b learns of the flags during FETCH, of the expunges only after.
	b.Send("f FETCH 1:6 UID\r\n")
	got := untilTagged(t, b, "f", "f OK FETCH completed.")
	if strings.Contains(strings.Join(got, "|"), "EXPUNGE") || len(got) < 6 {
		t.Errorf("FETCH during pending expunges: %q", got)
	}
	b.Send("n NOOP\r\n")
	if got := untilTagged(t, b, "n", "n OK NOOP completed."); strings.Join(got, "|") != "* 4 EXPUNGE|* 2 EXPUNGE" {
		t.Errorf("NOOP after the expunges: %q", got)
	}

	// UID EXPUNGE of UID 5 (now message 3), then MOVE of UID 1.
	a.Cmd(`v UID STORE 5 +FLAGS.SILENT (\Deleted)`, "v OK STORE completed.")
	c.Expect(`* 3 FETCH (FLAGS (\Deleted))`)
	a.Send("w UID EXPUNGE 5\r\n")
	untilTagged(t, a, "w", "w OK EXPUNGE completed.")
	c.Expect("* 3 EXPUNGE")
	a.Send("m MOVE 1 Drafts\r\n")
	untilTagged(t, a, "m", "m OK *")
	c.Expect("* 1 EXPUNGE")
	b.Send("n NOOP\r\n")
	if got := untilTagged(t, b, "n", "n OK NOOP completed."); strings.Join(got, "|") != `* 3 FETCH (FLAGS (\Deleted))|* 3 EXPUNGE|* 1 EXPUNGE` &&
		strings.Join(got, "|") != "* 3 EXPUNGE|* 1 EXPUNGE" {
		t.Errorf("NOOP after UID EXPUNGE and MOVE: %q", got)
	}
	b.Send("g FETCH 1:* UID\r\n")
	if got := untilTagged(t, b, "g", "g OK FETCH completed."); strings.Join(got, "|") != "* 1 FETCH (UID 3)|* 2 FETCH (UID 6)" {
		t.Errorf("after: %q", got)
	}
	c.Cmd("DONE", "i OK IDLE completed.")
	if n := backend.FullListings() - before; n != 0 {
		t.Errorf("%d full listings for expunges the store names", n)
	}
}

// TestPOP3DeletionNamed: messages POP3 deletes at QUIT reach a session in
// IDLE as EXPUNGE responses without a full listing. Not parallel: it
// counts the listings of the process.
func TestPOP3DeletionNamed(t *testing.T) {
	s := testkit.Start(t, testkit.Options{})
	s.AddUser("alice@mail.test", "secret1")
	for i := 1; i <= 3; i++ {
		s.Deliver(message(i), "alice@mail.test")
	}
	c := loginTLS(t, s)
	c.Send("a SELECT INBOX\r\n")
	untilTagged(t, c, "a", "a OK [READ-WRITE] SELECT completed.")
	c.Cmd("i IDLE", "+ IDLE accepted, awaiting DONE command.")
	before := backend.FullListings()
	p := testkit.Dial(t, s.POP3S, s.ClientTLS("localhost"))
	p.Expect("+OK*")
	p.Cmd("USER alice@mail.test", "+OK")
	p.Cmd("PASS secret1", "+OK User successfully logged on.")
	p.Cmd("DELE 1", "+OK*")
	p.Cmd("DELE 3", "+OK*")
	p.Cmd("QUIT", "+OK*")
	c.Expect("* 3 EXPUNGE")
	c.Expect("* 1 EXPUNGE")
	c.Cmd("DONE", "i OK IDLE completed.")
	c.Send("f FETCH 1:* UID\r\n")
	if got := untilTagged(t, c, "f", "f OK FETCH completed."); strings.Join(got, "|") != "* 1 FETCH (UID 2)" {
		t.Errorf("after POP3 QUIT: %q", got)
	}
	if n := backend.FullListings() - before; n != 0 {
		t.Errorf("%d full listings for expunges the store names", n)
	}
}

// TestExpungeBeyondRecords: a session further behind than the store's
// expunge records reach (sqlite.DefaultExpungeHistory mod-sequences) is
// told they cannot be named, reads the whole listing once, and announces
// the same EXPUNGE. Not parallel: it counts the listings of the process.
func TestExpungeBeyondRecords(t *testing.T) {
	s := setup(t, testkit.Options{}, 3)
	ctx := context.Background()
	u, err := s.Directory().Lookup(ctx, "alice@mail.test")
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.Store(u.Database)
	if err != nil {
		t.Fatal(err)
	}
	in, err := st.Folder(ctx, store.AccountID(u.ID), store.Inbox)
	if err != nil {
		t.Fatal(err)
	}
	b := loginTLS(t, s)
	b.Send("s SELECT INBOX\r\n")
	untilTagged(t, b, "s", "s OK [READ-WRITE] SELECT completed.")
	// More commits than the records span, each a keyword set or cleared
	// on message 3 (concurrent, so that the store batches them), leave
	// its flags as they were.
	const workers = 64
	per := (sqlite.DefaultExpungeHistory/workers + 2) &^ 1
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			kw := []string{fmt.Sprintf("$k%d", g)}
			for i := range per {
				op := store.FlagsAdd
				if i%2 == 1 {
					op = store.FlagsRemove
				}
				if _, err := st.StoreFlags(ctx, in.ID, []uint32{3}, op, kw); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if _, err := st.Expunge(ctx, in.ID, []uint32{2}); err != nil {
		t.Fatal(err)
	}
	before := backend.FullListings()
	b.Send("n NOOP\r\n")
	if got := untilTagged(t, b, "n", "n OK NOOP completed."); strings.Join(got, "|") != "* 2 EXPUNGE" {
		t.Errorf("NOOP after the expunge: %q", got)
	}
	if n := backend.FullListings() - before; n != 1 {
		t.Errorf("%d full listings, want 1", n)
	}
	b.Send("f FETCH 1:* UID\r\n")
	if got := untilTagged(t, b, "f", "f OK FETCH completed."); strings.Join(got, "|") != "* 1 FETCH (UID 1)|* 2 FETCH (UID 3)" {
		t.Errorf("after: %q", got)
	}
}

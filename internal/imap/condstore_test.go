package imap_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	goimap "github.com/emersion/go-imap/v2"

	"github.com/postern/postern/internal/store"
	"github.com/postern/postern/internal/store/sqlite"
	"github.com/postern/postern/internal/testkit"
)

// Transcript tests of ENABLE (RFC 5161) and CONDSTORE and QRESYNC (RFC
// 7162), by section.

var (
	reHighest = regexp.MustCompile(`^\* OK \[HIGHESTMODSEQ (\d+)\] `)
	reUIDVal  = regexp.MustCompile(`^\* OK \[UIDVALIDITY (\d+)\] `)
	reModSeq  = regexp.MustCompile(`MODSEQ \((\d+)\)`)
)

// find returns the first submatch of re in lines, as a number.
func find(t *testing.T, lines []string, re *regexp.Regexp) uint64 {
	t.Helper()
	for _, l := range lines {
		if m := re.FindStringSubmatch(l); m != nil {
			n, _ := strconv.ParseUint(m[1], 10, 64)
			return n
		}
	}
	t.Fatalf("no %v in %q", re, lines)
	return 0
}

func n(v uint64) string { return strconv.FormatUint(v, 10) }

// aliceStore returns alice's store and Inbox.
func aliceStore(t testing.TB, s *testkit.Server) (store.Store, store.Folder) {
	t.Helper()
	ctx := context.Background()
	u, err := s.Directory().Lookup(ctx, "alice@mail.test")
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.Store(u.Database)
	if err != nil {
		t.Fatal(err)
	}
	f, err := st.Folder(ctx, store.AccountID(u.ID), store.Inbox)
	if err != nil {
		t.Fatal(err)
	}
	return st, f
}

// RFC 5161 §3.1-3.2: ENABLE in the authenticated state only; ENABLED
// names what this command enabled, unknown capabilities are ignored.
func TestEnable(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{}, 1)
	c := loginTLS(t, s)
	c.Send("a CAPABILITY\r\n")
	caps := c.Expect("* CAPABILITY *")
	c.Expect("a OK CAPABILITY completed.")
	for _, want := range []string{" ENABLE", " CONDSTORE", " QRESYNC"} {
		if !strings.Contains(caps, want) {
			t.Errorf("CAPABILITY lacks%s: %q", want, caps)
		}
	}
	c.Cmd("b ENABLE", "b BAD Command Argument Error. 11")
	c.Send("c ENABLE CONDSTORE X-UNKNOWN\r\n")
	c.Expect("* ENABLED CONDSTORE")
	c.Expect("c OK ENABLE completed.")
	c.Send("d ENABLE condstore\r\n")
	c.Expect("* ENABLED")
	c.Expect("d OK ENABLE completed.")
	c.Send("e ENABLE QRESYNC CONDSTORE\r\n")
	c.Expect("* ENABLED QRESYNC")
	c.Expect("e OK ENABLE completed.")
	c.Send("f SELECT INBOX\r\n")
	untilTagged(t, c, "f", "f OK [READ-WRITE] SELECT completed.")
	c.Cmd("g ENABLE QRESYNC", "g BAD Command is not valid in this state.")
}

// RFC 7162 §3.1: CONDSTORE.
func TestCondStore(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{}, 3)
	c := loginTLS(t, s)
	// §3.1.2: CHANGEDSINCE needs a selected mailbox.
	c.Cmd("a FETCH 1 FLAGS (CHANGEDSINCE 1)", "a BAD Command is not valid in this state.")
	// §3.1.6: STATUS HIGHESTMODSEQ.
	c.Send("b STATUS INBOX (MESSAGES HIGHESTMODSEQ)\r\n")
	st := c.Expect(`* STATUS "INBOX" (MESSAGES 3 HIGHESTMODSEQ *`)
	c.Expect("b OK STATUS completed.")
	// §3.1.2.1, §3.1.8: SELECT (CONDSTORE) answers HIGHESTMODSEQ.
	c.Send("c SELECT INBOX (CONDSTORE)\r\n")
	got := untilTagged(t, c, "c", "c OK [READ-WRITE] SELECT completed.")
	h := find(t, got, reHighest)
	if !strings.HasSuffix(st, " HIGHESTMODSEQ "+n(h)+")") {
		t.Errorf("STATUS %q, SELECT's HIGHESTMODSEQ %d", st, h)
	}
	// §3.1.4: FETCH MODSEQ.
	c.Send("d FETCH 1:* (UID MODSEQ)\r\n")
	got = untilTagged(t, c, "d", "d OK FETCH completed.")
	if len(got) != 3 || !strings.HasPrefix(got[0], "* 1 FETCH (UID 1 MODSEQ (") {
		t.Fatalf("FETCH MODSEQ: %q", got)
	}
	for _, l := range got {
		if m := find(t, []string{l}, reModSeq); m == 0 || m > h {
			t.Errorf("MODSEQ %d, HIGHESTMODSEQ %d", m, h)
		}
	}
	// §3.1.3: STORE answers MODSEQ once CONDSTORE is on.
	c.Send("e STORE 1 +FLAGS (\\Flagged)\r\n")
	l := c.Expect(`* 1 FETCH (FLAGS (\Flagged \Recent) MODSEQ (*`)
	c.Expect("e OK STORE completed.")
	m1 := find(t, []string{l}, reModSeq)
	if m1 <= h {
		t.Fatalf("MODSEQ %d after STORE, was %d", m1, h)
	}
	// §3.1.4.1: CHANGEDSINCE fetches only what changed, with MODSEQ.
	c.Send("f FETCH 1:* (FLAGS) (CHANGEDSINCE " + n(h) + ")\r\n")
	if got := untilTagged(t, c, "f", "f OK FETCH completed."); strings.Join(got, "|") != `* 1 FETCH (FLAGS (\Flagged \Recent) MODSEQ (`+n(m1)+`))` {
		t.Errorf("CHANGEDSINCE: %q", got)
	}
	c.Cmd("g UID FETCH 1:* FLAGS (CHANGEDSINCE "+n(m1)+")", "g OK FETCH completed.")
	// §3.1.3: UNCHANGEDSINCE: message 1 changed since h, 2 did not.
	c.Send("h STORE 1,2 (UNCHANGEDSINCE " + n(h) + ") +FLAGS.SILENT (\\Seen)\r\n")
	l = c.Expect("* 2 FETCH (MODSEQ (*")
	c.Expect("h OK [MODIFIED 1] Conditional STORE failed.")
	m2 := find(t, []string{l}, reModSeq)
	c.Send("i UID STORE 1:3 (UNCHANGEDSINCE 0) FLAGS (\\Answered)\r\n")
	c.Expect("i OK [MODIFIED 1:3] Conditional STORE failed.")
	c.Send("j UID STORE 3 (UNCHANGEDSINCE " + n(m2) + ") +FLAGS (\\Answered)\r\n")
	c.Expect(`* 3 FETCH (UID 3 FLAGS (\Answered \Recent) MODSEQ (*`)
	c.Expect("j OK STORE completed.")
	// §3.1.5: SEARCH MODSEQ, with the highest MODSEQ of the result.
	c.Send("k SEARCH MODSEQ " + n(h+1) + "\r\n")
	l = c.Expect("* SEARCH 1 2 3 (MODSEQ *")
	c.Expect("k OK SEARCH completed.")
	c.Send(`l UID SEARCH MODSEQ "/flags/\\Seen" all ` + n(m2) + " NOT FLAGGED\r\n")
	c.Expect("* SEARCH 2 3 (MODSEQ " + n(find(t, []string{l}, regexp.MustCompile(`\(MODSEQ (\d+)\)$`))) + ")")
	c.Expect("l OK SEARCH completed.")
	c.Cmd("m SEARCH MODSEQ 9223372036854775807", "* SEARCH")
	c.Expect("m OK SEARCH completed.")
	// §3.1.2.2: another session's change arrives with its MODSEQ.
	b := loginTLS(t, s)
	b.Send("s SELECT INBOX\r\n")
	untilTagged(t, b, "s", "s OK [READ-WRITE] SELECT completed.")
	b.Send("t STORE 2 -FLAGS (\\Seen)\r\n")
	b.Expect("* 2 FETCH (FLAGS ())") // b has not enabled CONDSTORE
	b.Expect("t OK STORE completed.")
	c.Send("n NOOP\r\n")
	if got := untilTagged(t, c, "n", "n OK NOOP completed."); len(got) != 1 || !strings.HasPrefix(got[0], "* 2 FETCH (FLAGS (\\Recent) MODSEQ (") {
		t.Errorf("NOOP: %q", got)
	}
	// Errors: bad mod-sequences and modifiers.
	for i, cmd := range []string{"FETCH 1 FLAGS (CHANGEDSINCE 0)", "FETCH 1 FLAGS (CHANGEDSINCE x)", "FETCH 1 FLAGS (CHANGEDSINCE 9223372036854775808)",
		"UID FETCH 1 FLAGS (CHANGEDSINCE 1 VANISHED)", "STORE 1 (UNCHANGEDSINCE -1) +FLAGS (\\Seen)", "STORE 1 (UNCHANGEDSINCE) +FLAGS (\\Seen)",
		"SEARCH MODSEQ", "STATUS INBOX (HIGHESTMODSEQ X)", "SELECT INBOX (CONDSTORE CONDSTORE)"} {
		tag := "z" + strconv.Itoa(i)
		c.Send(tag + " " + cmd + "\r\n")
		untilTagged(t, c, tag, tag+" BAD *")
	}
	// EXAMINE answers HIGHESTMODSEQ too.
	c.Send("x EXAMINE INBOX\r\n")
	if got := untilTagged(t, c, "x", "x OK [READ-ONLY] EXAMINE completed."); find(t, got, reHighest) < m2 {
		t.Errorf("EXAMINE: %q", got)
	}
}

// RFC 7162 §3.2: QRESYNC.
func TestQResync(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{}, 5)
	st, in := aliceStore(t, s)
	ctx := context.Background()
	c := loginTLS(t, s)
	// §3.2.5: QRESYNC needs ENABLE QRESYNC first.
	c.Cmd("a SELECT INBOX (QRESYNC (1 1))", "a BAD QRESYNC was not enabled.")
	c.Send("b ENABLE QRESYNC\r\n")
	c.Expect("* ENABLED QRESYNC")
	c.Expect("b OK ENABLE completed.")
	c.Send("c SELECT INBOX\r\n")
	got := untilTagged(t, c, "c", "c OK [READ-WRITE] SELECT completed.")
	h, uv := find(t, got, reHighest), find(t, got, reUIDVal)
	// Changes while the client is away: a flag on 2, 3 expunged.
	if _, err := st.StoreFlags(ctx, in.ID, []uint32{2}, store.FlagsAdd, []string{store.FlagFlagged}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Expunge(ctx, in.ID, []uint32{3}); err != nil {
		t.Fatal(err)
	}
	// §3.2.5.1: the resync, with CLOSED for the mailbox it replaces
	// (§3.2.11). The client's sequence match data, made up or true, do
	// not change what the store's records name.
	for i, p := range []string{"", " 1:5", " 1:5 (1:3 7:9)", " (1,2 1,2)"} {
		tag := "d" + strconv.Itoa(i)
		c.Send(tag + " SELECT INBOX (QRESYNC (" + n(uv) + " " + n(h) + p + "))\r\n")
		got = untilTagged(t, c, tag, tag+" OK [READ-WRITE] SELECT completed.")
		if got[0] != "* OK [CLOSED] Previous mailbox is now closed." {
			t.Errorf("%s: no CLOSED first: %q", p, got)
		}
		j := strings.Join(got, "|")
		if !strings.Contains(j, "|* 4 EXISTS|") || !strings.Contains(j, "|* VANISHED (EARLIER) 3|* 2 FETCH (UID 2 FLAGS (\\Flagged \\Recent) MODSEQ (") ||
			strings.Count(j, "FETCH") != 1 || strings.Count(j, "VANISHED") != 1 {
			t.Errorf("QRESYNC%s: %q", p, got)
		}
	}
	// Known UIDs that exclude 3: nothing vanished for this client.
	c.Send("e SELECT INBOX (QRESYNC (" + n(uv) + " " + n(h) + " 1:2,4:5))\r\n")
	if j := strings.Join(untilTagged(t, c, "e", "e OK [READ-WRITE] SELECT completed."), "|"); strings.Contains(j, "VANISHED") || strings.Count(j, "FETCH") != 1 {
		t.Errorf("known UIDs 1:2,4:5: %q", j)
	}
	// UIDVALIDITY mismatch: a plain SELECT.
	c.Send("f EXAMINE INBOX (QRESYNC (" + n(uv+1) + " " + n(h) + "))\r\n")
	if j := strings.Join(untilTagged(t, c, "f", "f OK [READ-ONLY] EXAMINE completed."), "|"); strings.Contains(j, "VANISHED") || strings.Contains(j, "FETCH") {
		t.Errorf("UIDVALIDITY mismatch: %q", j)
	}
	// Errors: sequence match sets of different sizes, a zero or bad
	// mod-sequence, "*" in known UIDs; the mailbox stays selected.
	for i, p := range []string{" 1:5 (1:3 7:8)", " 1:5 (1 2,3)", "", " 1:*"} {
		tag := "g" + strconv.Itoa(i)
		ms := n(h)
		if p == "" {
			ms = "0"
		}
		c.Send(tag + " SELECT INBOX (QRESYNC (" + n(uv) + " " + ms + p + "))\r\n")
		untilTagged(t, c, tag, tag+" BAD *")
	}
	c.Cmd("h NOOP", "h OK NOOP completed.")
	c.Send("h2 SELECT INBOX\r\n")
	untilTagged(t, c, "h2", "h2 OK [READ-WRITE] SELECT completed.")
	// §3.2.6: UID FETCH (CHANGEDSINCE VANISHED); FETCH may not.
	c.Send("i UID FETCH 1:* FLAGS (CHANGEDSINCE " + n(h) + " VANISHED)\r\n")
	if j := strings.Join(untilTagged(t, c, "i", "i OK FETCH completed."), "|"); !strings.HasPrefix(j, "* VANISHED (EARLIER) 3|* 2 FETCH (UID 2 FLAGS (\\Flagged) MODSEQ (") {
		t.Errorf("UID FETCH VANISHED: %q", j)
	}
	c.Send("j UID FETCH 4:5 FLAGS (CHANGEDSINCE " + n(h) + " VANISHED)\r\n")
	if got := untilTagged(t, c, "j", "j OK FETCH completed."); len(got) != 0 {
		t.Errorf("UID FETCH 4:5 VANISHED: %q", got)
	}
	c.Cmd("k FETCH 1:* FLAGS (CHANGEDSINCE "+n(h)+" VANISHED)", "k BAD VANISHED needs UID FETCH and ENABLE QRESYNC.")
	// §3.2.10: VANISHED instead of EXPUNGE, and the UID in unsolicited
	// FETCH (§3.2.4).
	c.Send("l STORE 1 +FLAGS.SILENT (\\Deleted)\r\n")
	c.Expect("l OK STORE completed.")
	c.Send("m EXPUNGE\r\n")
	c.Expect("* VANISHED 1")
	c.Expect("m OK EXPUNGE completed.")
	if _, err := st.StoreFlags(ctx, in.ID, []uint32{5}, store.FlagsAdd, []string{store.FlagSeen}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Expunge(ctx, in.ID, []uint32{2, 4}); err != nil {
		t.Fatal(err)
	}
	c.Send("n NOOP\r\n")
	if j := strings.Join(untilTagged(t, c, "n", "n OK NOOP completed."), "|"); !strings.HasPrefix(j, "* VANISHED 2,4|* 1 FETCH (UID 5 FLAGS (\\Seen) MODSEQ (") {
		t.Errorf("NOOP: %q", j)
	}
	// In IDLE too.
	c.Cmd("o IDLE", "+ IDLE accepted, awaiting DONE command.")
	s.Deliver(message(6), "alice@mail.test")
	c.Expect("* 2 EXISTS")
	c.Expect("* 1 RECENT") // the new message is this session's \Recent
	if _, err := st.Expunge(ctx, in.ID, []uint32{6}); err != nil {
		t.Fatal(err)
	}
	c.Expect("* VANISHED 6")
	c.Cmd("DONE", "o OK IDLE completed.")
}

// TestQResyncBigFolder: a QRESYNC resync of a 10,000-message folder
// after 10 changes (5 flag changes, 5 expunges, each its own commit)
// sends a line per changed message and one VANISHED (EARLIER), not the
// folder.
func TestQResyncBigFolder(t *testing.T) {
	t.Parallel()
	const size = 10_000
	s := setup(t, testkit.Options{}, 0)
	st, in := aliceStore(t, s)
	fillStore(t, st, in.ID, size)
	c := loginTLS(t, s)
	c.Send("a ENABLE QRESYNC\r\n")
	c.Expect("* ENABLED QRESYNC")
	c.Expect("a OK ENABLE completed.")
	c.Send("b SELECT INBOX\r\n")
	got := untilTagged(t, c, "b", "b OK [READ-WRITE] SELECT completed.")
	h, uv := find(t, got, reHighest), find(t, got, reUIDVal)
	c.Cmd("c LOGOUT", "* BYE Postern IMAP4 server signing off.")
	ctx := context.Background()
	for i := range 5 {
		if _, err := st.StoreFlags(ctx, in.ID, []uint32{uint32(100 + 1000*i)}, store.FlagsAdd, []string{store.FlagSeen}); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Expunge(ctx, in.ID, []uint32{uint32(500 + 1000*i)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, known := range []string{"", " 1:" + n(size)} {
		c = loginTLS(t, s)
		c.Send("a ENABLE QRESYNC\r\n")
		c.Expect("* ENABLED QRESYNC")
		c.Expect("a OK ENABLE completed.")
		start := time.Now()
		c.Send("b SELECT INBOX (QRESYNC (" + n(uv) + " " + n(h) + known + "))\r\n")
		got = untilTagged(t, c, "b", "b OK [READ-WRITE] SELECT completed.")
		took := time.Since(start)
		fetches, vanished := 0, 0
		for _, l := range got {
			switch {
			case strings.Contains(l, " FETCH "):
				fetches++
			case strings.HasPrefix(l, "* VANISHED (EARLIER) "):
				vanished++
				if l != "* VANISHED (EARLIER) 500,1500,2500,3500,4500" {
					t.Errorf("%q", l)
				}
			}
		}
		t.Logf("QRESYNC of %d messages after 10 changes (known UIDs %q): %d FETCH, %d VANISHED lines of %d, in %v", size, known, fetches, vanished, len(got), took)
		if fetches != 5 || vanished != 1 || !strings.Contains(strings.Join(got, "|"), "* "+n(size-5)+" EXISTS") {
			t.Errorf("%d FETCH, %d VANISHED: %q", fetches, vanished, got)
		}
	}
	// What a client without QRESYNC reads instead to learn the same.
	start := time.Now()
	c.Send("f UID FETCH 1:* (FLAGS)\r\n")
	full := untilTagged(t, c, "f", "f OK FETCH completed.")
	t.Logf("without QRESYNC: UID FETCH 1:* (FLAGS) is %d lines, in %v", len(full), time.Since(start))
}

// fillStore puts n messages into folder f through the store: one
// appended, then copied onto itself in doubling batches.
func fillStore(t testing.TB, st store.Store, f store.FolderID, n int) {
	t.Helper()
	ctx := context.Background()
	if _, err := st.Append(ctx, f, store.NewMessage{Body: strings.NewReader(bigFolderMessage)}); err != nil {
		t.Fatal(err)
	}
	for have := 1; have < n; {
		k := min(have, n-have)
		uids := make([]uint32, k)
		for i := range uids {
			uids[i] = uint32(i + 1)
		}
		if _, _, err := st.Copy(ctx, f, uids, f); err != nil {
			t.Fatal(err)
		}
		have += k
	}
}

// TestGoIMAPCondStore: go-imap v2's client uses CONDSTORE: SELECT
// (CONDSTORE), STATUS HIGHESTMODSEQ, FETCH MODSEQ and CHANGEDSINCE,
// STORE UNCHANGEDSINCE and SEARCH MODSEQ.
func TestGoIMAPCondStore(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{}, 3)
	c := dialGoIMAP(t, s, nil)
	if !c.Caps().Has(goimap.CapCondStore) || !c.Caps().Has(goimap.CapQResync) {
		t.Fatalf("capabilities %v", c.Caps())
	}
	sd, err := c.Select("INBOX", &goimap.SelectOptions{CondStore: true}).Wait()
	if err != nil || sd.HighestModSeq == 0 {
		t.Fatalf("SELECT (CONDSTORE): %+v %v", sd, err)
	}
	h := sd.HighestModSeq
	stat, err := c.Status("Drafts", &goimap.StatusOptions{HighestModSeq: true}).Wait()
	if err != nil || stat.HighestModSeq == 0 {
		t.Fatalf("STATUS HIGHESTMODSEQ: %+v %v", stat, err)
	}
	msgs, err := c.Fetch(goimap.SeqSetNum(1, 2, 3), &goimap.FetchOptions{UID: true, ModSeq: true}).Collect()
	if err != nil || len(msgs) != 3 || msgs[0].ModSeq == 0 || msgs[2].ModSeq > h {
		t.Fatalf("FETCH MODSEQ: %+v %v", msgs, err)
	}
	if _, err := c.Store(goimap.UIDSetNum(2), &goimap.StoreFlags{Op: goimap.StoreFlagsAdd, Flags: []goimap.Flag{goimap.FlagFlagged}},
		&goimap.StoreOptions{UnchangedSince: h}).Collect(); err != nil {
		t.Fatal(err)
	}
	msgs, err = c.Fetch(goimap.SeqSetNum(1, 2, 3), &goimap.FetchOptions{UID: true, Flags: true, ChangedSince: h}).Collect()
	if err != nil || len(msgs) != 1 || msgs[0].UID != 2 || msgs[0].ModSeq <= h || !slices.Contains(msgs[0].Flags, goimap.FlagFlagged) {
		t.Fatalf("FETCH CHANGEDSINCE: %+v %v", msgs, err)
	}
	sr, err := c.UIDSearch(&goimap.SearchCriteria{ModSeq: &goimap.SearchCriteriaModSeq{ModSeq: h + 1}}, nil).Wait()
	if err != nil || sr.AllUIDs() == nil || len(sr.AllUIDs()) != 1 || sr.AllUIDs()[0] != 2 || sr.ModSeq != msgs[0].ModSeq {
		t.Fatalf("SEARCH MODSEQ: %+v %v", sr, err)
	}
}

// TestQResyncBeyondRecords: a client further behind than the store's
// expunge records reach (sqlite.DefaultExpungeHistory mod-sequences)
// is sent VANISHED (EARLIER) for every UID it may know that the folder
// lacks: correct, just bigger. Its sequence match data only trim what
// is below the highest pair that holds now (RFC 7162 §3.2.5.2): true
// data or data made up that matches nothing hide no expunge.
func TestQResyncBeyondRecords(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{}, 6)
	st, in := aliceStore(t, s)
	ctx := context.Background()
	c := loginTLS(t, s)
	c.Send("a ENABLE QRESYNC\r\n")
	c.Expect("* ENABLED QRESYNC")
	c.Expect("a OK ENABLE completed.")
	c.Send("b SELECT INBOX\r\n")
	got := untilTagged(t, c, "b", "b OK [READ-WRITE] SELECT completed.")
	h, uv := find(t, got, reHighest), find(t, got, reUIDVal)
	c.Cmd("c LOGOUT", "* BYE Postern IMAP4 server signing off.")
	if _, err := st.Expunge(ctx, in.ID, []uint32{2}); err != nil {
		t.Fatal(err)
	}
	// More commits than the records span, each a keyword set or cleared
	// on message 6 (concurrent, so that the store batches them), then an
	// expunge, which prunes the records.
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
				if _, err := st.StoreFlags(ctx, in.ID, []uint32{6}, op, kw); err != nil {
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
	if _, err := st.Expunge(ctx, in.ID, []uint32{5}); err != nil {
		t.Fatal(err)
	}
	if _, _, _, named, err := st.(store.ExpungeLister).ChangesExpunged(ctx, in.ID, h); err != nil || named {
		t.Fatalf("the store still names the expunges since %d (%v)", h, err)
	}
	c = loginTLS(t, s)
	c.Send("a ENABLE QRESYNC\r\n")
	c.Expect("* ENABLED QRESYNC")
	c.Expect("a OK ENABLE completed.")
	for i, p := range []struct{ params, vanished string }{
		{"", "2,5"}, {" 1:6", "2,5"}, {" 1:4", "2"}, {" 3:9", "5"},
		{" 1:6 (1:6 1:6)", "2,5"},  // true: only seq 1 still holds UID 1
		{" 1:6 (2,4 7,9)", "2,5"},  // made up, matching nothing now
		{" 1:6 (1:4 9:12)", "2,5"}, // made up, of the wrong size for the folder
		{" 1:6 (2,3 3,4)", "5"},    // made up to match now: taken at its word
	} {
		tag := "b" + strconv.Itoa(i)
		c.Send(tag + " SELECT INBOX (QRESYNC (" + n(uv) + " " + n(h) + p.params + "))\r\n")
		got = untilTagged(t, c, tag, tag+" OK [READ-WRITE] SELECT completed.")
		j := strings.Join(got, "|")
		if !strings.Contains(j, "|* VANISHED (EARLIER) "+p.vanished+"|") || strings.Count(j, "VANISHED") != 1 || strings.Count(j, "FETCH") != 1 ||
			!strings.Contains(j, "* 4 FETCH (UID 6 FLAGS () MODSEQ (") {
			t.Errorf("QRESYNC%s: %q", p.params, got)
		}
	}
	c.Send("d UID FETCH 1:* (FLAGS) (CHANGEDSINCE " + n(h) + " VANISHED)\r\n")
	if j := strings.Join(untilTagged(t, c, "d", "d OK FETCH completed."), "|"); !strings.HasPrefix(j, "* VANISHED (EARLIER) 2,5|* 4 FETCH (UID 6 FLAGS () MODSEQ (") {
		t.Errorf("UID FETCH VANISHED: %q", j)
	}
}

package imap_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/internal/imap/caps"
	"github.com/postern/postern/internal/testkit"
)

// TestIdle is spec §11 item 34: a delivery reaches a session in IDLE at
// once, and DONE ends it.
func TestIdle(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{}, 1)
	c := loginTLS(t, s)
	c.Send("a SELECT INBOX\r\n")
	untilTagged(t, c, "a", "a OK [READ-WRITE] SELECT completed.")
	c.Cmd("b IDLE", "+ IDLE accepted, awaiting DONE command.")
	start := time.Now()
	s.Deliver(message(2), "alice@mail.test")
	c.Expect("* 2 EXISTS")
	c.Expect("* 2 RECENT")
	if d := time.Since(start); d > time.Second {
		t.Errorf("EXISTS after %v", d)
	}
	// A flag change made by another session.
	other := loginTLS(t, s)
	other.Send("x SELECT INBOX\r\n")
	untilTagged(t, other, "x", "x OK [READ-WRITE] SELECT completed.")
	other.Cmd(`y STORE 1 +FLAGS.SILENT (\Flagged)`, "y OK STORE completed.")
	c.Expect(`* 1 FETCH (FLAGS (\Flagged \Recent))`)
	c.Cmd("DONE", "b OK IDLE completed.")
}

// TestExpungeRules: another session's expunge is not announced during
// FETCH (RFC 3501 §7.4.1) but is at the next NOOP.
func TestExpungeRules(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{}, 3)
	a, b := loginTLS(t, s), loginTLS(t, s)
	for _, c := range []*testkit.Client{a, b} {
		c.Send("s SELECT INBOX\r\n")
		untilTagged(t, c, "s", "s OK [READ-WRITE] SELECT completed.")
	}
	b.Cmd(`t STORE 2 +FLAGS.SILENT (\Deleted)`, "t OK STORE completed.")
	b.Send("u EXPUNGE\r\n")
	b.Expect("* 2 EXPUNGE")
	b.Expect("u OK EXPUNGE completed.")
	// FETCH may not announce the expunge; the session still shows
	// message 2 by its UID.
	a.Send("f FETCH 1:3 UID\r\n")
	got := untilTagged(t, a, "f", "f OK FETCH completed.")
	if strings.Join(got, "|") != "* 1 FETCH (UID 1)|* 2 FETCH (UID 2)|* 3 FETCH (UID 3)" {
		t.Errorf("FETCH during a pending expunge: %q", got)
	}
	a.Send("n NOOP\r\n")
	a.Expect("* 2 EXPUNGE")
	a.Expect("n OK NOOP completed.")
	a.Send("g FETCH 1:* UID\r\n")
	got = untilTagged(t, a, "g", "g OK FETCH completed.")
	if strings.Join(got, "|") != "* 1 FETCH (UID 1)|* 2 FETCH (UID 3)" {
		t.Errorf("after NOOP: %q", got)
	}
}

func TestAppend(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{}, 0)
	c := loginTLS(t, s)
	msg := "Subject: appended\r\n\r\nhello\r\n"
	c.Send("a APPEND Drafts (\\Draft) \"22-Nov-2026 10:00:00 +0100\" {" + strconv.Itoa(len(msg)) + "}\r\n")
	c.Expect("+ Ready for additional command text.")
	c.Send(msg + "\r\n")
	c.Expect("a OK [APPENDUID *")
	// LITERAL+: no continuation.
	c.Cmd("b APPEND INBOX {"+strconv.Itoa(len(msg))+"+}\r\n"+msg, "b OK [APPENDUID *")
	// Too big: refused before the continuation (spec issue: NO before any +).
	c.Cmd("c APPEND INBOX {99999999999}", "c NO [TOOBIG]*")
	// APPENDLIMIT (RFC 7889) is the limit: one octet more is refused.
	c.Cmd("c2 APPEND INBOX {"+strconv.Itoa(caps.AppendLimit+1)+"}", "c2 NO [TOOBIG]*")
	c.Cmd("d APPEND Nowhere {5}", "d NO [TRYCREATE]*")
	c.Cmd("e NOOP", "e OK NOOP completed.")
	c.Send("f STATUS Drafts (MESSAGES UNSEEN UIDNEXT)\r\n")
	c.Expect(`* STATUS "Drafts" (MESSAGES 1 UNSEEN 1 UIDNEXT 2)`)
	c.Expect("f OK STATUS completed.")
	c.Send("g SELECT Drafts\r\n")
	untilTagged(t, c, "g", "g OK [READ-WRITE] SELECT completed.")
	c.Send("h FETCH 1 (FLAGS INTERNALDATE BODY.PEEK[])\r\n")
	c.Expect(`* 1 FETCH (FLAGS (\Draft \Recent) INTERNALDATE "22-Nov-2026 10:00:00 +0100" BODY[] {` + strconv.Itoa(len(msg)) + "}")
	c.Expect("Subject: appended")
	c.Expect("")
	c.Expect("hello")
	c.Expect(")")
	c.Expect("h OK FETCH completed.")
}

func TestFoldersCopyMove(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{}, 3)
	c := loginTLS(t, s)
	c.Send("a LIST \"\" *\r\n")
	got := untilTagged(t, c, "a", "a OK LIST completed.")
	want := []string{`* LIST (\HasNoChildren) "/" "INBOX"`, `* LIST (\HasNoChildren \Trash) "/" "Deleted Items"`, `* LIST (\HasNoChildren \Drafts) "/" "Drafts"`,
		`* LIST (\HasNoChildren \Junk) "/" "Junk Email"`, `* LIST (\HasNoChildren \Sent) "/" "Sent Items"`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("LIST:\n%s", strings.Join(got, "\n"))
	}
	c.Cmd(`b LIST "" ""`, `* LIST (\Noselect) "/" ""`)
	c.Expect("b OK LIST completed.")
	c.Cmd("c CREATE Projects/2026/", "c OK CREATE completed.")
	c.Cmd("d CREATE inbox", "d NO [ALREADYEXISTS]*")
	c.Send("e LIST \"\" Projects/%\r\n")
	if got := untilTagged(t, c, "e", "e OK LIST completed."); len(got) != 1 || got[0] != `* LIST (\HasNoChildren) "/" "Projects/2026"` {
		t.Errorf("LIST Projects/%%: %q", got)
	}
	c.Cmd("f RENAME Projects Archive", "f OK RENAME completed.")
	c.Send("g SELECT INBOX\r\n")
	untilTagged(t, c, "g", "g OK [READ-WRITE] SELECT completed.")
	if l := c.Cmd("h COPY 1:2 Archive/2026", "h OK [COPYUID *"); !strings.HasSuffix(l, " 1:2 1:2] COPY completed.") {
		t.Errorf("COPY: %q", l)
	}
	c.Send("i UID MOVE 3 Archive/2026\r\n")
	if l := c.Expect("* OK [COPYUID *"); !strings.HasSuffix(l, " 3 3] Moved.") {
		t.Errorf("MOVE: %q", l)
	}
	c.Expect("* 3 EXPUNGE")
	c.Expect("i OK MOVE completed.")
	c.Cmd("j COPY 1 Nowhere", "j NO [TRYCREATE]*")
	c.Send("k STATUS Archive/2026 (MESSAGES)\r\n")
	c.Expect(`* STATUS "Archive/2026" (MESSAGES 3)`)
	c.Expect("k OK STATUS completed.")
	c.Cmd("l DELETE INBOX", "l NO [CANNOT]*")
	c.Cmd("m DELETE Archive/2026", "m OK DELETE completed.")
	c.Cmd(`n SUBSCRIBE Drafts`, "n OK SUBSCRIBE completed.")
	c.Send(`o NAMESPACE` + "\r\n")
	c.Expect(`* NAMESPACE (("" "/")) NIL NIL`)
	c.Expect("o OK NAMESPACE completed.")
	c.Send("p UNSELECT\r\n")
	c.Expect("p OK UNSELECT completed.")
	c.Cmd("q FETCH 1 UID", "q BAD Command is not valid in this state.")
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{}, 1)
	c := loginTLS(t, s)
	c.Cmd("a SELECT INBOX", "*")
	untilTagged(t, c, "a", "a OK [READ-WRITE] SELECT completed.")
	c.Cmd("b XYZZY", "b BAD Command Error. 12")
	c.Cmd("c FETCH", "c BAD*")
	c.Cmd("d FETCH 1 (FLAGS", "d BAD*")
	c.Cmd("e SEARCH "+strings.Repeat("(", 200)+"ALL"+strings.Repeat(")", 200), "e BAD*")
	c.Cmd("f LOGIN a b", "f BAD Command is not valid in this state.")
	c.Cmd("g SELECT {-1}", "g BAD*")
	c.Cmd("h SELECT \xff\xfe", "h BAD*")
	c.Cmd("i FETCH 1 "+strings.Repeat("X", 11000), "i BAD*")
	c.Cmd("j NOOP", "j OK NOOP completed.")
	c.Cmd("k SEARCH CHARSET KOI8-R ALL", "k NO [BADCHARSET (UTF-8 US-ASCII)]*")
	c.Send("l SEARCH CHARSET UTF-8 BODY message\r\n")
	c.Expect("* SEARCH 1")
	c.Expect("l OK SEARCH completed.")
}

// TestPOP3AndIMAPShareTheInbox: a message deleted over POP3 leaves the
// IMAP session's view at its next poll.
func TestPOP3AndIMAPShareTheInbox(t *testing.T) {
	t.Parallel()
	s := testkit.Start(t, testkit.Options{})
	s.AddUser("alice@mail.test", "secret1")
	s.Deliver(message(1), "alice@mail.test")
	s.Deliver(message(2), "alice@mail.test")
	c := loginTLS(t, s)
	c.Send("a SELECT INBOX\r\n")
	untilTagged(t, c, "a", "a OK [READ-WRITE] SELECT completed.")
	p := testkit.Dial(t, s.POP3S, s.ClientTLS("localhost"))
	p.Expect("+OK*")
	p.Cmd("USER alice@mail.test", "+OK")
	p.Cmd("PASS secret1", "+OK User successfully logged on.")
	p.Cmd("DELE 1", "+OK*")
	p.Cmd("QUIT", "+OK*")
	c.Send("b NOOP\r\n")
	c.Expect("* 1 EXPUNGE")
	c.Expect("b OK NOOP completed.")
	// POP3 marked nothing \Seen (it retrieved nothing); the rest is intact.
	c.Send("c FETCH 1 (UID FLAGS)\r\n")
	c.Expect(`* 1 FETCH (UID 2 FLAGS (\Recent))`) // the first session to see it
	c.Expect("c OK FETCH completed.")
}

// TestPreLoginBadCommands: a bounded number of errors before logon ends
// the connection; the server goes on.
func TestPreLoginBadCommands(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{}, 0)
	c := testkit.Dial(t, s.IMAPS, s.ClientTLS("localhost"))
	c.Expect(greeting)
	c.Send(strings.Repeat("x BOGUS\r\n", 30))
	rest := c.Closed()
	if len(rest) == 0 || rest[len(rest)-1] != "* BYE Too many errors. Closing connection." || len(rest) > 12 {
		t.Fatalf("flood: %q", rest)
	}
	c = testkit.Dial(t, s.IMAPS, s.ClientTLS("localhost"))
	c.Expect(greeting)
}

func TestEmptyMailboxStar(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{}, 0)
	c := loginTLS(t, s)
	c.Send("a SELECT INBOX\r\n")
	untilTagged(t, c, "a", "a OK [READ-WRITE] SELECT completed.")
	c.Cmd("b FETCH 1:* FLAGS", "b OK FETCH completed.")
	c.Cmd("c UID FETCH 1:* FLAGS", "c OK FETCH completed.")
	c.Cmd("d FETCH 1 FLAGS", "d BAD Invalid sequence number.")
	c.Cmd("e SEARCH ALL", "* SEARCH")
	c.Expect("e OK SEARCH completed.")
}

// TestFetchExpungedElsewhere: a message expunged by another session after
// this one saw it is left out of FETCH whole, never half-written.
func TestFetchExpungedElsewhere(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{}, 2)
	a, b := loginTLS(t, s), loginTLS(t, s)
	for _, c := range []*testkit.Client{a, b} {
		c.Send("s SELECT INBOX\r\n")
		untilTagged(t, c, "s", "s OK [READ-WRITE] SELECT completed.")
	}
	b.Cmd(`t STORE 2 +FLAGS.SILENT (\Deleted)`, "t OK STORE completed.")
	b.Send("u EXPUNGE\r\n")
	b.Expect("* 2 EXPUNGE")
	b.Expect("u OK EXPUNGE completed.")
	a.Send("f FETCH 1:2 (UID BODY.PEEK[HEADER.FIELDS (Subject)])\r\n")
	a.Expect(`* 1 FETCH (UID 1 BODY[HEADER.FIELDS (Subject)] {19}`)
	a.Expect("Subject: test 1")
	a.Expect("")
	a.Expect(")")
	a.Expect("f OK [EXPUNGEISSUED] Some messages were expunged; FETCH completed.")
	a.Cmd("g NOOP", "* 2 EXPUNGE")
	a.Expect("g OK NOOP completed.")
}

// TestOwnChangesAndReselect: a session's own STORE and EXPUNGE are
// announced once, by the command itself, and never again; its own APPEND
// is announced by EXISTS; changes made elsewhere still reach it, and a
// SELECT of the folder already selected reports the folder as it is now.
func TestOwnChangesAndReselect(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{}, 4)
	a, b := loginTLS(t, s), loginTLS(t, s)
	for _, c := range []*testkit.Client{a, b} {
		c.Send("s SELECT INBOX\r\n")
		untilTagged(t, c, "s", "s OK [READ-WRITE] SELECT completed.")
	}
	a.Send("t STORE 1 +FLAGS (\\Seen)\r\n")
	if got := untilTagged(t, a, "t", "t OK STORE completed."); strings.Join(got, "|") != `* 1 FETCH (FLAGS (\Seen \Recent))` {
		t.Errorf("own STORE: %q", got)
	}
	a.Cmd(`u STORE 2 +FLAGS.SILENT (\Deleted)`, "u OK STORE completed.")
	a.Send("v EXPUNGE\r\n")
	if got := untilTagged(t, a, "v", "v OK EXPUNGE completed."); strings.Join(got, "|") != "* 2 EXPUNGE" {
		t.Errorf("own EXPUNGE: %q", got)
	}
	// Nothing of its own comes back at the next poll.
	a.Send("n NOOP\r\n")
	if got := untilTagged(t, a, "n", "n OK NOOP completed."); len(got) != 0 {
		t.Errorf("NOOP after own changes: %q", got)
	}
	// b sees a's changes; then b changes flags, expunges and delivers.
	b.Send("n NOOP\r\n")
	if got := untilTagged(t, b, "n", "n OK NOOP completed."); strings.Join(got, "|") != `* 2 EXPUNGE|* 1 FETCH (FLAGS (\Seen))` {
		t.Errorf("b's NOOP: %q", got)
	}
	b.Cmd(`w STORE 3 +FLAGS.SILENT (\Flagged \Deleted)`, "w OK STORE completed.") // UID 4
	b.Send("x EXPUNGE\r\n")
	untilTagged(t, b, "x", "x OK EXPUNGE completed.")
	s.Deliver(message(5), "alice@mail.test")
	// a's own APPEND next to b's changes.
	a.Send("p APPEND INBOX {" + strconv.Itoa(len(message(6))) + "+}\r\n" + message(6) + "\r\n")
	untilTagged(t, a, "p", "p OK [APPENDUID *")
	// a re-selects: the listing it started from, brought up to date.
	a.Send("r SELECT INBOX\r\n")
	got := untilTagged(t, a, "r", "r OK [READ-WRITE] SELECT completed.")
	if got[0] != "* 4 EXISTS" || !strings.Contains(strings.Join(got, "|"), "[UIDNEXT 7]") {
		t.Errorf("re-SELECT: %q", got)
	}
	a.Send("f FETCH 1:* (UID FLAGS)\r\n")
	got = untilTagged(t, a, "f", "f OK FETCH completed.")
	// a selected first, and took the new messages at the sync after its
	// APPEND: all are \Recent to it, still after the re-SELECT.
	want := `* 1 FETCH (UID 1 FLAGS (\Seen \Recent))|* 2 FETCH (UID 3 FLAGS (\Recent))|* 3 FETCH (UID 5 FLAGS (\Recent))|* 4 FETCH (UID 6 FLAGS (\Recent))`
	if strings.Join(got, "|") != want {
		t.Errorf("after re-SELECT:\n got %q\nwant %q", strings.Join(got, "|"), want)
	}
}

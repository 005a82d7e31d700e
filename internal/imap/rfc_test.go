package imap_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/postern/postern/internal/testkit"
)

// TestLogoutSendsPendingFirst: updates still pending for the selected
// folder (another session's flag change and expunge) go out before the
// BYE, not after it (RFC 3501 §6.1.3, §7.1.5).
func TestLogoutSendsPendingFirst(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{}, 2)
	a, b := loginTLS(t, s), loginTLS(t, s)
	for _, c := range []*testkit.Client{a, b} {
		c.Send("s SELECT INBOX\r\n")
		untilTagged(t, c, "s", "s OK [READ-WRITE] SELECT completed.")
	}
	b.Cmd(`t STORE 1 +FLAGS.SILENT (\Flagged)`, "t OK STORE completed.")
	b.Cmd(`u STORE 2 +FLAGS.SILENT (\Deleted)`, "u OK STORE completed.")
	b.Send("v EXPUNGE\r\n")
	b.Expect("* 2 EXPUNGE")
	b.Expect("v OK EXPUNGE completed.")
	a.Send("z LOGOUT\r\n")
	got := untilTagged(t, a, "z", "z OK LOGOUT completed.")
	if len(got) == 0 || got[len(got)-1] != "* BYE Postern IMAP4 server signing off." {
		t.Fatalf("LOGOUT: %q, want the BYE last", got)
	}
	joined := strings.Join(got, "|")
	for _, want := range []string{`* 1 FETCH (FLAGS (\Flagged \Recent))`, "* 2 EXPUNGE"} {
		if !strings.Contains(joined, want) {
			t.Errorf("LOGOUT lacks %q before the BYE: %q", want, got)
		}
	}
}

// idArgs is the largest ID argument RFC 2971 §3.3 allows: 30 pairs, names
// of 30 octets, values of 1024 (with quote, if set, written as \").
func idArgs(quote bool) string {
	var b strings.Builder
	b.WriteByte('(')
	for i := range 30 {
		if i > 0 {
			b.WriteByte(' ')
		}
		name := fmt.Sprintf("field-%02d-%s", i, strings.Repeat("n", 21))
		val := strings.Repeat("v", 1024)
		if quote {
			val = strings.Repeat(`\"`, 1024)
		}
		b.WriteString(`"` + name + `" "` + val + `"`)
	}
	b.WriteByte(')')
	return b.String()
}

// TestIDLargestArguments: ID with the largest arguments RFC 2971 allows
// is answered, before logon and after, even with MaxCommandSize at its
// least; MaxCommandSize still bounds every other command.
func TestIDLargestArguments(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{Imap: map[string]string{"MaxCommandSize": "1024"}}, 0)
	c := testkit.Dial(t, s.IMAPS, s.ClientTLS("localhost"))
	c.Expect(greeting)
	for i, quote := range []bool{false, true} {
		tag := "p" + strconv.Itoa(i)
		c.Send(tag + " ID " + idArgs(quote) + "\r\n")
		c.Expect(`* ID ("name" "Postern")`)
		c.Expect(tag + " OK ID completed.")
	}
	c.Cmd("q NOOP "+strings.Repeat("x", 1100), "q BAD*")
	c.Cmd("r LOGIN alice@mail.test secret1", "r OK LOGIN completed.")
	for i, quote := range []bool{false, true} {
		tag := "s" + strconv.Itoa(i)
		c.Send(tag + " ID " + idArgs(quote) + "\r\n")
		c.Expect(`* ID ("name" "Postern")`)
		c.Expect(tag + " OK ID completed.")
	}
	// In a literal continuation too.
	c.Send("t ID (\"x\" {3+}\r\nabc \"y\" \"" + strings.Repeat("v", 1024) + "\" " + strings.TrimPrefix(idArgs(false), "(") + "\r\n")
	c.Expect(`* ID ("name" "Postern")`)
	c.Expect("t OK ID completed.")
	c.Cmd("u NOOP "+strings.Repeat("x", 1100), "u BAD*")
	c.Cmd("v STATUS INBOX (MESSAGES"+strings.Repeat(" MESSAGES", 150)+")", "v BAD*")
	c.Cmd("w NOOP", "w OK NOOP completed.")
}

// TestBadMailboxNameIsNO: a mailbox name that is not valid modified
// UTF-7 in a well-formed command is answered NO, not BAD, by every
// command that takes a mailbox name; a malformed command stays BAD.
func TestBadMailboxNameIsNO(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{}, 1)
	c := loginTLS(t, s)
	for i, name := range []string{"&", "a&Jjo", "&AGE-"} {
		p := "x" + strconv.Itoa(i)
		for _, cmd := range []string{
			"SELECT " + name, "EXAMINE " + name, "STATUS " + name + " (MESSAGES)", "CREATE " + name, "DELETE " + name,
			"RENAME " + name + " b", "RENAME Drafts " + name, "SUBSCRIBE " + name, "UNSUBSCRIBE " + name,
			`LIST ` + name + ` "*"`,
		} {
			c.Cmd(p+" "+cmd, p+" NO *")
		}
		c.Cmd(p+" APPEND "+name+" {3+}\r\nabc", p+" NO *")
		c.Send(p + "s SELECT INBOX\r\n")
		untilTagged(t, c, p+"s", p+"s OK [READ-WRITE] SELECT completed.")
		for _, cmd := range []string{"COPY 1 " + name, "MOVE 1 " + name, "UID COPY 1 " + name, "UID MOVE 1 " + name} {
			c.Cmd(p+" "+cmd, p+" NO *")
		}
	}
	// A failed SELECT leaves the selected state.
	c.Cmd("y SELECT &", "y NO *")
	c.Cmd("y FETCH 1 UID", "y BAD Command is not valid in this state.")
	// Syntax errors are still BAD, with or without a bad name.
	c.Cmd("z1 STATUS & (NOSUCH)", "z1 BAD*")
	c.Cmd("z2 SELECT", "z2 BAD*")
	c.Cmd("z3 SELECT a b", "z3 BAD*")
	c.Cmd("z4 RENAME &", "z4 BAD*")
	c.Cmd("z5 CREATE a*", "z5 BAD*")
	c.Send("z6 LOGOUT\r\n")
	c.Expect("* BYE *")
}

// expectSearch sends a SEARCH and checks its result.
func expectSearch(t *testing.T, c *testkit.Client, tag, keys, want string) {
	t.Helper()
	c.Send(tag + " SEARCH " + keys + "\r\n")
	got := untilTagged(t, c, tag, tag+" OK SEARCH completed.")
	if strings.Join(got, "|") != want {
		t.Errorf("SEARCH %s: %q, want %q", keys, got, want)
	}
}

// TestRecent: the first session to see a message after it arrives sees it
// \Recent (RFC 3501 §2.3.2): SELECT claims the messages, a sync claims
// those that arrive while selected, EXAMINE sees what is not claimed yet
// without claiming it, and STATUS counts what no session has claimed.
// SEARCH RECENT, NEW and OLD follow.
func TestRecent(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{}, 2)
	a, b, c, d, e := loginTLS(t, s), loginTLS(t, s), loginTLS(t, s), loginTLS(t, s), loginTLS(t, s)
	c.Cmd("s STATUS INBOX (MESSAGES RECENT)", `* STATUS "INBOX" (MESSAGES 2 RECENT 2)`)
	c.Expect("s OK STATUS completed.")
	a.Send("s SELECT INBOX\r\n")
	if got := untilTagged(t, a, "s", "s OK [READ-WRITE] SELECT completed."); got[1] != "* 2 RECENT" {
		t.Errorf("first SELECT: %q", got)
	}
	a.Send("f FETCH 1:* (UID FLAGS)\r\n")
	if got := untilTagged(t, a, "f", "f OK FETCH completed."); strings.Join(got, "|") !=
		`* 1 FETCH (UID 1 FLAGS (\Recent))|* 2 FETCH (UID 2 FLAGS (\Recent))` {
		t.Errorf("FETCH FLAGS: %q", got)
	}
	expectSearch(t, a, "r", "RECENT", "* SEARCH 1 2")
	expectSearch(t, a, "n", "NEW", "* SEARCH 1 2")
	expectSearch(t, a, "o", "OLD", "* SEARCH")
	b.Send("s EXAMINE INBOX\r\n")
	if got := untilTagged(t, b, "s", "s OK [READ-ONLY] EXAMINE completed."); got[1] != "* 0 RECENT" {
		t.Errorf("EXAMINE after the SELECT: %q", got)
	}
	c.Cmd("t STATUS INBOX (RECENT)", `* STATUS "INBOX" (RECENT 0)`)
	c.Expect("t OK STATUS completed.")

	s.Deliver(message(3), "alice@mail.test")
	c.Cmd("u STATUS INBOX (MESSAGES RECENT)", `* STATUS "INBOX" (MESSAGES 3 RECENT 1)`)
	c.Expect("u OK STATUS completed.")
	// EXAMINE sees it recent and leaves it to the next session.
	for _, tag := range []string{"s", "t"} {
		d.Send(tag + " EXAMINE INBOX\r\n")
		if got := untilTagged(t, d, tag, tag+" OK [READ-ONLY] EXAMINE completed."); got[1] != "* 1 RECENT" {
			t.Errorf("EXAMINE before anyone took the new message: %q", got)
		}
	}
	expectSearch(t, d, "r", "RECENT", "* SEARCH 3")
	// a, selected, takes it at its next sync; b, examining, sees it taken.
	a.Send("p NOOP\r\n")
	if got := untilTagged(t, a, "p", "p OK NOOP completed."); strings.Join(got, "|") != "* 3 EXISTS|* 3 RECENT" {
		t.Errorf("a's NOOP: %q", got)
	}
	b.Send("p NOOP\r\n")
	if got := untilTagged(t, b, "p", "p OK NOOP completed."); strings.Join(got, "|") != "* 3 EXISTS|* 0 RECENT" {
		t.Errorf("b's NOOP: %q", got)
	}
	c.Cmd("v STATUS INBOX (RECENT)", `* STATUS "INBOX" (RECENT 0)`)
	c.Expect("v OK STATUS completed.")
	a.Send("g FETCH 1 BODY[]\r\n")
	untilTagged(t, a, "g", "g OK FETCH completed.")
	a.Cmd("h FETCH 1 FLAGS", `* 1 FETCH (FLAGS (\Seen \Recent))`)
	a.Expect("h OK FETCH completed.")
	expectSearch(t, a, "r2", "RECENT", "* SEARCH 1 2 3")
	expectSearch(t, a, "n2", "NEW", "* SEARCH 2 3")
	expectSearch(t, a, "o2", "NOT NEW", "* SEARCH 1")
	b.Cmd("q NOOP", `* 1 FETCH (FLAGS (\Seen))`) // not \Recent to b
	b.Expect("q OK NOOP completed.")
	expectSearch(t, b, "o", "OLD", "* SEARCH 1 2 3")
	expectSearch(t, b, "r", "RECENT", "* SEARCH")
	// A new session: nothing is recent any more.
	e.Send("s SELECT INBOX\r\n")
	if got := untilTagged(t, e, "s", "s OK [READ-WRITE] SELECT completed."); got[1] != "* 0 RECENT" {
		t.Errorf("a later SELECT: %q", got)
	}
	expectSearch(t, e, "o", "OLD", "* SEARCH 1 2 3")
	expectSearch(t, e, "n", "NEW", "* SEARCH")
	// \Recent cannot be stored; STORE FLAGS keeps it on a's side.
	a.Cmd(`i STORE 2 FLAGS (\Flagged)`, `* 2 FETCH (FLAGS (\Flagged \Recent))`)
	a.Expect("i OK STORE completed.")
}

// TestKeywordsInFlags: SELECT and EXAMINE list the keywords in use in
// the folder in FLAGS (and PERMANENTFLAGS, with \*), and a FETCH that
// shows a keyword the session has not announced is preceded by an
// updated FLAGS and PERMANENTFLAGS.
func TestKeywordsInFlags(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{}, 2)
	a, b := loginTLS(t, s), loginTLS(t, s)
	const sys = `\Seen \Answered \Flagged \Deleted \Draft $MDNSent`
	a.Send("s SELECT INBOX\r\n")
	got := strings.Join(untilTagged(t, a, "s", "s OK [READ-WRITE] SELECT completed."), "|")
	if !strings.Contains(got, "* FLAGS ("+sys+")|* OK [PERMANENTFLAGS ("+sys+` \*)]`) {
		t.Errorf("SELECT without keywords: %q", got)
	}
	a.Cmd(`t STORE 1 +FLAGS.SILENT (Work $Junk)`, "t OK STORE completed.")
	a.Cmd(`u FETCH 1 FLAGS`, "* FLAGS ("+sys+" Work $Junk)")
	a.Expect("* OK [PERMANENTFLAGS (" + sys + ` Work $Junk \*)] Permanent flags`)
	a.Expect(`* 1 FETCH (FLAGS (Work $Junk \Recent))`)
	a.Expect("u OK FETCH completed.")
	a.Cmd(`v FETCH 1 FLAGS`, `* 1 FETCH (FLAGS (Work $Junk \Recent))`) // announced once
	a.Expect("v OK FETCH completed.")

	// A later SELECT lists them, sorted; EXAMINE too, with no PERMANENTFLAGS.
	b.Send("s SELECT INBOX\r\n")
	got = strings.Join(untilTagged(t, b, "s", "s OK [READ-WRITE] SELECT completed."), "|")
	if !strings.Contains(got, "* FLAGS ("+sys+" $Junk Work)|* OK [PERMANENTFLAGS ("+sys+` $Junk Work \*)] Permanent flags`) {
		t.Errorf("SELECT with keywords: %q", got)
	}
	b.Send("e EXAMINE INBOX\r\n")
	got = strings.Join(untilTagged(t, b, "e", "e OK [READ-ONLY] EXAMINE completed."), "|")
	if !strings.Contains(got, "* FLAGS ("+sys+" $Junk Work)|* OK [PERMANENTFLAGS ()]") {
		t.Errorf("EXAMINE with keywords: %q", got)
	}
	b.Send("s SELECT INBOX\r\n")
	untilTagged(t, b, "s", "s OK [READ-WRITE] SELECT completed.")
	// A keyword set elsewhere reaches b with its FLAGS first.
	a.Cmd(`w UID STORE 2 +FLAGS.SILENT (Todo)`, "w OK STORE completed.")
	b.Send("n NOOP\r\n")
	want := "* FLAGS (" + sys + " $Junk Work Todo)|* OK [PERMANENTFLAGS (" + sys + ` $Junk Work Todo \*)] Permanent flags|* 2 FETCH (FLAGS (Todo))`
	if got := strings.Join(untilTagged(t, b, "n", "n OK NOOP completed."), "|"); got != want {
		t.Errorf("b's NOOP:\n got %q\nwant %q", got, want)
	}
	b.Send("f FETCH 1:* FLAGS\r\n")
	if got := strings.Join(untilTagged(t, b, "f", "f OK FETCH completed."), "|"); got != `* 1 FETCH (FLAGS (Work $Junk))|* 2 FETCH (FLAGS (Todo))` {
		t.Errorf("b's FETCH: %q", got)
	}
}

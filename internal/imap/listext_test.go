package imap_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/postern/postern/internal/testkit"
)

// The LIST extensions Postern adds: LIST-EXTENDED (RFC 5258), LIST-STATUS
// (RFC 5819), SPECIAL-USE and CREATE-SPECIAL-USE (RFC 6154), STATUS=SIZE
// (RFC 8438), and the setting AdvertiseExchangeCapabilitiesOnly that turns
// them all off.

// listed sends a command and returns its untagged lines, checking the
// tagged reply (a trailing "*" in want matches any rest).
func listed(t *testing.T, c *testkit.Client, tag, cmd, want string) string {
	t.Helper()
	c.Send(tag + " " + cmd + "\r\n")
	return strings.Join(untilTagged(t, c, tag, want), "\n")
}

// checkLines compares untagged lines with the expected ones.
func checkLines(t *testing.T, what, got string, want ...string) {
	t.Helper()
	if w := strings.Join(want, "\n"); got != w {
		t.Errorf("%s:\n%s\nwant\n%s", what, got, w)
	}
}

// listSetup makes Archive, Projects, Projects/2026 (subscribed) and
// Projects/Old next to the default folders (subscribed from the start).
func listSetup(t *testing.T, n int) (*testkit.Server, *testkit.Client) {
	t.Helper()
	s := setup(t, testkit.Options{}, n)
	c := loginTLS(t, s)
	c.Cmd("c1 CREATE Archive", "c1 OK CREATE completed.")
	c.Cmd("c2 CREATE Projects/2026", "c2 OK CREATE completed.")
	c.Cmd("c3 CREATE Projects/Old", "c3 OK CREATE completed.")
	c.Cmd("c4 SUBSCRIBE Projects/2026", "c4 OK SUBSCRIBE completed.")
	c.Cmd("c5 UNSUBSCRIBE Projects", "c5 OK UNSUBSCRIBE completed.")
	c.Cmd("c6 UNSUBSCRIBE Projects/Old", "c6 OK UNSUBSCRIBE completed.")
	c.Cmd("c7 UNSUBSCRIBE Archive", "c7 OK UNSUBSCRIBE completed.")
	return s, c
}

// TestCapabilityExtensions: both states advertise the extensions after
// Exchange's list, in the same order.
func TestCapabilityExtensions(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{}, 0)
	want := "* CAPABILITY IMAP4 IMAP4rev1 AUTH=PLAIN SASL-IR UIDPLUS MOVE ID UNSELECT CHILDREN IDLE NAMESPACE LITERAL+ " +
		"LIST-EXTENDED LIST-STATUS SPECIAL-USE CREATE-SPECIAL-USE STATUS=SIZE ENABLE CONDSTORE QRESYNC ESEARCH SEARCHRES SORT SORT=DISPLAY ESORT THREAD=ORDEREDSUBJECT THREAD=REFERENCES APPENDLIMIT=37748736"
	c := testkit.Dial(t, s.IMAPS, s.ClientTLS("localhost"))
	c.Expect(greeting)
	c.Cmd("a CAPABILITY", want)
	c.Expect("a OK CAPABILITY completed.")
	c.Cmd("b LOGIN alice@mail.test secret1", "b OK LOGIN completed.")
	c.Cmd("c CAPABILITY", want)
	c.Expect("c OK CAPABILITY completed.")
}

// TestSpecialUseList is RFC 6154 §2 and §5.1: the attributes always, the
// SPECIAL-USE selection and return options.
func TestSpecialUseList(t *testing.T) {
	t.Parallel()
	_, c := listSetup(t, 0)
	checkLines(t, "LIST %", listed(t, c, "a", `LIST "" %`, "a OK LIST completed."),
		`* LIST (\HasNoChildren) "/" "INBOX"`,
		`* LIST (\HasNoChildren \Archive) "/" "Archive"`,
		`* LIST (\HasNoChildren \Trash) "/" "Deleted Items"`,
		`* LIST (\HasNoChildren \Drafts) "/" "Drafts"`,
		`* LIST (\HasNoChildren \Junk) "/" "Junk Email"`,
		`* LIST (\HasChildren) "/" "Projects"`,
		`* LIST (\HasNoChildren \Sent) "/" "Sent Items"`)
	checkLines(t, "RETURN (SPECIAL-USE)", listed(t, c, "b", `LIST "" "Sent*" RETURN (SPECIAL-USE)`, "b OK LIST completed."),
		`* LIST (\HasNoChildren \Sent) "/" "Sent Items"`)
	checkLines(t, "(SPECIAL-USE)", listed(t, c, "c", `LIST (SPECIAL-USE) "" * RETURN (SPECIAL-USE)`, "c OK LIST completed."),
		`* LIST (\HasNoChildren \Archive) "/" "Archive"`,
		`* LIST (\HasNoChildren \Trash) "/" "Deleted Items"`,
		`* LIST (\HasNoChildren \Drafts) "/" "Drafts"`,
		`* LIST (\HasNoChildren \Junk) "/" "Junk Email"`,
		`* LIST (\HasNoChildren \Sent) "/" "Sent Items"`)
	// A nested folder of the same name is an ordinary folder.
	c.Cmd("d CREATE Projects/Drafts", "d OK CREATE completed.")
	checkLines(t, "nested", listed(t, c, "e", `LIST (SPECIAL-USE) "Projects/" *`, "e OK LIST completed."))
	c.Cmd("f DELETE Archive", "f OK DELETE completed.")
	checkLines(t, "Archive gone", listed(t, c, "g", `LIST (SPECIAL-USE) "" Arch*`, "g OK LIST completed."))
}

// TestCreateSpecialUse is RFC 6154 §3: USE is accepted when it names what
// the name gives; anything else is NO [USEATTR] and creates nothing.
func TestCreateSpecialUse(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{}, 0)
	c := loginTLS(t, s)
	c.Cmd(`a CREATE Archive (USE (\Archive))`, "a OK CREATE completed.")
	c.Cmd(`b CREATE Elsewhere (USE (\Archive))`, `b NO [USEATTR] CREATE failed: a folder's special use follows from its name (Drafts, Sent Items, Deleted Items, Junk Email, Archive).`)
	c.Cmd(`c CREATE Drafts (use (\drafts))`, "c NO [ALREADYEXISTS]*")
	c.Cmd(`d CREATE Other (USE ())`, "d OK CREATE completed.")
	c.Cmd(`e CREATE "Deleted Items/x" (USE (\Trash))`, "e NO [USEATTR]*")
	c.Cmd(`f CREATE Notes (USE (\All))`, "f NO [USEATTR]*")
	c.Cmd(`g CREATE Notes (USE (\Flagged))`, "g NO [USEATTR]*")
	c.Cmd(`h CREATE Notes (USE (\Archive \Drafts))`, "h NO [USEATTR]*")
	c.Cmd(`i CREATE Notes (USE (\Nonsense))`, "i NO [USEATTR]*")
	c.Cmd(`j DELETE Archive`, "j OK DELETE completed.")
	c.Cmd(`k CREATE Archive (USE ())`, `k NO [USEATTR] CREATE failed: a folder's special use follows from its name (\Archive for this one).`)
	// Syntax: BAD.
	c.Cmd(`l CREATE Notes (USE)`, "l BAD*")
	c.Cmd(`m CREATE Notes (USE (Archive))`, "m BAD*")
	c.Cmd(`n CREATE Notes (COLOR (red))`, "n BAD*")
	c.Cmd(`o CREATE Notes ()`, "o BAD*")
	c.Cmd(`p CREATE Notes (USE () USE ())`, "p BAD*")
	checkLines(t, "nothing made by the refusals", listed(t, c, "q", `LIST "" Notes`, "q OK LIST completed."))
	checkLines(t, "made", listed(t, c, "r", `LIST "" (Archive Other Elsewhere)`, "r OK LIST completed."),
		`* LIST (\HasNoChildren) "/" "Other"`)
}

// TestListExtendedSelection is RFC 5258 §3.1 (SUBSCRIBED, REMOTE,
// RECURSIVEMATCH), §3.5 (CHILDINFO) and §3 (\NonExistent).
func TestListExtendedSelection(t *testing.T) {
	t.Parallel()
	_, c := listSetup(t, 0)
	checkLines(t, "SUBSCRIBED", listed(t, c, "a", `LIST (SUBSCRIBED) "" *`, "a OK LIST completed."),
		`* LIST (\HasNoChildren \Subscribed) "/" "INBOX"`,
		`* LIST (\HasNoChildren \Subscribed \Trash) "/" "Deleted Items"`,
		`* LIST (\HasNoChildren \Subscribed \Drafts) "/" "Drafts"`,
		`* LIST (\HasNoChildren \Subscribed \Junk) "/" "Junk Email"`,
		`* LIST (\HasNoChildren \Subscribed) "/" "Projects/2026"`,
		`* LIST (\HasNoChildren \Subscribed \Sent) "/" "Sent Items"`)
	checkLines(t, "REMOTE SUBSCRIBED", listed(t, c, "b", `list (remote subscribed) "" "Projects/*"`, "b OK LIST completed."),
		`* LIST (\HasNoChildren \Subscribed) "/" "Projects/2026"`)
	checkLines(t, "RECURSIVEMATCH", listed(t, c, "c", `LIST (SUBSCRIBED RECURSIVEMATCH) "" "P%"`, "c OK LIST completed."),
		`* LIST (\HasChildren) "/" "Projects" ("CHILDINFO" ("SUBSCRIBED"))`)
	checkLines(t, "no match", listed(t, c, "d", `LIST (SUBSCRIBED) "" "P%"`, "d OK LIST completed."))
	// An empty selection list is the original LIST; return options
	// alone too.
	checkLines(t, "()", listed(t, c, "e", `LIST () "" "Projects/%" RETURN ()`, "e OK LIST completed."),
		`* LIST (\HasNoChildren) "/" "Projects/2026"`,
		`* LIST (\HasNoChildren) "/" "Projects/Old"`)
	// A parent that is not a folder: \NonExistent in the extended syntax
	// (RFC 5258 §3), \Noselect in RFC 3501's.
	c.Cmd("f CREATE Trips/2025", "f OK CREATE completed.")
	c.Cmd("g DELETE Trips", "g OK DELETE completed.")
	parent := listed(t, c, "h", `LIST "" "T%"`, "h OK LIST completed.")
	if parent == `* LIST (\HasChildren) "/" "Trips"` {
		t.Skip("the store keeps a deleted parent as a folder")
	}
	checkLines(t, "original", parent, `* LIST (\Noselect \HasChildren) "/" "Trips"`)
	checkLines(t, "extended", listed(t, c, "i", `LIST "" ("T%") RETURN (CHILDREN)`, "i OK LIST completed."),
		`* LIST (\NonExistent \HasChildren) "/" "Trips"`)
}

// TestListExtendedReturn is RFC 5258 §3.2 (SUBSCRIBED, CHILDREN), §3
// (several patterns) and the error cases: BAD for what §3 says the
// server MUST refuse.
func TestListExtendedReturn(t *testing.T) {
	t.Parallel()
	_, c := listSetup(t, 0)
	checkLines(t, "patterns", listed(t, c, "a", `LIST "" ("INBOX" "Sent*" inbox) RETURN (SUBSCRIBED CHILDREN)`, "a OK LIST completed."),
		`* LIST (\HasNoChildren \Subscribed) "/" "INBOX"`,
		`* LIST (\HasNoChildren \Subscribed \Sent) "/" "Sent Items"`)
	checkLines(t, "reference", listed(t, c, "b", `LIST "Projects" ("2026" "Old") RETURN (SUBSCRIBED)`, "b OK LIST completed."),
		`* LIST (\HasNoChildren \Subscribed) "/" "Projects/2026"`,
		`* LIST (\HasNoChildren) "/" "Projects/Old"`)
	checkLines(t, "delimiter", listed(t, c, "c", `LIST "" ""`, "c OK LIST completed."), `* LIST (\Noselect) "/" ""`)
	for i, bad := range []string{
		`LIST (RECURSIVEMATCH) "" *`,
		`LIST (REMOTE RECURSIVEMATCH) "" *`,
		`LIST (SHINY) "" *`,
		`LIST "" * RETURN (SHINY)`,
		`LIST "" * RETURN`,
		`LIST "" * RETURN (STATUS ())`,
		`LIST "" * RETURN (STATUS (MESSAGES) STATUS (UNSEEN))`,
		`LIST "" * RETURNS (CHILDREN)`,
		`LIST "" ()`,
		`LIST ("SUBSCRIBED") "" *`,
		`LIST "" (INBOX`,
	} {
		tag := "x" + strconv.Itoa(i)
		c.Cmd(tag+" "+bad, tag+" BAD Command Argument Error. 11")
	}
	c.Cmd("z NOOP", "z OK NOOP completed.")
}

// TestListStatus is RFC 5819 and RFC 8438: STATUS after each selectable
// mailbox's LIST line; SIZE is the sum of RFC822.SIZE.
func TestListStatus(t *testing.T) {
	t.Parallel()
	_, c := listSetup(t, 2)
	c.Send("s SELECT INBOX\r\n")
	untilTagged(t, c, "s", "s OK [READ-WRITE] SELECT completed.")
	c.Send("f FETCH 1:* RFC822.SIZE\r\n")
	var size int
	for _, l := range untilTagged(t, c, "f", "f OK FETCH completed.") {
		_, n, _ := strings.Cut(l, "RFC822.SIZE ")
		v, err := strconv.Atoi(strings.TrimSuffix(n, ")"))
		if err != nil {
			t.Fatalf("%q", l)
		}
		size += v
	}
	c.Cmd("u STORE 1 +FLAGS.SILENT (\\Seen)", "u OK STORE completed.")
	c.Send("v UID SEARCH ALL\r\n") // the UIDs for UIDNEXT
	untilTagged(t, c, "v", "v OK SEARCH completed.")
	checkLines(t, "STATUS SIZE", listed(t, c, "a", `STATUS INBOX (MESSAGES UNSEEN SIZE)`, "a OK STATUS completed."),
		`* STATUS "INBOX" (MESSAGES 2 UNSEEN 1 SIZE `+strconv.Itoa(size)+`)`)
	got := listed(t, c, "b", `LIST "" ("INBOX" "Projects" "Projects/%") RETURN (STATUS (MESSAGES UNSEEN SIZE) CHILDREN)`, "b OK LIST completed.")
	checkLines(t, "LIST-STATUS", got,
		`* LIST (\HasNoChildren) "/" "INBOX"`,
		`* STATUS "INBOX" (MESSAGES 2 UNSEEN 1 SIZE `+strconv.Itoa(size)+`)`,
		`* LIST (\HasChildren) "/" "Projects"`,
		`* STATUS "Projects" (MESSAGES 0 UNSEEN 0 SIZE 0)`,
		`* LIST (\HasNoChildren) "/" "Projects/2026"`,
		`* STATUS "Projects/2026" (MESSAGES 0 UNSEEN 0 SIZE 0)`,
		`* LIST (\HasNoChildren) "/" "Projects/Old"`,
		`* STATUS "Projects/Old" (MESSAGES 0 UNSEEN 0 SIZE 0)`)
	if l := strings.Split(listed(t, c, "d", `LIST (SUBSCRIBED) "" "Projects/*" RETURN (STATUS (RECENT))`, "d OK LIST completed."), "\n"); len(l) != 2 || l[1] != `* STATUS "Projects/2026" (RECENT 0)` {
		t.Errorf("STATUS RECENT: %q", l)
	}
	c.Cmd("e STATUS INBOX (SIZE BIGNESS)", "e BAD Command Argument Error. 11")
}

// TestExchangeCapabilitiesOnly: with the setting on, CAPABILITY is
// Exchange's list exactly, before and after logon, and the extensions'
// syntax is refused as on Exchange.
func TestExchangeCapabilitiesOnly(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{Imap: map[string]string{"AdvertiseExchangeCapabilitiesOnly": "$true"}}, 1)
	want := "* CAPABILITY IMAP4 IMAP4rev1 AUTH=PLAIN SASL-IR UIDPLUS MOVE ID UNSELECT CHILDREN IDLE NAMESPACE LITERAL+"
	c := testkit.Dial(t, s.IMAPS, s.ClientTLS("localhost"))
	c.Expect(greeting)
	c.Cmd("a CAPABILITY", want)
	c.Expect("a OK CAPABILITY completed.")
	c.Cmd("b LOGIN alice@mail.test secret1", "b OK LOGIN completed.")
	c.Cmd("c CAPABILITY", want)
	c.Expect("c OK CAPABILITY completed.")
	checkLines(t, "LIST", listed(t, c, "d", `LIST "" "*"`, "d OK LIST completed."),
		`* LIST (\HasNoChildren) "/" "INBOX"`,
		`* LIST (\HasNoChildren) "/" "Deleted Items"`,
		`* LIST (\HasNoChildren) "/" "Drafts"`,
		`* LIST (\HasNoChildren) "/" "Junk Email"`,
		`* LIST (\HasNoChildren) "/" "Sent Items"`)
	c.Cmd(`e LIST (SUBSCRIBED) "" *`, "e BAD Command Argument Error. 11")
	c.Cmd(`f LIST "" * RETURN (CHILDREN)`, "f BAD Command Argument Error. 11")
	c.Cmd(`g STATUS INBOX (SIZE)`, "g BAD Command Argument Error. 11")
	c.Cmd(`h CREATE Archive (USE (\Archive))`, "h BAD Command Argument Error. 11")
	// 143 before STARTTLS: the login part as ever.
	c = testkit.Dial(t, s.IMAP, nil)
	c.Expect(greeting)
	c.Cmd("a CAPABILITY", "* CAPABILITY IMAP4 IMAP4rev1 LOGINDISABLED STARTTLS SASL-IR UIDPLUS MOVE ID UNSELECT CHILDREN IDLE NAMESPACE LITERAL+")
	c.Expect("a OK CAPABILITY completed.")
}

// TestExchangeCapabilitiesToggle: the setting, stored and the IMAP4
// services restarted, changes what both states advertise; turned off, the
// extensions are back.
func TestExchangeCapabilitiesToggle(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{}, 0)
	caps := func() (pre, post string) {
		t.Helper()
		c := testkit.Dial(t, s.IMAPS, s.ClientTLS("localhost"))
		c.Expect(greeting)
		pre = c.Cmd("a CAPABILITY", "* CAPABILITY *")
		c.Expect("a OK CAPABILITY completed.")
		c.Cmd("b LOGIN alice@mail.test secret1", "b OK LOGIN completed.")
		post = c.Cmd("c CAPABILITY", "* CAPABILITY *")
		c.Expect("c OK CAPABILITY completed.")
		return pre, post
	}
	if pre, post := caps(); !strings.HasSuffix(pre, " STATUS=SIZE ENABLE CONDSTORE QRESYNC ESEARCH SEARCHRES SORT SORT=DISPLAY ESORT THREAD=ORDEREDSUBJECT THREAD=REFERENCES APPENDLIMIT=37748736") || pre != post {
		t.Errorf("default: %q / %q", pre, post)
	}
	s.SetImap(map[string]string{"AdvertiseExchangeCapabilitiesOnly": "$true"})
	s.RestartIMAP()
	if pre, post := caps(); !strings.HasSuffix(pre, " LITERAL+") || pre != post {
		t.Errorf("Exchange only: %q / %q", pre, post)
	}
	s.SetImap(map[string]string{"AdvertiseExchangeCapabilitiesOnly": "$false"})
	s.RestartIMAP()
	if pre, _ := caps(); !strings.Contains(pre, " LIST-EXTENDED ") {
		t.Errorf("turned off again: %q", pre)
	}
}

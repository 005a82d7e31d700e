package imap_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/postern/postern/internal/testkit"
)

// sortCorpus is six messages whose sort keys differ (RFC 5256 §3): the
// comments give, per message, what each criterion reads.
func sortCorpus() []string {
	type m struct{ from, to, cc, subject, date, id, refs, inReplyTo string }
	ms := []m{
		{"Zed <zed@x.test>", "b@x.test", "", "Hello", "Sat, 3 Jan 2026 10:00:00 +0000", "1@x", "", ""},
		{`"Adam" <adam@x.test>`, "a@x.test", "c@x.test", "Re: hello", "Thu, 1 Jan 2026 10:00:00 +0000", "2@x", "<1@x>", "<1@x>"},
		{"bob@x.test", "c@x.test", "", "[list] Fwd: Other (fwd)", "Fri, 2 Jan 2026 10:00:00 +0000", "3@x", "", ""},
		{"=?UTF-8?Q?=C3=89mile?= <emile@x.test>", "d@x.test", "", "Re: Re: Hello", "Mon, 5 Jan 2026 10:00:00 +0000", "4@x", "<1@x> <2@x>", ""},
		{"carl@x.test", "e@x.test", "", "other", "", "5@x", "<missing@x>", ""},
		{"dave@x.test", "f@x.test", "", "lonely", "Sun, 4 Jan 2026 10:00:00 -0100", "6@x", "", "<missing@x>"},
	}
	var out []string
	for i, x := range ms {
		var b strings.Builder
		fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\n", x.from, x.to)
		if x.cc != "" {
			fmt.Fprintf(&b, "Cc: %s\r\n", x.cc)
		}
		fmt.Fprintf(&b, "Subject: %s\r\n", x.subject)
		if x.date != "" {
			fmt.Fprintf(&b, "Date: %s\r\n", x.date)
		}
		fmt.Fprintf(&b, "Message-ID: <%s>\r\n", x.id)
		if x.refs != "" {
			fmt.Fprintf(&b, "References: %s\r\n", x.refs)
		}
		if x.inReplyTo != "" {
			fmt.Fprintf(&b, "In-Reply-To: %s\r\n", x.inReplyTo)
		}
		// Sizes: the first the largest, by 1000 octets a message.
		fmt.Fprintf(&b, "\r\n%s\r\n", strings.Repeat("x", (7-i)*1000))
		out = append(out, b.String())
	}
	return out
}

func sortSession(t *testing.T) *testkit.Client {
	t.Helper()
	s := setup(t, testkit.Options{}, 0)
	for _, m := range sortCorpus() {
		s.Deliver(m, "alice@mail.test")
	}
	c := loginTLS(t, s)
	c.Send("s SELECT INBOX\r\n")
	untilTagged(t, c, "s", "s OK [READ-WRITE] SELECT completed.")
	return c
}

// answer sends a command and returns its untagged lines, checking the
// tagged reply (a trailing "*" in want matches any rest).
func answer(t *testing.T, c *testkit.Client, line, want string) []string {
	t.Helper()
	tag, _, _ := strings.Cut(line, " ")
	c.Send(line + "\r\n")
	return untilTagged(t, c, tag, want)
}

func expectLines(t *testing.T, c *testkit.Client, line string, want ...string) {
	t.Helper()
	tag, _, _ := strings.Cut(line, " ")
	got := answer(t, c, line, tag+" OK*")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n got %q\nwant %q", line, got, want)
	}
}

// TestSort covers RFC 5256 §3 SORT and UID SORT, RFC 5957 DISPLAYFROM and
// DISPLAYTO, and the errors.
func TestSort(t *testing.T) {
	t.Parallel()
	c := sortSession(t)
	for _, tc := range []struct{ cmd, want string }{
		// Base subjects (§2.1): HELLO 1 2 4, OTHER 3 5, LONELY 6.
		{"a SORT (SUBJECT) UTF-8 ALL", "* SORT 1 2 4 6 3 5"},
		{"a SORT (REVERSE SUBJECT) UTF-8 ALL", "* SORT 3 5 6 1 2 4"},
		// Sent dates, in UTC; 5 has none: its arrival, the latest.
		{"a SORT (DATE) US-ASCII ALL", "* SORT 2 3 1 6 4 5"},
		{"a SORT (REVERSE DATE) UTF-8 ALL", "* SORT 5 4 6 1 3 2"},
		// addr-mailbox of the first From.
		{"a SORT (FROM) UTF-8 ALL", "* SORT 2 3 5 6 4 1"},
		{"a SORT (TO) UTF-8 ALL", "* SORT 2 1 3 4 5 6"},
		{"a SORT (CC SUBJECT) UTF-8 ALL", "* SORT 1 4 6 3 5 2"},
		{"a SORT (SIZE) UTF-8 ALL", "* SORT 6 5 4 3 2 1"},
		{"a SORT (REVERSE SIZE) UTF-8 ALL", "* SORT 1 2 3 4 5 6"},
		{"a SORT (ARRIVAL) UTF-8 ALL", "* SORT 1 2 3 4 5 6"},
		// RFC 5957: the decoded display name, else the address.
		{"a SORT (DISPLAYFROM) UTF-8 ALL", "* SORT 2 3 5 6 1 4"},
		{"a SORT (DISPLAYTO) UTF-8 ALL", "* SORT 2 1 3 4 5 6"},
		{"a SORT (SUBJECT) UTF-8 2:5", "* SORT 2 4 3 5"},
		{"a SORT (SUBJECT) UTF-8 SUBJECT nothing", "* SORT"},
		{"a UID SORT (SUBJECT DATE) UTF-8 UID 2:5", "* SORT 2 4 3 5"},
		{"a sort (reverse date) utf-8 all", "* SORT 5 4 6 1 3 2"},
	} {
		expectLines(t, c, tc.cmd, tc.want)
	}
	answer(t, c, "b SORT (SUBJECT) ISO-8859-1 ALL", "b NO [BADCHARSET (UTF-8 US-ASCII)] SORT failed: unsupported charset.")
	for _, bad := range []string{
		"SORT (FOO) UTF-8 ALL", "SORT () UTF-8 ALL", "SORT (REVERSE) UTF-8 ALL", "SORT (SUBJECT) ALL",
		"SORT SUBJECT UTF-8 ALL", "SORT (REVERSE REVERSE DATE) UTF-8 ALL", "SORT (DATE) UTF-8", "SORT RETURN (FOO) (DATE) UTF-8 ALL",
	} {
		answer(t, c, "c "+bad, "c BAD *")
	}
}

// TestESort covers RFC 5267 §3: SORT RETURN, MIN and MAX being the first
// and last in sort order, ALL in sort order.
func TestESort(t *testing.T) {
	t.Parallel()
	c := sortSession(t)
	expectLines(t, c, "e SORT RETURN (MIN MAX ALL COUNT) (DATE) UTF-8 ALL", `* ESEARCH (TAG "e") MIN 2 MAX 5 ALL 2:3,1,6,4:5 COUNT 6`)
	expectLines(t, c, "e UID SORT RETURN (COUNT) (DATE) UTF-8 ALL", `* ESEARCH (TAG "e") UID COUNT 6`)
	expectLines(t, c, "e SORT RETURN () (SUBJECT) UTF-8 ALL", `* ESEARCH (TAG "e") ALL 1:2,4,6,3,5`)
	expectLines(t, c, "e SORT RETURN (MIN) (SUBJECT) UTF-8 SUBJECT nothing", `* ESEARCH (TAG "e")`)
}

// TestThread covers RFC 5256 §3 THREAD with ORDEREDSUBJECT and
// REFERENCES (the algorithm of §2.2-2.4 there), UID THREAD and errors.
func TestThread(t *testing.T) {
	t.Parallel()
	c := sortSession(t)
	// By base subject: HELLO 2 (Jan 1) 1 4; OTHER 3 5; LONELY 6.
	expectLines(t, c, "t THREAD ORDEREDSUBJECT UTF-8 ALL", "* THREAD (2 (1)(4))(3 5)(6)")
	// 1 -> 2 -> 4 by References; 5 and 6 under the dummy <missing@x>,
	// with 3 (same base subject) joining them; the dummy dates from 3.
	expectLines(t, c, "t THREAD REFERENCES UTF-8 ALL", "* THREAD ((3)(6)(5))(1 2 4)")
	expectLines(t, c, "t UID THREAD REFERENCES US-ASCII 1:2,4", "* THREAD (1 2 4)")
	expectLines(t, c, "t THREAD REFERENCES UTF-8 4", "* THREAD (4)")
	expectLines(t, c, "t THREAD REFERENCES UTF-8 SUBJECT nothing", "* THREAD")
	expectLines(t, c, "t thread orderedsubject utf-8 5:6", "* THREAD (6)(5)")
	answer(t, c, "b THREAD REFERENCES KOI8-R ALL", "b NO [BADCHARSET (UTF-8 US-ASCII)] THREAD failed: unsupported charset.")
	answer(t, c, "b THREAD JWZ UTF-8 ALL", "b BAD *")
	answer(t, c, "b THREAD REFERENCES UTF-8", "b BAD *")
	answer(t, c, "b THREAD", "b BAD *")
}

// TestESearch covers RFC 4731 §3.1 and §3.2.
func TestESearch(t *testing.T) {
	t.Parallel()
	c := sortSession(t)
	expectLines(t, c, "e1 SEARCH RETURN (MIN MAX COUNT) SUBJECT hello", `* ESEARCH (TAG "e1") MIN 1 MAX 4 COUNT 3`)
	expectLines(t, c, "e2 SEARCH RETURN () ALL", `* ESEARCH (TAG "e2") ALL 1:6`)
	expectLines(t, c, "e3 UID SEARCH RETURN (ALL) SUBJECT hello", `* ESEARCH (TAG "e3") UID ALL 1:2,4`)
	expectLines(t, c, "e4 SEARCH RETURN (COUNT) SUBJECT nothing", `* ESEARCH (TAG "e4") COUNT 0`)
	expectLines(t, c, "e5 SEARCH RETURN (MIN MAX ALL) SUBJECT nothing", `* ESEARCH (TAG "e5")`)
	expectLines(t, c, "e6 SEARCH RETURN (COUNT) CHARSET UTF-8 SUBJECT hello", `* ESEARCH (TAG "e6") COUNT 3`)
	expectLines(t, c, "e7 search return (min min) all", `* ESEARCH (TAG "e7") MIN 1`)
	answer(t, c, "b SEARCH RETURN (FOO) ALL", "b BAD *")
	answer(t, c, "b SEARCH RETURN ALL", "b BAD *")
	answer(t, c, "b SEARCH RETURN (MIN)", "b BAD *")
	answer(t, c, "b SEARCH RETURN (MIN) CHARSET KOI8-R ALL", "b NO [BADCHARSET (UTF-8 US-ASCII)] SEARCH failed: unsupported charset.")
	// The plain form is unchanged.
	expectLines(t, c, "e8 SEARCH SUBJECT hello", "* SEARCH 1 2 4")
}

// TestSearchRes covers RFC 5182 §2: RETURN (SAVE), "$" in FETCH, STORE,
// SEARCH, COPY and MOVE, the reset on SELECT and after a failure, and
// expunged messages leaving the saved result.
func TestSearchRes(t *testing.T) {
	t.Parallel()
	c := sortSession(t)
	// Nothing saved yet: "$" is empty.
	expectLines(t, c, "r0 FETCH $ (UID)")
	expectLines(t, c, "r1 SEARCH RETURN (SAVE) SUBJECT hello")
	expectLines(t, c, "r2 FETCH $ (UID)", "* 1 FETCH (UID 1)", "* 2 FETCH (UID 2)", "* 4 FETCH (UID 4)")
	expectLines(t, c, "r3 SEARCH $", "* SEARCH 1 2 4")
	expectLines(t, c, "r4 SEARCH UID $ SUBJECT re", "* SEARCH 2 4")
	expectLines(t, c, "r5 STORE $ +FLAGS.SILENT (\\Flagged)")
	expectLines(t, c, "r6 SEARCH FLAGGED", "* SEARCH 1 2 4")
	expectLines(t, c, "r7 SEARCH NOT $", "* SEARCH 3 5 6")
	// With MIN (or MAX) alone only that is saved (§2.1).
	expectLines(t, c, "r8 SEARCH RETURN (SAVE MAX) SUBJECT hello", `* ESEARCH (TAG "r8") MAX 4`)
	expectLines(t, c, "r9 UID FETCH $ (FLAGS)", `* 4 FETCH (UID 4 FLAGS (\Flagged \Recent))`)
	// SORT saves too (RFC 5267 §3).
	expectLines(t, c, "ra SORT RETURN (SAVE) (DATE) UTF-8 5:6")
	expectLines(t, c, "rb SEARCH $", "* SEARCH 5 6")
	answer(t, c, "rc CREATE other", "rc OK*")
	answer(t, c, "rd COPY $ other", "rd OK*")
	answer(t, c, "re STATUS other (MESSAGES)", "re OK*")
	// Expunged messages leave it.
	answer(t, c, "rf MOVE $ other", "rf OK*")
	expectLines(t, c, "rg SEARCH $", "* SEARCH")
	expectLines(t, c, "rh SEARCH RETURN (SAVE) ALL")
	expectLines(t, c, "ri SEARCH $", "* SEARCH 1 2 3 4")
	// A failed SEARCH that was to save empties it.
	answer(t, c, "rj SEARCH RETURN (SAVE) CHARSET KOI8-R ALL", "rj NO*")
	expectLines(t, c, "rk SEARCH $", "* SEARCH")
	// SELECT resets it.
	expectLines(t, c, "rl SEARCH RETURN (SAVE) ALL")
	answer(t, c, "rm SELECT INBOX", "rm OK*")
	expectLines(t, c, "rn UID SEARCH UID $", "* SEARCH")
	answer(t, c, "ro FETCH $$ (UID)", "ro BAD *")
	answer(t, c, "rp FETCH 1,$ (UID)", "rp BAD *")
	answer(t, c, "rq SEARCH $1", "rq BAD *")
}

// TestSortCapability: the extensions are advertised after logon.
func TestSortCapability(t *testing.T) {
	t.Parallel()
	c := sortSession(t)
	got := answer(t, c, "a CAPABILITY", "a OK CAPABILITY completed.")
	for _, want := range []string{"ESEARCH", "SEARCHRES", "SORT", "SORT=DISPLAY", "ESORT", "THREAD=ORDEREDSUBJECT", "THREAD=REFERENCES"} {
		if !strings.Contains(got[0]+" ", " "+want+" ") {
			t.Errorf("CAPABILITY lacks %s: %q", want, got)
		}
	}
}

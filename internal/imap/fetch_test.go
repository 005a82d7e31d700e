package imap_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/postern/postern/internal/testkit"
)

// TestFetchHeaderRange: header sections over a range come from the
// structures read ahead (and the header kept in them), except for a
// header too long to keep, which is read from the message; partial
// fetches and UID ranges work on both; an empty Subject is "" in
// ENVELOPE and an absent Date NIL.
func TestFetchHeaderRange(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{}, 1)
	long := strings.Repeat("x", 20000)
	s.Deliver("From: Bob <bob@mail.test>\r\nX-Long: "+long+"\r\nSubject: long\r\n\r\nbody\r\n", "alice@mail.test")
	s.Deliver("From: Bob <bob@mail.test>\r\nSubject:\r\nMessage-ID: <e@mail.test>\r\n\r\nbody\r\n", "alice@mail.test")
	c := loginTLS(t, s)
	c.Send("a SELECT INBOX\r\n")
	untilTagged(t, c, "a", "a OK [READ-WRITE] SELECT completed.")

	c.Send("b UID FETCH 1:* (BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)])\r\n")
	for i, subject := range []string{"Subject: test 1", "Subject: long", "Subject:"} {
		lit := "From: Bob <bob@mail.test>\r\n" + subject + "\r\n\r\n"
		c.Expect(fmt.Sprintf("* %d FETCH (UID %d BODY[HEADER.FIELDS (SUBJECT FROM)] {%d}", i+1, i+1, len(lit)))
		c.Expect("From: Bob <bob@mail.test>")
		c.Expect(subject)
		c.Expect("")
		c.Expect(")")
	}
	c.Expect("b OK FETCH completed.")

	c.Send("c UID FETCH 2:3 (BODY.PEEK[HEADER.FIELDS (SUBJECT)]<3.5>)\r\n")
	c.Expect("* 2 FETCH (UID 2 BODY[HEADER.FIELDS (SUBJECT)]<3> {5}")
	c.Expect("ject:)")
	c.Expect("* 3 FETCH (UID 3 BODY[HEADER.FIELDS (SUBJECT)]<3> {5}")
	c.Expect("ject:)")
	c.Expect("c OK FETCH completed.")

	c.Send("d FETCH 2:3 (BODY.PEEK[HEADER.FIELDS.NOT (SUBJECT FROM RECEIVED RETURN-PATH DELIVERED-TO MESSAGE-ID)])\r\n")
	c.Expect(fmt.Sprintf("* 2 FETCH (BODY[HEADER.FIELDS.NOT (SUBJECT FROM RECEIVED RETURN-PATH DELIVERED-TO MESSAGE-ID)] {%d}", len(long)+12))
	c.Expect("X-Long: " + long)
	c.Expect("")
	c.Expect(")")
	c.Expect("* 3 FETCH (BODY[HEADER.FIELDS.NOT (SUBJECT FROM RECEIVED RETURN-PATH DELIVERED-TO MESSAGE-ID)] {2}")
	c.Expect("")
	c.Expect(")")
	c.Expect("d OK FETCH completed.")

	c.Send("e FETCH 1:3 ENVELOPE\r\n")
	got := untilTagged(t, c, "e", "e OK FETCH completed.")
	want := []string{
		`* 1 FETCH (ENVELOPE ("Sun, 22 Nov 2026 10:00:00 +0000" "test 1" `,
		`* 2 FETCH (ENVELOPE (NIL "long" (("Bob" NIL "bob" "mail.test")) `,
		`* 3 FETCH (ENVELOPE (NIL "" (("Bob" NIL "bob" "mail.test")) (("Bob" NIL "bob" "mail.test")) (("Bob" NIL "bob" "mail.test")) NIL NIL NIL NIL "<e@mail.test>"))`,
	}
	if len(got) != 3 {
		t.Fatalf("ENVELOPE: %q", got)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("ENVELOPE %d:\n got %s\nwant %s", i+1, got[i], want[i])
		}
	}

	// The whole header: kept (message 1) or read (message 2) alike.
	for _, n := range []string{"1", "2"} {
		c.Send("f FETCH " + n + " (RFC822.HEADER BODY.PEEK[HEADER]<0.10>)\r\n")
		lines := untilTagged(t, c, "f", "f OK FETCH completed.")
		joined := strings.Join(lines, "\n")
		if !strings.Contains(joined, "Subject: ") || !strings.Contains(joined, "BODY[HEADER]<0> {10}") {
			t.Errorf("message %s: %s", n, joined)
		}
	}
}

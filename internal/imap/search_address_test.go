package imap_test

import (
	"context"
	"strings"
	"testing"

	"github.com/postern/postern/internal/testkit"
)

// TestSearchAddressEnvelope: FROM, TO, CC and BCC compare the needle with
// the envelope's addresses as ENVELOPE shows them (RFC 3501 §6.4.4: "in
// the envelope structure's FROM field") as well as with the header text,
// with the store's full-text index and without it: the index only narrows.
func TestSearchAddressEnvelope(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{}, 0)
	for _, m := range []string{
		"From: <user-from (comment)@ (comment) domain.org>\r\nTo: \"Smith\\, Dave\" <dave@mail.test>\r\nSubject: one\r\n\r\nbody\r\n",
		"From: Bob <bob@mail.test>\r\nTo: alice@mail.test\r\nCc: =?UTF-8?Q?Zo=C3=AB?= <zoe (x) @ mail.test>\r\nBcc: team: erin@mail.test;\r\nSubject: two\r\n\r\nbody\r\n",
	} {
		s.Deliver(m, "alice@mail.test")
	}
	u, err := s.Directory().Lookup(context.Background(), "alice@mail.test")
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.Store(u.Database)
	if err != nil {
		t.Fatal(err)
	}
	sw, ok := st.(interface{ SetTextSearch(bool) })
	if !ok {
		t.Fatal("the store has no text index")
	}
	c := loginTLS(t, s)
	c.Send("a SELECT INBOX\r\n")
	untilTagged(t, c, "a", "a OK [READ-WRITE] SELECT completed.")
	c.Send("b FETCH 1 ENVELOPE\r\n")
	if got := untilTagged(t, c, "b", "b OK FETCH completed."); len(got) != 1 || !strings.Contains(got[0], `((NIL NIL "user-from" "domain.org"))`) {
		t.Fatalf("ENVELOPE: %q", got)
	}
	want := map[string]string{
		`FROM user-from@domain.org`:          "* SEARCH 1",
		`FROM "USER-FROM@DOMAIN.ORG"`:        "* SEARCH 1",
		`FROM "m@domain"`:                    "* SEARCH 1",
		`FROM "(comment)"`:                   "* SEARCH 1",
		`FROM "bob <bob@mail.test>"`:         "* SEARCH 2",
		`TO "smith, dave"`:                   "* SEARCH 1",
		`TO "Smith, Dave <dave@mail.test>"`:  "* SEARCH 1",
		`TO "smith\\, dave"`:                 "* SEARCH 1",
		`CC "zoe@mail.test"`:                 "* SEARCH 2",
		`CC "zoë <zoe@"`:                     "* SEARCH 2",
		`BCC "erin@mail.test"`:               "* SEARCH 2",
		`BCC "team"`:                         "* SEARCH 2",
		`NOT FROM user-from@domain.org`:      "* SEARCH 2",
		`OR FROM nobody@x CC "oe@mail.te"`:   "* SEARCH 2",
		`FROM "nobody@domain.org"`:           "* SEARCH",
		`HEADER From "user-from@domain.org"`: "* SEARCH",
	}
	for _, index := range []bool{false, true} {
		sw.SetTextSearch(index)
		for q, w := range want {
			c.Send("s SEARCH CHARSET UTF-8 " + q + "\r\n")
			if got := strings.Join(untilTagged(t, c, "s", "s OK SEARCH completed."), "|"); got != w {
				t.Errorf("SEARCH %s (index %v) = %q, want %q", q, index, got, w)
			}
			c.Send("u UID SEARCH CHARSET UTF-8 " + q + "\r\n")
			if got := strings.Join(untilTagged(t, c, "u", "u OK SEARCH completed."), "|"); got != w {
				t.Errorf("UID SEARCH %s (index %v) = %q, want %q", q, index, got, w)
			}
		}
	}
	sw.SetTextSearch(true)
}

package imap_test

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/postern/postern/internal/store"
	"github.com/postern/postern/internal/testkit"
)

// ftsMessages are messages whose text is hard to index: encoded words,
// transfer encodings, attachments, Latin-1, folded fields.
var ftsMessages = []string{
	"From: Carol <carol@mail.test>\r\nTo: alice@mail.test\r\nSubject: =?UTF-8?B?R3LDvMOfZSBhdXMgTcO8bmNoZW4=?=\r\n\r\nplain hello\r\n",
	"From: bob@mail.test\r\nTo: Dave <dave@mail.test>\r\nCc: erin@mail.test\r\nBcc: frank@mail.test\r\nSubject: =?ISO-8859-1?Q?Caf=E9_cr=E8me?=\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nThe qu=\r\nick brown f=C3=B6x jumps, say \"hi\"\r\n",
	"From: bob@mail.test\r\nTo: alice@mail.test\r\nSubject: base64\r\nX-Custom: magic value\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		base64.StdEncoding.EncodeToString([]byte("Secret rendezvous at the old mill, Zürich\n")) + "\r\n",
	"From: bob@mail.test\r\nTo: alice@mail.test\r\nSubject: report\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n" +
		"--XX\r\nContent-Type: text/plain\r\n\r\nSee the attached report\r\n" +
		"--XX\r\nContent-Type: text/html\r\n\r\n<p>Quarterly <b>figures</b></p>\r\n" +
		"--XX\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		base64.StdEncoding.EncodeToString([]byte("PDFSECRETWORD inside")) + "\r\n--XX--\r\n",
	"From: bob@mail.test\r\nTo: alice@mail.test\r\nSubject: a long\r\n folded subject line\r\n\r\nHello World, this is MiXeD CaSe\r\n",
	"From: bob@mail.test\r\nTo: alice@mail.test\r\nSubject: latin\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nna=EFve fa=E7ade\r\n",
	"From: =?UTF-8?Q?Zo=C3=AB?= <zoe@mail.test>\r\nTo: alice@mail.test\r\nSubject: x\r\n\r\nzz\r\n",
	message(8),
}

var ftsSearches = []string{
	`BODY "quick brown"`, `BODY "ck b"`, `BODY "QUICK"`, `BODY "jumps, say"`, `BODY "\"hi\""`,
	`BODY "föx"`, `BODY "FÖX"`, `TEXT "münchen"`, `SUBJECT "grüße"`, `SUBJECT "GRÜSSE"`,
	`SUBJECT "café"`, `SUBJECT "CAFÉ CRÈME"`, `SUBJECT "folded subject"`, `SUBJECT "long folded"`,
	`FROM "carol"`, `FROM "zoë"`, `TO "dave"`, `CC "erin"`, `BCC "frank"`, `HEADER X-Custom "magic"`,
	`HEADER X-Custom ""`, `HEADER Subject "report"`, `HEADER Message-ID "m8@"`,
	`BODY "z"`, `BODY "zü"`, `BODY "zz"`, `BODY "rendezvous"`, `BODY "zürich"`, `BODY "PDFSECRETWORD"`,
	`TEXT "pdfsecret"`, `BODY "figures"`, `BODY "attached report"`, `BODY "naïve"`, `BODY "FAÇADE"`,
	`BODY "mixed case"`, `TEXT "alice@"`, `TEXT "hello"`, `NOT BODY "the"`, `NOT BODY "nonexistent-xyz"`,
	`OR BODY "mill" SUBJECT "café"`, `NOT (BODY "quick" SUBJECT "café")`, `NOT OR BODY "hello" TEXT "mail.test"`,
	`BODY "nonexistent-xyz"`, `UNSEEN BODY "message"`, `TEXT "message 8"`, `BODY ""`, `TEXT "=?UTF-8?"`,
}

// TestSearchWithTextIndex compares SEARCH answered with the store's
// full-text index against SEARCH reading every message.
func TestSearchWithTextIndex(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{}, 0)
	for _, m := range ftsMessages {
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
	if _, isTS := st.(store.TextSearcher); !ok || !isTS {
		t.Fatal("the store has no text index")
	}
	c := loginTLS(t, s)
	c.Send("a SELECT INBOX\r\n")
	untilTagged(t, c, "a", "a OK [READ-WRITE] SELECT completed.")
	run := func() []string {
		var out []string
		for _, q := range ftsSearches {
			c.Send("s SEARCH CHARSET UTF-8 " + q + "\r\n")
			got := untilTagged(t, c, "s", "s *")
			out = append(out, strings.Join(got, "|"))
		}
		return out
	}
	sw.SetTextSearch(false)
	without := run()
	sw.SetTextSearch(true)
	with := run()
	for i, q := range ftsSearches {
		if with[i] != without[i] {
			t.Errorf("SEARCH %s: %q with the index, %q without", q, with[i], without[i])
		}
	}
	// The answers themselves, for the keys the index narrows.
	want := map[string]string{
		`BODY "quick brown"`: "* SEARCH 2", `BODY "ck b"`: "* SEARCH 2", `BODY "FÖX"`: "* SEARCH 2",
		`SUBJECT "GRÜSSE"`: "* SEARCH", `SUBJECT "grüße"`: "* SEARCH 1", `SUBJECT "CAFÉ CRÈME"`: "* SEARCH 2",
		`SUBJECT "folded subject"`: "* SEARCH 5", `BODY "zürich"`: "* SEARCH 3", `BODY "PDFSECRETWORD"`: "* SEARCH",
		`BODY "naïve"`: "* SEARCH 6", `FROM "zoë"`: "* SEARCH 7", `BCC "frank"`: "* SEARCH 2",
		`BODY "figures"`: "* SEARCH 4", `NOT BODY "the"`: "* SEARCH 1 5 6 7 8", `BODY "\"hi\""`: "* SEARCH 2",
		`HEADER Message-ID "m8@"`: "* SEARCH 8", `OR BODY "mill" SUBJECT "café"`: "* SEARCH 2 3",
	}
	for i, q := range ftsSearches {
		if w, ok := want[q]; ok && with[i] != w {
			t.Errorf("SEARCH %s = %q, want %q", q, with[i], w)
		}
	}
}

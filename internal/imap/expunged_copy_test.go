package imap_test

import (
	"strings"
	"testing"

	"github.com/postern/postern/internal/testkit"
)

// TestMoveCopyOfExpungedElsewhere: a session MOVEs or COPYs a message
// that another session has expunged since this one last synced its view.
// Nothing is left to move or copy: the answer is NO [EXPUNGEISSUED]
// (RFC 5530), never a COPYUID with empty UID sets, which RFC 4315's
// syntax forbids and which go-imap's client rejects by dropping the
// connection. The expunge then reaches the session as usual.
func TestMoveCopyOfExpungedElsewhere(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{}, 3)
	a, b := loginTLS(t, s), loginTLS(t, s)
	for _, x := range []*testkit.Client{a, b} {
		x.Send("s SELECT INBOX\r\n")
		untilTagged(t, x, "s", "s OK [READ-WRITE] SELECT completed.")
	}
	a.Cmd(`t UID STORE 2:3 +FLAGS.SILENT (\Deleted)`, "t OK STORE completed.")
	a.Send("u EXPUNGE\r\n")
	untilTagged(t, a, "u", "u OK EXPUNGE completed.")

	for _, c := range []struct{ cmd, want string }{
		{"c UID COPY 2 Drafts", "c NO [EXPUNGEISSUED] COPY failed: message expunged."},
		{"m MOVE 3 Drafts", "m NO [EXPUNGEISSUED] MOVE failed: message expunged."},
	} {
		b.Send(c.cmd + "\r\n")
		got := untilTagged(t, b, c.cmd[:1], c.want)
		if strings.Contains(strings.Join(got, "|"), "COPYUID") {
			t.Errorf("%s: %q", c.cmd, got)
		}
	}
	b.Send("n NOOP\r\n")
	untilTagged(t, b, "n", "n OK NOOP completed.")
	b.Send("f UID FETCH 1:* UID\r\n")
	if got := untilTagged(t, b, "f", "f OK FETCH completed."); strings.Join(got, "|") != "* 1 FETCH (UID 1)" {
		t.Errorf("after: %q", got)
	}
	a.Send("d STATUS Drafts (MESSAGES)\r\n")
	if got := untilTagged(t, a, "d", "d OK STATUS completed."); strings.Join(got, "|") != `* STATUS "Drafts" (MESSAGES 0)` &&
		strings.Join(got, "|") != `* STATUS Drafts (MESSAGES 0)` {
		t.Errorf("Drafts: %q", got)
	}
}

package imap_test

import (
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
	for _, want := range []string{`* 1 FETCH (FLAGS (\Flagged))`, "* 2 EXPUNGE"} {
		if !strings.Contains(joined, want) {
			t.Errorf("LOGOUT lacks %q before the BYE: %q", want, got)
		}
	}
}


package imap_test

import (
	"strings"
	"testing"

	"github.com/postern/postern/internal/testkit"
)

// TestSearchExpungeIssued: messages another session expunged, whether
// found gone while a key reads them or held as ghosts not yet announced,
// leave SEARCH and UID SEARCH answering for the rest with OK
// [EXPUNGEISSUED] (RFC 5530), as FETCH does, rather than failing or
// answering a plain OK.
func TestSearchExpungeIssued(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{}, 3)
	a, b := loginTLS(t, s), loginTLS(t, s)
	for _, c := range []*testkit.Client{a, b} {
		c.Send("s SELECT INBOX\r\n")
		untilTagged(t, c, "s", "s OK [READ-WRITE] SELECT completed.")
	}
	b.Cmd(`t STORE 2 +FLAGS.SILENT (\Deleted)`, "t OK STORE completed.")
	b.Send("u EXPUNGE\r\n")
	untilTagged(t, b, "u", "u OK EXPUNGE completed.")

	// The header key reads message 2, gone: "st" is too short for the
	// text index, so every message is read.
	const issued = " OK [EXPUNGEISSUED] Some messages were expunged; SEARCH completed."
	a.Send("c SEARCH HEADER Subject \"st\"\r\n")
	if got := strings.Join(untilTagged(t, a, "c", "c"+issued), "|"); got != "* SEARCH 1 3" {
		t.Errorf("SEARCH reading an expunged message: %q", got)
	}
	// Message 2 is a ghost now: not announced during SEARCH (RFC 3501
	// §7.4.1), not matched, and reported.
	a.Send("d SEARCH ALL\r\n")
	if got := strings.Join(untilTagged(t, a, "d", "d"+issued), "|"); got != "* SEARCH 1 3" {
		t.Errorf("SEARCH ALL with a pending expunge: %q", got)
	}
	a.Send("e SEARCH UNDELETED\r\n")
	if got := strings.Join(untilTagged(t, a, "e", "e"+issued), "|"); got != "* SEARCH 1 3" {
		t.Errorf("SEARCH UNDELETED with a pending expunge: %q", got)
	}
	// UID SEARCH may announce the expunge, after its answer.
	a.Send("f UID SEARCH ALL\r\n")
	if got := strings.Join(untilTagged(t, a, "f", "f"+issued), "|"); got != "* SEARCH 1 3|* 2 EXPUNGE" {
		t.Errorf("UID SEARCH with a pending expunge: %q", got)
	}
	a.Send("g SEARCH ALL\r\n")
	if got := strings.Join(untilTagged(t, a, "g", "g OK SEARCH completed."), "|"); got != "* SEARCH 1 2" {
		t.Errorf("SEARCH after the expunge was announced: %q", got)
	}
	// The same for UID SEARCH reading a message that is gone.
	b.Cmd(`h STORE 1 +FLAGS.SILENT (\Deleted)`, "h OK STORE completed.")
	b.Send("i EXPUNGE\r\n")
	untilTagged(t, b, "i", "i OK EXPUNGE completed.")
	a.Send("j UID SEARCH HEADER Subject \"st\"\r\n")
	if got := strings.Join(untilTagged(t, a, "j", "j"+issued), "|"); got != "* SEARCH 3|* 1 EXPUNGE" {
		t.Errorf("UID SEARCH reading an expunged message: %q", got)
	}
}

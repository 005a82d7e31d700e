package imap_test

import (
	"strings"
	"testing"

	"github.com/postern/postern/internal/testkit"
)

// TestMoveIntoSameFolder: MOVE and UID MOVE into the folder selected do
// what Dovecot does: the messages get new UIDs there (COPYUID), the old
// ones are expunged, and the copies are announced with EXISTS, all before
// the tagged OK; another session sees the same at its next NOOP.
func TestMoveIntoSameFolder(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{}, 3)
	a, b := loginTLS(t, s), loginTLS(t, s)
	var uidValidity string
	for _, c := range []*testkit.Client{a, b} {
		c.Send("s SELECT INBOX\r\n")
		for _, l := range untilTagged(t, c, "s", "s OK [READ-WRITE] SELECT completed.") {
			if v, ok := strings.CutPrefix(l, "* OK [UIDVALIDITY "); ok {
				uidValidity, _, _ = strings.Cut(v, "]")
			}
		}
	}
	a.Cmd(`t STORE 2 +FLAGS.SILENT (\Flagged)`, "t OK STORE completed.")
	b.Send("n NOOP\r\n")
	untilTagged(t, b, "n", "n OK NOOP completed.")

	a.Send("m MOVE 2 INBOX\r\n")
	if got := strings.Join(untilTagged(t, a, "m", "m OK MOVE completed."), "|"); got != "* OK [COPYUID "+uidValidity+" 2 4] Moved.|* 2 EXPUNGE|* 3 EXISTS|* 3 RECENT" {
		t.Errorf("MOVE into the same folder: %q", got)
	}
	a.Send("f FETCH 1:* (UID FLAGS)\r\n")
	if got := strings.Join(untilTagged(t, a, "f", "f OK FETCH completed."), "|"); got != `* 1 FETCH (UID 1 FLAGS (\Recent))|* 2 FETCH (UID 3 FLAGS (\Recent))|* 3 FETCH (UID 4 FLAGS (\Flagged \Recent))` {
		t.Errorf("after MOVE: %q", got)
	}
	a.Send("u UID MOVE 1,3 INBOX\r\n")
	if got := strings.Join(untilTagged(t, a, "u", "u OK MOVE completed."), "|"); got != "* OK [COPYUID "+uidValidity+" 1,3 5:6] Moved.|* 2 EXPUNGE|* 1 EXPUNGE|* 3 EXISTS|* 3 RECENT" {
		t.Errorf("UID MOVE into the same folder: %q", got)
	}
	a.Send("g UID FETCH 1:* FLAGS\r\n")
	if got := strings.Join(untilTagged(t, a, "g", "g OK FETCH completed."), "|"); got != `* 1 FETCH (UID 4 FLAGS (\Flagged \Recent))|* 2 FETCH (UID 5 FLAGS (\Recent))|* 3 FETCH (UID 6 FLAGS (\Recent))` {
		t.Errorf("after UID MOVE: %q", got)
	}
	// A UID MOVE of nothing that exists moves nothing.
	a.Cmd("v UID MOVE 99 INBOX", "v OK MOVE completed.")

	// Another session learns of it as of any other moves (the copies
	// are \Recent to the session that saw them first, a).
	b.Send("n NOOP\r\n")
	noop := untilTagged(t, b, "n", "n OK NOOP completed.")
	b.Send("h UID FETCH 1:* FLAGS\r\n")
	if got := strings.Join(untilTagged(t, b, "h", "h OK FETCH completed."), "|"); got != `* 1 FETCH (UID 4 FLAGS (\Flagged))|* 2 FETCH (UID 5 FLAGS ())|* 3 FETCH (UID 6 FLAGS ())` {
		t.Errorf("the other session after the moves: %q (NOOP %q)", got, noop)
	}
	// Read-only, it is refused as any MOVE.
	a.Send("e EXAMINE INBOX\r\n")
	untilTagged(t, a, "e", "e OK [READ-ONLY] EXAMINE completed.")
	a.Cmd("w MOVE 1 INBOX", "w NO MOVE failed: the mailbox is read-only.")
}

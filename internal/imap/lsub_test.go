package imap_test

import (
	"strings"
	"testing"

	"github.com/postern/postern/internal/testkit"
)

// TestLsubNoselectParents: LSUB with "%" lists a parent that is not
// subscribed as \Noselect only when a subscribed folder lies below it
// (RFC 3501 §6.3.9), not because it has children at all.
func TestLsubNoselectParents(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{}, 0)
	c := loginTLS(t, s)
	c.Cmd("a CREATE Projects/2026/Q1", "a OK CREATE completed.")
	c.Cmd("b CREATE Archive/Old/2020", "b OK CREATE completed.")
	c.Cmd("c SUBSCRIBE Archive/Old/2020", "c OK SUBSCRIBE completed.")
	lsub := func(tag, pattern string) string {
		t.Helper()
		c.Send(tag + ` LSUB "" "` + pattern + `"` + "\r\n")
		return strings.Join(untilTagged(t, c, tag, tag+" OK LSUB completed."), "|")
	}
	for _, tc := range []struct{ pattern, want string }{
		{"Projects/%", ""},
		{"Projects/2026/%", ""},
		{"Projects/*", ""},
		{"Archive/%", `* LSUB (\Noselect \HasChildren) "/" "Archive/Old"`},
		{"Archive/Old/%", `* LSUB (\HasNoChildren) "/" "Archive/Old/2020"`},
		{"Archive/*", `* LSUB (\HasNoChildren) "/" "Archive/Old/2020"`},
	} {
		if got := lsub("l", tc.pattern); got != tc.want {
			t.Errorf("LSUB %q: %q, want %q", tc.pattern, got, tc.want)
		}
	}
	if got := lsub("m", "%"); strings.Contains(got, "Projects") || !strings.Contains(got, `* LSUB (\Noselect \HasChildren) "/" "Archive"`) {
		t.Errorf("LSUB %%: %q", got)
	}
	// Once a folder below it is subscribed, the parent is listed.
	c.Cmd("n SUBSCRIBE Projects/2026/Q1", "n OK SUBSCRIBE completed.")
	if got := lsub("o", "Projects/%"); got != `* LSUB (\Noselect \HasChildren) "/" "Projects/2026"` {
		t.Errorf("LSUB Projects/%% after SUBSCRIBE: %q", got)
	}
	// LIST still lists every parent.
	c.Send(`p LIST "" "Projects/%"` + "\r\n")
	if got := strings.Join(untilTagged(t, c, "p", "p OK LIST completed."), "|"); got != `* LIST (\HasChildren) "/" "Projects/2026"` {
		t.Errorf("LIST Projects/%%: %q", got)
	}
}

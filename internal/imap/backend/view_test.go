package backend

import (
	"slices"
	"testing"

	"github.com/postern/postern/internal/store"
)

func msgs(uids ...uint32) []store.Message {
	out := make([]store.Message, len(uids))
	for i, u := range uids {
		out[i] = store.Message{UID: u}
	}
	return out
}

func TestViewSync(t *testing.T) {
	t.Parallel()
	v := newView(store.Folder{}, msgs(1, 2, 3, 4, 5), false)
	if v.seqOf(3) != 3 || v.seqOf(9) != 0 || v.maxUID() != 5 {
		t.Fatal("lookups")
	}
	// 2 and 4 expunged elsewhere, 6 and 7 delivered, 5's flags changed.
	cur := msgs(1, 3, 5, 6, 7)
	cur[2].Flags = []string{store.FlagSeen}

	// During FETCH: no EXPUNGE, ghosts stay; the new ones are announced.
	u := v.sync(cur, false)
	if len(u.expunged) != 0 || u.exists != 7 || !slices.Equal(u.flags, []int{5}) {
		t.Fatalf("no-expunge sync: %+v", u)
	}
	if !v.isGone(2) || !v.isGone(4) || v.isGone(3) {
		t.Fatal("ghosts")
	}
	// At NOOP: the expunges, highest sequence number first.
	u = v.sync(cur, true)
	if !slices.Equal(u.expunged, []int{4, 2}) || u.exists != -1 || len(u.flags) != 0 {
		t.Fatalf("expunge sync: %+v", u)
	}
	if v.seqOf(5) != 3 || v.seqOf(7) != 5 || v.exists() != 5 {
		t.Fatalf("renumbering: %v", v.msgs)
	}
	// Nothing changed: nothing to say.
	if u := v.sync(cur, true); u.exists != -1 || len(u.expunged)+len(u.flags) != 0 {
		t.Fatalf("idle sync: %+v", u)
	}
}

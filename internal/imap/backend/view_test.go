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

// TestViewCurrent: the listing rebuilt from the changes since the view's
// modseq, and the cases where only a full listing can tell.
func TestViewCurrent(t *testing.T) {
	t.Parallel()
	v := newView(store.Folder{}, msgs(1, 2, 3, 4), false)
	flagged := store.Message{UID: 2, ModSeq: 9, Flags: []string{store.FlagFlagged}}
	cur, ok := v.current(store.Folder{Messages: 5}, []store.Message{flagged, {UID: 7}})
	if !ok || !slices.Equal(uidsOfMsgs(cur), []uint32{1, 2, 3, 4, 7}) || !slices.Equal(cur[1].Flags, flagged.Flags) {
		t.Fatalf("flag change and new message: %v %v", cur, ok)
	}
	if cur, ok := v.current(store.Folder{Messages: 4}, nil); !ok || len(cur) != 4 {
		t.Fatalf("nothing changed: %v %v", cur, ok)
	}
	// A message expunged elsewhere: the count falls short, names unknown.
	if _, ok := v.current(store.Folder{Messages: 3}, nil); ok {
		t.Fatal("an expunge went unnoticed")
	}
	if _, ok := v.current(store.Folder{Messages: 4}, []store.Message{{UID: 7}}); ok {
		t.Fatal("an expunge hidden by a delivery went unnoticed")
	}
	// A changed UID the view never held, below its highest.
	if _, ok := v.current(store.Folder{Messages: 5}, []store.Message{{UID: 0}}); ok {
		t.Fatal("an unknown UID was accepted")
	}
	// Ghosts are left out: the store no longer has them.
	v.sync(msgs(1, 3, 4), false)
	if cur, ok := v.current(store.Folder{Messages: 3}, nil); !ok || !slices.Equal(uidsOfMsgs(cur), []uint32{1, 3, 4}) {
		t.Fatalf("with a ghost: %v %v", cur, ok)
	}
	if _, ok := v.current(store.Folder{Messages: 4}, []store.Message{{UID: 2}}); ok {
		t.Fatal("a ghost's change was accepted")
	}
}

func uidsOfMsgs(ms []store.Message) []uint32 {
	out := make([]uint32, len(ms))
	for i, m := range ms {
		out[i] = m.UID
	}
	return out
}

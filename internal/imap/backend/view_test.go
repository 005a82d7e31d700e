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

// TestViewMerge: the changes since the view's modseq merged into it, and
// the cases where only a full listing can tell.
func TestViewMerge(t *testing.T) {
	t.Parallel()
	v := newView(store.Folder{}, msgs(1, 2, 3, 4), false)
	flagged := store.Message{UID: 2, ModSeq: 9, Flags: []string{store.FlagFlagged}}
	same := store.Message{UID: 3, ModSeq: 9} // modseq raised, flags as they were
	fl, added, ok := v.merge(store.Folder{Messages: 5}, []store.Message{flagged, same, {UID: 7}}, nil)
	if !ok || added != 1 || !slices.Equal(fl, []uint32{2}) || !slices.Equal(uidsOfMsgs(v.msgs), []uint32{1, 2, 3, 4, 7}) ||
		!slices.Equal(v.msgs[1].Flags, flagged.Flags) || v.msgs[2].ModSeq != 9 {
		t.Fatalf("flag change and new message: %v %v %v %v", fl, added, ok, v.msgs)
	}
	if u := v.settle(fl, added, false); u.exists != 5 || !slices.Equal(u.flags, []int{2}) || len(u.expunged) != 0 {
		t.Fatalf("settle: %+v", u)
	}
	if fl, added, ok := v.merge(store.Folder{Messages: 5}, nil, nil); !ok || added != 0 || len(fl) != 0 {
		t.Fatal("nothing changed")
	}
	// Changes that do not fit leave the view as it was.
	before := slices.Clone(v.msgs)
	for name, c := range map[string]struct {
		f       store.Folder
		changed []store.Message
	}{
		"an expunge elsewhere":                  {store.Folder{Messages: 4}, nil},
		"an expunge hidden by a delivery":       {store.Folder{Messages: 5}, []store.Message{{UID: 8}}},
		"a changed UID the view never held":     {store.Folder{Messages: 5}, []store.Message{{UID: 5}}},
		"a changed UID the view never held (0)": {store.Folder{Messages: 5}, []store.Message{{UID: 0}}},
	} {
		if _, _, ok := v.merge(c.f, c.changed, nil); ok {
			t.Errorf("%s went unnoticed", name)
		}
		if !slices.EqualFunc(v.msgs, before, func(a, b store.Message) bool { return a.UID == b.UID }) {
			t.Fatalf("%s changed the view: %v", name, v.msgs)
		}
	}
	// Ghosts: this session's own expunges, left out of the count; a
	// change to a ghost cannot be.
	v.expunged([]uint32{2, 4})
	if _, _, ok := v.merge(store.Folder{Messages: 4}, []store.Message{{UID: 2}}, nil); ok {
		t.Fatal("a ghost's change was accepted")
	}
	seen := store.Message{UID: 7, Flags: []string{store.FlagSeen}}
	fl, added, ok = v.merge(store.Folder{Messages: 4}, []store.Message{seen, {UID: 9}}, nil)
	if !ok || added != 1 {
		t.Fatalf("with ghosts: %v %v %v", fl, added, ok)
	}
	// During FETCH the ghosts stay; the flag change is numbered as is.
	if u := v.settle(fl, added, false); u.exists != 6 || !slices.Equal(u.flags, []int{5}) || len(u.expunged) != 0 {
		t.Fatalf("settle without expunges: %+v", u)
	}
	// At NOOP the expunges go, highest first, and the numbers after them
	// follow.
	if u := v.settle([]uint32{7}, 0, true); !slices.Equal(u.expunged, []int{4, 2}) || u.exists != -1 || !slices.Equal(u.flags, []int{3}) {
		t.Fatalf("settle with expunges: %+v", u)
	}
	if !slices.Equal(uidsOfMsgs(v.msgs), []uint32{1, 3, 7, 9}) || len(v.gone) != 0 || v.seqOf(9) != 4 {
		t.Fatalf("after the expunges: %v %v", v.msgs, v.gone)
	}
}

func uidsOfMsgs(ms []store.Message) []uint32 {
	out := make([]uint32, len(ms))
	for i, m := range ms {
		out[i] = m.UID
	}
	return out
}

// TestViewMergeExpunged: expunges elsewhere that the store names become
// ghosts without a full listing, announced only where EXPUNGE may be sent.
func TestViewMergeExpunged(t *testing.T) {
	t.Parallel()
	v := newView(store.Folder{}, msgs(1, 2, 3, 4, 5), false)
	v.expunged([]uint32{1}) // this session's own, a ghost already
	// 2 and 4 expunged elsewhere (1, named again, and 8, added and gone
	// since, do not count twice), 6 delivered, 3 re-flagged.
	seen := store.Message{UID: 3, Flags: []string{store.FlagSeen}}
	fl, added, ok := v.merge(store.Folder{Messages: 3}, []store.Message{seen, {UID: 6}}, []uint32{1, 2, 4, 8})
	if !ok || added != 1 || !slices.Equal(fl, []uint32{3}) {
		t.Fatalf("merge: %v %v %v", fl, added, ok)
	}
	if !v.isGone(1) || !v.isGone(2) || v.isGone(3) || !v.isGone(4) || v.exists() != 6 {
		t.Fatalf("ghosts: %v %v", uidsOfMsgs(v.msgs), v.gone)
	}
	// During FETCH, STORE or SEARCH: no EXPUNGE, numbers stay.
	if u := v.settle(fl, added, false); len(u.expunged) != 0 || u.exists != 6 || !slices.Equal(u.flags, []int{3}) {
		t.Fatalf("settle without expunges: %+v", u)
	}
	// At the next point that may: highest first.
	if u := v.settle(nil, 0, true); !slices.Equal(u.expunged, []int{4, 2, 1}) || u.exists != -1 {
		t.Fatalf("settle with expunges: %+v", u)
	}
	if !slices.Equal(uidsOfMsgs(v.msgs), []uint32{3, 5, 6}) || len(v.gone) != 0 {
		t.Fatalf("after: %v %v", uidsOfMsgs(v.msgs), v.gone)
	}
	// Named expunges that do not account for the count: a full listing.
	if _, _, ok := v.merge(store.Folder{Messages: 1}, nil, []uint32{5}); ok {
		t.Fatal("an expunge not named went unnoticed")
	}
	if v.exists() != 3 || len(v.gone) != 0 {
		t.Fatalf("a merge that did not fit changed the view: %v %v", uidsOfMsgs(v.msgs), v.gone)
	}
	if _, _, ok := v.merge(store.Folder{Messages: 2}, nil, []uint32{5}); !ok || !v.isGone(2) {
		t.Fatal("a named expunge")
	}
}

// TestRecentRanges: the claims a session makes, in order or not, count
// the view's messages in them once each.
func TestRecentRanges(t *testing.T) {
	var msgs []store.Message
	for _, uid := range []uint32{1, 2, 4, 5, 7, 9, 10} {
		msgs = append(msgs, store.Message{UID: uid})
	}
	v := newView(store.Folder{}, msgs, false)
	v.addRecent(0, 0)
	v.addRecent(3, 2)
	if v.recentCount() != 0 || v.isRecent(1) {
		t.Fatalf("empty claims: %v", v.recent)
	}
	v.addRecent(5, 5)
	v.addRecent(6, 7) // adjacent: extends
	v.addRecent(10, 12)
	if len(v.recent) != 2 || v.recentCount() != 3 || !v.isRecent(7) || v.isRecent(9) || !v.isRecent(10) {
		t.Fatalf("ranges %v: count %d", v.recent, v.recentCount())
	}
	v.addRecent(1, 4) // before the others (a re-SELECT): merged
	v.addRecent(2, 9)
	if len(v.recent) != 1 || v.recent[0] != (uidRange{1, 12}) || v.recentCount() != 7 {
		t.Fatalf("merged: %v, count %d", v.recent, v.recentCount())
	}
}

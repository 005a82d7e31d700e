package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/postern/postern/internal/store"
)

// changesExpunged calls ChangesExpunged and checks that its folder and
// changed messages agree with Changes.
func changesExpunged(t *testing.T, l store.ExpungeLister, s store.Store, f store.FolderID, since uint64) (store.Folder, []store.Message, []uint32, bool) {
	t.Helper()
	folder, changed, expunged, named, err := l.ChangesExpunged(t.Context(), f, since)
	if err != nil {
		t.Fatalf("ChangesExpunged(%d, %d): %v", f, since, err)
	}
	f2, changed2, err := s.Changes(t.Context(), f, since)
	if err != nil || f2 != folder || !slices.Equal(uidsOf(changed), uidsOf(changed2)) {
		t.Errorf("ChangesExpunged(%d, %d) = %+v, %v; Changes = %+v, %v, %v",
			f, since, folder, uidsOf(changed), f2, uidsOf(changed2), err)
	}
	if !named && expunged != nil {
		t.Errorf("ChangesExpunged(%d, %d): not named, yet expunged = %v", f, since, expunged)
	}
	if !slices.IsSorted(expunged) {
		t.Errorf("ChangesExpunged(%d, %d): expunged %v not ascending", f, since, expunged)
	}
	return folder, changed, expunged, named
}

// A store that implements ExpungeLister names the UIDs expunged above a
// mod-sequence, whether by Expunge or by Move, in one snapshot with
// Changes; an expunge raises HighestModSeq; a deleted folder's records do
// not reach a folder made again with its name.
func testExpunged(t *testing.T, s store.Store) {
	l, ok := s.(store.ExpungeLister)
	if !ok {
		t.Skip("the store does not implement store.ExpungeLister")
	}
	ctx := t.Context()
	const a = 160
	newAccount(t, s, a)
	in := getFolder(t, s, a, store.Inbox)
	drafts := getFolder(t, s, a, "Drafts")
	for i := range 6 {
		appendMsg(t, s, in.ID, []byte{byte('a' + i)})
	}
	since := getFolder(t, s, a, store.Inbox).HighestModSeq
	if _, _, exp, named := changesExpunged(t, l, s, in.ID, since); !named || len(exp) != 0 {
		t.Errorf("nothing changed: expunged %v, named %v", exp, named)
	}
	if _, _, exp, named := changesExpunged(t, l, s, in.ID, 0); !named || exp != nil {
		t.Errorf("since 0: expunged %v, named %v; want nil, true", exp, named)
	}

	if _, err := s.Expunge(ctx, in.ID, []uint32{2}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StoreFlags(ctx, in.ID, []uint32{4}, store.FlagsAdd, []string{store.FlagSeen}); err != nil {
		t.Fatal(err)
	}
	f, changed, exp, named := changesExpunged(t, l, s, in.ID, since)
	if !named || !slices.Equal(exp, []uint32{2}) || !slices.Equal(uidsOf(changed), []uint32{4}) || f.HighestModSeq <= since {
		t.Errorf("after EXPUNGE of 2 and STORE on 4: folder %+v, changed %v, expunged %v, named %v",
			f, uidsOf(changed), exp, named)
	}
	mid := f.HighestModSeq

	draftsSince := getFolder(t, s, a, "Drafts").HighestModSeq
	if _, _, err := s.Move(ctx, in.ID, []uint32{5, 3}, drafts.ID); err != nil {
		t.Fatal(err)
	}
	f, _, exp, named = changesExpunged(t, l, s, in.ID, since)
	if !named || !slices.Equal(exp, []uint32{2, 3, 5}) || f.HighestModSeq <= mid || f.Messages != 3 {
		t.Errorf("after MOVE of 3 and 5: folder %+v, expunged %v, named %v; want [2 3 5]", f, exp, named)
	}
	if _, _, exp, named = changesExpunged(t, l, s, in.ID, mid); !named || !slices.Equal(exp, []uint32{3, 5}) {
		t.Errorf("since the EXPUNGE: expunged %v, named %v; want [3 5]", exp, named)
	}
	if _, changed, exp, named = changesExpunged(t, l, s, drafts.ID, draftsSince); !named || len(exp) != 0 || len(changed) != 2 {
		t.Errorf("MOVE target: changed %v, expunged %v, named %v", uidsOf(changed), exp, named)
	}

	// An expunge that removes nothing is no change.
	before := getFolder(t, s, a, store.Inbox).HighestModSeq
	if removed, err := s.Expunge(ctx, in.ID, []uint32{2, 99}); err != nil || len(removed) != 0 {
		t.Fatalf("Expunge of gone UIDs = %v, %v", removed, err)
	}
	if f, _, exp, named = changesExpunged(t, l, s, in.ID, before); !named || len(exp) != 0 || f.HighestModSeq != before {
		t.Errorf("after an empty expunge: folder %+v, expunged %v, named %v", f, exp, named)
	}

	// A folder deleted and made again starts without records.
	tmp, err := s.CreateFolder(ctx, a, "Tmp")
	if err != nil {
		t.Fatal(err)
	}
	appendMsg(t, s, tmp.ID, []byte("x"))
	appendMsg(t, s, tmp.ID, []byte("y"))
	if _, err := s.Expunge(ctx, tmp.ID, []uint32{1, 2}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteFolder(ctx, a, "Tmp"); err != nil {
		t.Fatal(err)
	}
	if tmp, err = s.CreateFolder(ctx, a, "Tmp"); err != nil {
		t.Fatal(err)
	}
	tmpSince := tmp.HighestModSeq
	appendMsg(t, s, tmp.ID, []byte("z"))
	if _, _, exp, named = changesExpunged(t, l, s, tmp.ID, tmpSince); !named || len(exp) != 0 {
		t.Errorf("a folder made again: expunged %v, named %v; want none", exp, named)
	}

	_, _, _, _, err = l.ChangesExpunged(ctx, 987654, 1)
	wantErr(t, "ChangesExpunged of a missing folder", err, store.ErrNotFound)
}

// RunExpungeHorizon checks the pruning of expunge records: open must
// return a new, empty store implementing store.ExpungeLister that keeps
// a folder's expunge records for at most horizon mod-sequences below its
// last expunge. A reader that far behind must be told its expunges
// cannot be named (so that it reads the full listing); one within the
// horizon must still be named them.
func RunExpungeHorizon(t *testing.T, open func(t *testing.T) store.Store, horizon int) {
	t.Run("ExpungeHorizon", func(t *testing.T) {
		s := open(t)
		l, ok := s.(store.ExpungeLister)
		if !ok {
			t.Fatal("the store does not implement store.ExpungeLister")
		}
		ctx := t.Context()
		const a = 161
		newAccount(t, s, a)
		in := getFolder(t, s, a, store.Inbox)
		n := 2*horizon + 4
		for i := range n {
			appendMsg(t, s, in.ID, fmt.Appendf(nil, "message %d", i))
		}
		since := getFolder(t, s, a, store.Inbox).HighestModSeq
		if _, err := s.Expunge(ctx, in.ID, []uint32{1}); err != nil {
			t.Fatal(err)
		}
		if _, _, exp, named := changesExpunged(t, l, s, in.ID, since); !named || !slices.Equal(exp, []uint32{1}) {
			t.Fatalf("one expunge: expunged %v, named %v; want [1]", exp, named)
		}
		var last uint64
		for uid := uint32(2); uid <= uint32(horizon)+2; uid++ {
			last = getFolder(t, s, a, store.Inbox).HighestModSeq
			if _, err := s.Expunge(ctx, in.ID, []uint32{uid}); err != nil {
				t.Fatal(err)
			}
		}
		f, changed, exp, named := changesExpunged(t, l, s, in.ID, since)
		if named || exp != nil {
			t.Errorf("%d expunges later: expunged %v, named %v; want not named", horizon+1, exp, named)
		}
		if f.Messages != n-horizon-2 || len(changed) != 0 {
			t.Errorf("%d expunges later: folder %+v, changed %v", horizon+1, f, uidsOf(changed))
		}
		if _, _, exp, named = changesExpunged(t, l, s, in.ID, last); !named || !slices.Equal(exp, []uint32{uint32(horizon) + 2}) {
			t.Errorf("since the last but one expunge: expunged %v, named %v; want [%d]", exp, named, horizon+2)
		}
	})
}

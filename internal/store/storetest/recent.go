package storetest

import (
	"sync"
	"testing"

	"github.com/postern/postern/internal/store"
)

// A store that implements RecentClaimer gives each UID to one claim: a
// new folder's claim is 0; ClaimRecent returns the claim before and
// raises it, never lowers it; upto 0 only reads; CountRecent counts the
// messages above the claim; sessions claiming at once share the UIDs
// without overlap; a folder's claim is its own.
func testRecent(t *testing.T, s store.Store) {
	rc, ok := s.(store.RecentClaimer)
	if !ok {
		t.Skip("the store does not implement store.RecentClaimer")
	}
	ctx := t.Context()
	const a = 170
	newAccount(t, s, a)
	in := getFolder(t, s, a, store.Inbox)
	drafts := getFolder(t, s, a, "Drafts")
	claim := func(f store.FolderID, upto uint32) uint32 {
		t.Helper()
		from, err := rc.ClaimRecent(ctx, f, upto)
		if err != nil {
			t.Fatalf("ClaimRecent(%d, %d): %v", f, upto, err)
		}
		return from
	}
	count := func(f store.FolderID, want int) {
		t.Helper()
		if n, err := rc.CountRecent(ctx, f); err != nil || n != want {
			t.Errorf("CountRecent(%d) = %d, %v; want %d", f, n, err, want)
		}
	}
	if from := claim(in.ID, 0); from != 0 {
		t.Errorf("a new folder's claim: %d", from)
	}
	count(in.ID, 0)
	for i := range 3 {
		appendMsg(t, s, in.ID, []byte{byte('a' + i)})
	}
	appendMsg(t, s, drafts.ID, []byte("d"))
	count(in.ID, 3)
	if from := claim(in.ID, 0); from != 0 {
		t.Errorf("read-only claim: %d", from)
	}
	count(in.ID, 3)
	if from := claim(in.ID, 2); from != 0 {
		t.Errorf("first claim returned %d, want 0", from)
	}
	count(in.ID, 1)
	if from := claim(in.ID, 3); from != 2 {
		t.Errorf("second claim returned %d, want 2", from)
	}
	count(in.ID, 0)
	if from := claim(in.ID, 1); from != 3 {
		t.Errorf("a lower claim returned %d, want 3", from)
	}
	if from := claim(in.ID, 0); from != 3 {
		t.Errorf("the claim was lowered to %d", from)
	}
	count(drafts.ID, 1) // the Inbox's claims are the Inbox's
	if from := claim(drafts.ID, 0); from != 0 {
		t.Errorf("Drafts' claim: %d", from)
	}
	if _, err := rc.ClaimRecent(ctx, in.ID+1000, 5); err == nil {
		t.Error("ClaimRecent of a missing folder succeeded")
	}
	// Sessions claiming at once: each UID goes to one of them.
	for range 4 {
		appendMsg(t, s, in.ID, []byte("more"))
	}
	count(in.ID, 4)
	const n = 8
	froms := make([]uint32, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			upto := uint32(4 + i%4) // 4..7
			from, err := rc.ClaimRecent(ctx, in.ID, upto)
			if err != nil {
				t.Errorf("ClaimRecent: %v", err)
			}
			if from < upto {
				froms[i] = upto - from // UIDs this claim took
			}
		})
	}
	wg.Wait()
	took := 0
	for _, k := range froms {
		took += int(k)
	}
	if took != 4 {
		t.Errorf("concurrent claims took %d UIDs in all, want 4 (%v)", took, froms)
	}
	count(in.ID, 0)
}

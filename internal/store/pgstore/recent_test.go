package pgstore

import (
	"bytes"
	"testing"

	"github.com/postern/postern/internal/store"
	"github.com/postern/postern/internal/testkit/pgtest"
)

// TestRecentClaimUpgrade: a folder made before recent_claim existed (its
// claim NULL) counts its messages as all seen: none is recent, and the
// next message is claimed from its last UID. Preparing the schema again
// keeps the column and its claims.
func TestRecentClaimUpgrade(t *testing.T) {
	ctx := t.Context()
	pool := newPool(t, pgtest.URL(t), 4)
	s := openStore(t, pool, Options{})
	const a = 1
	if err := s.CreateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	in, _ := s.Folder(ctx, a, store.Inbox)
	for _, b := range []string{"one", "two"} {
		if _, err := s.Append(ctx, in.ID, store.NewMessage{Body: bytes.NewReader([]byte(b))}); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.CountRecent(ctx, in.ID); err != nil || n != 2 {
		t.Fatalf("CountRecent of a new folder = %d, %v; want 2", n, err)
	}
	if _, err := pool.Exec(ctx, `UPDATE mailbox_folders SET recent_claim = NULL WHERE id = $1`, in.ID); err != nil {
		t.Fatal(err)
	}
	if err := Prepare(ctx, pool); err != nil {
		t.Fatal(err)
	}
	if n, err := s.CountRecent(ctx, in.ID); err != nil || n != 0 {
		t.Errorf("CountRecent of a folder from before = %d, %v; want 0", n, err)
	}
	if from, err := s.ClaimRecent(ctx, in.ID, 0); err != nil || from != 2 {
		t.Errorf("ClaimRecent(0) of a folder from before = %d, %v; want 2", from, err)
	}
	if _, err := s.Append(ctx, in.ID, store.NewMessage{Body: bytes.NewReader([]byte("three"))}); err != nil {
		t.Fatal(err)
	}
	if from, err := s.ClaimRecent(ctx, in.ID, 3); err != nil || from != 2 {
		t.Errorf("ClaimRecent(3) = %d, %v; want 2", from, err)
	}
	if from, err := s.ClaimRecent(ctx, in.ID, 0); err != nil || from != 3 {
		t.Errorf("the claim after ClaimRecent(3) = %d, %v", from, err)
	}
}

package pgstore

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/internal/store"
	"github.com/postern/postern/internal/testkit/pgtest"
)

func TestAcquire(t *testing.T) {
	ctx := t.Context()
	pool := newPool(t, pgtest.URL(t), 4)
	if _, err := createSchema(ctx, pool, "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := Holder(ctx, pool, "a"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Holder of a free lease: %v, want ErrNotFound", err)
	}
	l, err := Acquire(ctx, pool, "a", "srv1", time.Minute)
	if err != nil || l.Server != "srv1" || l.Epoch != 1 || time.Until(l.Expires) < 50*time.Second {
		t.Fatalf("Acquire of a free lease = %+v, %v", l, err)
	}
	again, err := Acquire(ctx, pool, "a", "srv1", 2*time.Minute)
	if err != nil || again.Epoch != 1 || !again.Expires.After(l.Expires) {
		t.Errorf("Acquire by the holder = %+v, %v; want epoch 1, extended", again, err)
	}
	_, err = Acquire(ctx, pool, "a", "srv2", time.Minute)
	if !errors.Is(err, ErrHeld) || !strings.Contains(err.Error(), "srv1") {
		t.Errorf("Acquire of a held lease: %v, want ErrHeld naming srv1", err)
	}
	if h, err := Holder(ctx, pool, "a"); err != nil || h.Server != "srv1" || h.Epoch != 1 {
		t.Errorf("Holder = %+v, %v", h, err)
	}
	// An expired lease goes to whoever asks, one epoch up.
	if _, err := Acquire(ctx, pool, "a", "srv1", -time.Second); err != nil {
		t.Fatal(err)
	}
	l, err = Acquire(ctx, pool, "a", "srv2", time.Minute)
	if err != nil || l.Server != "srv2" || l.Epoch != 2 {
		t.Errorf("Acquire of an expired lease = %+v, %v; want srv2 at epoch 2", l, err)
	}
	// Other databases have leases of their own.
	if l, err := Acquire(ctx, pool, "b", "srv1", time.Minute); err != nil || l.Epoch != 1 {
		t.Errorf("Acquire of another database = %+v, %v", l, err)
	}
}

func TestRenewAfterTransfer(t *testing.T) {
	ctx := t.Context()
	pool := newPool(t, pgtest.URL(t), 4)
	if _, err := createSchema(ctx, pool, "a"); err != nil {
		t.Fatal(err)
	}
	l, err := Acquire(ctx, pool, "a", "srv1", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if r, err := Renew(ctx, pool, l, 2*time.Minute); err != nil || r.Epoch != 1 || !r.Expires.After(l.Expires) {
		t.Errorf("Renew by the holder = %+v, %v", r, err)
	}
	tr, err := Transfer(ctx, pool, "a", "srv2", time.Minute)
	if err != nil || tr.Server != "srv2" || tr.Epoch != 2 {
		t.Fatalf("Transfer = %+v, %v", tr, err)
	}
	if _, err := Renew(ctx, pool, l, time.Minute); !errors.Is(err, ErrLeaseLost) {
		t.Errorf("Renew after a Transfer: %v, want ErrLeaseLost", err)
	}
	if _, err := Renew(ctx, pool, tr, time.Minute); err != nil {
		t.Errorf("Renew by the new holder: %v", err)
	}
	// A Transfer back to the first server is a new epoch, not the old one.
	if back, err := Transfer(ctx, pool, "a", "srv1", time.Minute); err != nil || back.Epoch != 3 {
		t.Errorf("Transfer back = %+v, %v", back, err)
	}
	if _, err := Renew(ctx, pool, l, time.Minute); !errors.Is(err, ErrLeaseLost) {
		t.Errorf("Renew of epoch 1 at epoch 3: %v, want ErrLeaseLost", err)
	}
}

package store

import (
	"slices"
	"sync"
	"testing"
	"time"
)

// collect subscribes and returns a function reporting what arrived.
func collect(h *Hub, a AccountID) (get func() []Change, cancel func()) {
	var mu sync.Mutex
	var got []Change
	cancel = h.Subscribe(a, func(c Change) {
		mu.Lock()
		got = append(got, c)
		mu.Unlock()
	})
	return func() []Change {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(got)
	}, cancel
}

func waitLen(t *testing.T, get func() []Change, n int) []Change {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := get()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("got %d changes, want %d", len(got), n)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestHubOrderAndAccounts(t *testing.T) {
	var h Hub
	get1, cancel1 := collect(&h, 1)
	defer cancel1()
	get2, cancel2 := collect(&h, 2)
	defer cancel2()
	for i := range 100 {
		h.Publish(Change{Kind: ChangeNew, Account: 1, ModSeq: uint64(i)},
			Change{Kind: ChangeFlags, Account: 2, ModSeq: uint64(i)})
	}
	for _, get := range []func() []Change{get1, get2} {
		got := waitLen(t, get, 100)
		for i, c := range got {
			if c.ModSeq != uint64(i) {
				t.Fatalf("change %d has ModSeq %d: out of order", i, c.ModSeq)
			}
		}
	}
	if c := get1()[0]; c.Account != 1 || c.Kind != ChangeNew {
		t.Errorf("account 1 got %+v", c)
	}
	if c := get2()[0]; c.Account != 2 || c.Kind != ChangeFlags {
		t.Errorf("account 2 got %+v", c)
	}
}

// A slow subscriber does not hold up Publish or other subscribers, and
// each subscriber owns its UIDs.
func TestHubSlowSubscriber(t *testing.T) {
	var h Hub
	block := make(chan struct{})
	cancelSlow := h.Subscribe(1, func(c Change) {
		c.UIDs[0] = 999 // must not affect the other subscriber
		<-block
	})
	defer cancelSlow()
	get, cancel := collect(&h, 1)
	defer cancel()
	done := make(chan struct{})
	go func() {
		for range 1000 {
			h.Publish(Change{Account: 1, UIDs: []uint32{7}})
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Publish blocked on a slow subscriber")
	}
	got := waitLen(t, get, 1000)
	for _, c := range got {
		if c.UIDs[0] != 7 {
			t.Fatalf("UIDs changed by another subscriber: %v", c.UIDs)
		}
	}
	close(block)
}

func TestHubCancel(t *testing.T) {
	var h Hub
	get, cancel := collect(&h, 1)
	h.Publish(Change{Account: 1, ModSeq: 1})
	waitLen(t, get, 1)
	cancel()
	cancel()
	h.Publish(Change{Account: 1, ModSeq: 2})
	time.Sleep(10 * time.Millisecond)
	if n := len(get()); n != 1 {
		t.Errorf("got %d changes after cancel, want 1", n)
	}

	// cancel from inside fn must not deadlock, and stops further calls.
	var calls int
	var mu sync.Mutex
	var cancelSelf func()
	ready := make(chan struct{})
	cancelSelf = h.Subscribe(1, func(Change) {
		<-ready
		mu.Lock()
		calls++
		mu.Unlock()
		cancelSelf()
	})
	h.Publish(Change{Account: 1}, Change{Account: 1}, Change{Account: 1})
	close(ready)
	time.Sleep(20 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if calls != 1 {
		t.Errorf("fn called %d times after cancelling itself, want 1", calls)
	}
}

func TestHubClose(t *testing.T) {
	var h Hub
	get, cancel := collect(&h, 1)
	defer cancel()
	h.Close()
	h.Publish(Change{Account: 1})
	late, cancelLate := collect(&h, 1)
	defer cancelLate()
	h.Publish(Change{Account: 1})
	time.Sleep(10 * time.Millisecond)
	if len(get()) != 0 || len(late()) != 0 {
		t.Errorf("changes delivered after Close: %d, %d", len(get()), len(late()))
	}
}

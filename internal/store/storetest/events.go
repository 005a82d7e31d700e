package storetest

import (
	"bytes"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/postern/postern/internal/store"
)

// recorder collects the changes one subscription receives.
type recorder struct {
	mu      sync.Mutex
	changes []store.Change
}

func (r *recorder) add(c store.Change) {
	r.mu.Lock()
	r.changes = append(r.changes, c)
	r.mu.Unlock()
}

func (r *recorder) get() []store.Change {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.changes)
}

// waitKinds waits until r has received at least n changes matching keep.
func (r *recorder) wait(t *testing.T, n int, keep func(store.Change) bool) []store.Change {
	t.Helper()
	var got []store.Change
	waitFor(t, fmt.Sprintf("%d changes", n), func() bool {
		got = slices.DeleteFunc(r.get(), func(c store.Change) bool { return !keep(c) })
		return len(got) >= n
	})
	return got
}

func testSubscribe(t *testing.T, s store.Store) {
	ctx := t.Context()
	const a, b = 170, 171
	newAccount(t, s, a)
	newAccount(t, s, b)
	in := getFolder(t, s, a, store.Inbox)
	var ra, rb recorder
	cancelA := s.Subscribe(a, ra.add)
	cancelB := s.Subscribe(b, rb.add)
	defer cancelB()

	m := appendMsg(t, s, in.ID, []byte("event"))
	// A change made under an origin carries it (IMAP sessions know their
	// own changes by it); the others carry none.
	if _, err := s.StoreFlags(store.WithOrigin(ctx, 77), in.ID, []uint32{m.UID}, store.FlagsAdd, []string{store.FlagSeen}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Expunge(ctx, in.ID, []uint32{m.UID}); err != nil {
		t.Fatal(err)
	}
	work := createFolder(t, s, a, "Work")
	d, err := s.Deliver(ctx, []store.AccountID{b}, bytes.NewReader([]byte("for b")), time.Time{})
	if err != nil {
		t.Fatal(err)
	}

	got := ra.wait(t, 4, func(store.Change) bool { return true })
	want := []store.Change{
		{Kind: store.ChangeNew, Account: a, Folder: in.ID, UIDs: []uint32{m.UID}},
		{Kind: store.ChangeFlags, Account: a, Folder: in.ID, UIDs: []uint32{m.UID}},
		{Kind: store.ChangeExpunge, Account: a, Folder: in.ID, UIDs: []uint32{m.UID}},
		{Kind: store.ChangeFolder, Account: a, Folder: work.ID},
	}
	if len(got) != len(want) {
		t.Fatalf("account %d got %d changes %+v, want %d", a, len(got), got, len(want))
	}
	for i, c := range got {
		w := want[i]
		if c.Kind != w.Kind || c.Account != w.Account || c.Folder != w.Folder ||
			(w.Kind != store.ChangeFolder && !slices.Equal(c.UIDs, w.UIDs)) {
			t.Errorf("change %d = %+v, want %+v", i, c, w)
		}
		if wantOrigin := map[bool]uint64{true: 77}[i == 1]; c.Origin != wantOrigin {
			t.Errorf("change %d has origin %d, want %d", i, c.Origin, wantOrigin)
		}
		if i > 0 && i < 3 && c.ModSeq <= got[i-1].ModSeq {
			t.Errorf("change %d mod-sequence %d not above %d", i, c.ModSeq, got[i-1].ModSeq)
		}
	}
	if got[0].ModSeq != m.ModSeq {
		t.Errorf("ChangeNew mod-sequence %d, want the message's %d", got[0].ModSeq, m.ModSeq)
	}
	gb := rb.wait(t, 1, func(store.Change) bool { return true })
	if gb[0].Kind != store.ChangeNew || gb[0].Account != b || !slices.Equal(gb[0].UIDs, []uint32{d[0].UID}) {
		t.Errorf("account %d got %+v, want its delivery", b, gb[0])
	}

	// After cancel nothing more arrives. A second subscriber serves as the
	// barrier that tells when the next change has been published.
	cancelA()
	var barrier recorder
	cancelBarrier := s.Subscribe(a, barrier.add)
	defer cancelBarrier()
	appendMsg(t, s, in.ID, []byte("unseen by the canceled subscriber"))
	barrier.wait(t, 1, func(c store.Change) bool { return c.Kind == store.ChangeNew })
	time.Sleep(20 * time.Millisecond)
	if n := len(ra.get()); n != len(want) {
		t.Errorf("canceled subscriber received %d changes, want %d", n, len(want))
	}
	cancelA() // a second cancel is harmless
}

// Many goroutines deliver at once: every delivery gets its own UID, each
// sender sees its UIDs ascend, and the count is exact.
func testConcurrentDeliver(t *testing.T, s store.Store) {
	const a, b = 180, 181
	newAccount(t, s, a)
	newAccount(t, s, b)
	const senders, each = 16, 15
	var mu sync.Mutex
	uidsA := map[uint32]string{}
	var wg sync.WaitGroup
	for g := range senders {
		wg.Go(func() {
			var last uint32
			for i := range each {
				body := fmt.Sprintf("Subject: %d/%d\r\n\r\nfrom sender %d\r\n", g, i, g)
				to := []store.AccountID{a}
				if i%3 == 0 {
					to = append(to, b)
				}
				d, err := s.Deliver(t.Context(), to, bytes.NewReader([]byte(body)), time.Time{})
				if err != nil {
					t.Errorf("Deliver: %v", err)
					return
				}
				if d[0].UID <= last {
					t.Errorf("sender %d got UID %d after %d", g, d[0].UID, last)
				}
				last = d[0].UID
				mu.Lock()
				if prev, dup := uidsA[d[0].UID]; dup {
					t.Errorf("UID %d given to %q and %q", d[0].UID, prev, body)
				}
				uidsA[d[0].UID] = body
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	in := getFolder(t, s, a, store.Inbox)
	ms := listMessages(t, s, in.ID)
	if len(ms) != senders*each || in.Messages != senders*each || len(uidsA) != senders*each {
		t.Fatalf("%d messages listed, %d counted, %d delivered; want %d", len(ms), in.Messages, len(uidsA), senders*each)
	}
	for i, m := range ms {
		if i > 0 && m.UID <= ms[i-1].UID {
			t.Fatalf("Messages not in ascending UID order at %d: %d after %d", i, m.UID, ms[i-1].UID)
		}
		if m.UID >= in.UIDNext {
			t.Errorf("UID %d not below UIDNext %d", m.UID, in.UIDNext)
		}
		if want := uidsA[m.UID]; m.Size != int64(len(want)) {
			t.Errorf("UID %d size %d, want %d", m.UID, m.Size, len(want))
		}
	}
	for _, i := range []int{0, len(ms) / 2, len(ms) - 1} {
		wantBody(t, s, in.ID, ms[i].UID, []byte(uidsA[ms[i].UID]))
	}
	if n := getFolder(t, s, b, store.Inbox).Messages; n != senders*((each+2)/3) {
		t.Errorf("account %d has %d messages, want %d", b, n, senders*((each+2)/3))
	}
}

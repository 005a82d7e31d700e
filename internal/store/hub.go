package store

import (
	"slices"
	"sync"
)

// Hub fans committed changes out to an account's subscribers. A backend
// calls Publish after each commit, in commit order, and serves Subscribe
// from it. The zero value is ready to use.
//
// Publish never blocks on a subscriber: each subscription has its own queue,
// drained by a goroutine of its own that runs only while the queue holds
// something, so a slow fn delays only itself (its queue grows meanwhile) and
// an idle subscription (an IMAP session in IDLE) costs no goroutine. Each fn
// sees the changes of its account in the order they were published, one
// call at a time.
type Hub struct {
	mu     sync.Mutex
	subs   map[AccountID]map[*hubSub]struct{}
	closed bool
}

// hubSub is one subscription: a queue, and at most one goroutine draining
// it.
type hubSub struct {
	fn func(Change)

	mu       sync.Mutex
	queue    []Change
	stopped  bool
	draining bool // a drain goroutine is running
}

// Subscribe calls fn with every change later published for account a, until
// cancel is called or the Hub is closed. After cancel returns, fn is not
// called again, except that a call already running may finish. cancel may be
// called more than once, and from inside fn.
func (h *Hub) Subscribe(a AccountID, fn func(Change)) (cancel func()) {
	s := &hubSub{fn: fn}
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return func() {}
	}
	if h.subs == nil {
		h.subs = make(map[AccountID]map[*hubSub]struct{})
	}
	if h.subs[a] == nil {
		h.subs[a] = make(map[*hubSub]struct{})
	}
	h.subs[a][s] = struct{}{}
	h.mu.Unlock()
	return func() {
		h.mu.Lock()
		if m := h.subs[a]; m != nil {
			delete(m, s)
			if len(m) == 0 {
				delete(h.subs, a)
			}
		}
		h.mu.Unlock()
		s.stop()
	}
}

// Publish queues the changes for the subscribers of their accounts, in the
// order given. Each subscriber gets its own copy of Change.UIDs.
func (h *Hub) Publish(changes ...Change) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, c := range changes {
		for s := range h.subs[c.Account] {
			own := c
			own.UIDs = slices.Clone(c.UIDs)
			s.push(own)
		}
	}
}

// Close stops every subscription; later Subscribe calls get a no-op.
func (h *Hub) Close() {
	h.mu.Lock()
	subs := h.subs
	h.subs = nil
	h.closed = true
	h.mu.Unlock()
	for _, m := range subs {
		for s := range m {
			s.stop()
		}
	}
}

// push queues c and starts a drain goroutine unless one is running.
func (s *hubSub) push(c Change) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return
	}
	s.queue = append(s.queue, c)
	if !s.draining {
		s.draining = true
		go s.drain()
	}
}

func (s *hubSub) stop() {
	s.mu.Lock()
	s.stopped = true
	s.queue = nil
	s.mu.Unlock()
}

// drain delivers the queue to fn until it is empty or the subscription
// stops, then ends. The stopped flag is checked before every call, so
// nothing is delivered after cancel.
func (s *hubSub) drain() {
	for {
		s.mu.Lock()
		if s.stopped || len(s.queue) == 0 {
			s.draining = false
			s.queue = nil // give back what a burst grew
			s.mu.Unlock()
			return
		}
		c := s.queue[0]
		s.queue[0] = Change{}
		s.queue = s.queue[1:]
		s.mu.Unlock()
		s.fn(c)
	}
}

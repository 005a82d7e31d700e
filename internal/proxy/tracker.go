package proxy

import (
	"context"
	"sync"
	"time"

	"github.com/postern/postern/internal/netserve"
)

// Tracker keeps the sessions of one running backend service, so that
// stopping the service ends them: each session's context is cancelled and
// its connection woken from a blocked read.
type Tracker struct {
	ctx      context.Context
	cancel   context.CancelFunc
	mu       sync.Mutex // orders wg.Add before Stop's Wait
	sessions sync.WaitGroup
}

// NewTracker returns a running tracker.
func NewTracker() *Tracker {
	t := &Tracker{}
	t.ctx, t.cancel = context.WithCancel(context.Background())
	return t
}

// Enter registers a session on c. The returned context ends when parent
// does or the tracker stops; leave must be called when the session ends.
// ok is false once the tracker is stopping.
func (t *Tracker) Enter(parent context.Context, c *netserve.Conn) (ctx context.Context, leave func(), ok bool) {
	t.mu.Lock()
	if t.ctx.Err() != nil {
		t.mu.Unlock()
		return nil, nil, false
	}
	t.sessions.Add(1)
	t.mu.Unlock()
	ctx, cancel := context.WithCancel(parent)
	stop := context.AfterFunc(t.ctx, func() {
		cancel()
		c.NetConn().SetReadDeadline(time.Now())
	})
	return ctx, func() { stop(); cancel(); t.sessions.Done() }, true
}

// Stop cancels every session and waits for them to end, at most grace.
func (t *Tracker) Stop(grace time.Duration) {
	t.mu.Lock()
	t.cancel()
	t.mu.Unlock()
	done := make(chan struct{})
	go func() { t.sessions.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(grace):
	}
}

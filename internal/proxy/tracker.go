package proxy

import (
	"context"
	"sync"
	"time"

	"github.com/postern/postern/internal/netserve"
)

// Tracker keeps the sessions of one running backend service, so that
// stopping the service ends them, and so that a mailbox database leaving
// this server (a switchover, a lost lease) ends the sessions on it: each
// session's context is cancelled and its connection woken from a blocked
// read. A mailbox being moved to another database ends its owner's
// sessions the same way (EndUser).
type Tracker struct {
	ctx      context.Context
	cancel   context.CancelFunc
	mu       sync.Mutex // orders wg.Add before Stop's Wait; guards byDB, byUser
	sessions sync.WaitGroup
	byDB     map[string]map[*tracked]struct{}
	byUser   map[int64]map[*tracked]struct{}
}

type tracked struct{ end func() }

// NewTracker returns a running tracker.
func NewTracker() *Tracker {
	t := &Tracker{byDB: map[string]map[*tracked]struct{}{}, byUser: map[int64]map[*tracked]struct{}{}}
	t.ctx, t.cancel = context.WithCancel(context.Background())
	return t
}

// Enter registers a session on c for the mailbox of user in database. The
// returned context ends when parent does, the tracker stops, or
// End(database) or EndUser(user) is called; leave must be called when the
// session ends. ok is false once the tracker is stopping.
func (t *Tracker) Enter(parent context.Context, c *netserve.Conn, database string, user int64) (ctx context.Context, leave func(), ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ctx.Err() != nil {
		return nil, nil, false
	}
	t.sessions.Add(1)
	ctx, cancel := context.WithCancel(parent)
	end := func() {
		cancel()
		c.NetConn().SetReadDeadline(time.Now())
	}
	stop := context.AfterFunc(t.ctx, end)
	e := &tracked{end: end}
	if t.byDB[database] == nil {
		t.byDB[database] = map[*tracked]struct{}{}
	}
	t.byDB[database][e] = struct{}{}
	if t.byUser[user] == nil {
		t.byUser[user] = map[*tracked]struct{}{}
	}
	t.byUser[user][e] = struct{}{}
	return ctx, func() {
		t.mu.Lock()
		delete(t.byDB[database], e)
		if len(t.byDB[database]) == 0 {
			delete(t.byDB, database)
		}
		delete(t.byUser[user], e)
		if len(t.byUser[user]) == 0 {
			delete(t.byUser, user)
		}
		t.mu.Unlock()
		stop()
		cancel()
		t.sessions.Done()
	}, true
}

// End ends the sessions on mailboxes in database; it does not wait.
func (t *Tracker) End(database string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	for e := range t.byDB[database] {
		e.end()
	}
	return len(t.byDB[database])
}

// EndUser ends the sessions on the mailbox of one user (its mailbox is
// being moved to another database); it does not wait.
func (t *Tracker) EndUser(user int64) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	for e := range t.byUser[user] {
		e.end()
	}
	return len(t.byUser[user])
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

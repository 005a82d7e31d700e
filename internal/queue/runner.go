package queue

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"time"
)

// Envelope is what a Sender gets for one domain of one message.
type Envelope struct {
	From     string
	Rcpts    []string
	Size     int64
	EightBit bool
}

// Result is the outcome of one attempt for one recipient.
type Result struct {
	// Err is nil when the remote server accepted the recipient.
	Err error
	// Permanent marks a refusal for good (5xx), as opposed to a temporary
	// failure (4xx, no connection) that is tried again.
	Permanent bool
	// Status is the enhanced status code for a DSN (e.g. 5.1.1).
	Status string
	// Diagnostic is the remote reply as "smtp; 550 5.1.1 ...".
	Diagnostic string
	// RemoteMTA is the host that answered, if any.
	RemoteMTA string
}

// Sender delivers one message to the recipients of one domain and
// returns one Result per recipient, in order.
type Sender interface {
	Send(ctx context.Context, domain string, env Envelope, body io.ReadSeeker) []Result
}

// RunnerOptions configure a Runner.
type RunnerOptions struct {
	Queue  *Queue
	Sender Sender
	// Bounce delivers a DSN (a complete message) to the original sender,
	// with a null reverse-path. Required.
	Bounce func(ctx context.Context, to string, dsn []byte) error
	// Schedule is read at every pass, so changed settings apply at once.
	Schedule func(ctx context.Context) Schedule
	// Hostname is the Reporting-MTA of DSNs.
	Hostname string
	// Workers is the number of messages delivered at once; default 8.
	Workers int
	Logger  *slog.Logger
}

// Runner delivers due messages until its context ends.
type Runner struct {
	o        RunnerOptions
	mu       sync.Mutex
	inflight map[int64]bool
	done     chan struct{}
	wg       sync.WaitGroup
}

// NewRunner returns a runner; Run starts it.
func NewRunner(o RunnerOptions) *Runner {
	if o.Workers <= 0 {
		o.Workers = 8
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Schedule == nil {
		o.Schedule = func(context.Context) Schedule { return DefaultSchedule() }
	}
	return &Runner{o: o, inflight: map[int64]bool{}, done: make(chan struct{}, 1)}
}

// idleWait is the longest the runner sleeps without looking at the queue.
const idleWait = 30 * time.Second

// Run delivers due messages until ctx ends, then waits for the
// deliveries in progress; an attempt cut short is not recorded, so the
// recipient is tried again after a restart.
func (r *Runner) Run(ctx context.Context) {
	defer r.wg.Wait()
	for {
		r.pass(ctx)
		wait := idleWait
		if next, ok, err := r.o.Queue.nextDue(ctx); err == nil && ok {
			if d := time.Until(next); d > 0 && d < wait {
				wait = d
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-r.o.Queue.Wakeup():
		case <-r.done:
		case <-t.C:
		}
		t.Stop()
	}
}

// pass starts a worker for each due message not already in flight, up to
// Workers at once.
func (r *Runner) pass(ctx context.Context) {
	msgs, err := r.o.Queue.due(ctx, r.o.Queue.now(), 4*r.o.Workers)
	if err != nil {
		if ctx.Err() == nil {
			r.o.Logger.Error("reading the queue failed", "err", err)
		}
		return
	}
	sched := r.o.Schedule(ctx)
	for _, m := range msgs {
		r.mu.Lock()
		if r.inflight[m.ID] || len(r.inflight) >= r.o.Workers {
			r.mu.Unlock()
			continue
		}
		r.inflight[m.ID] = true
		r.mu.Unlock()
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			r.deliver(ctx, m.ID, sched)
			r.mu.Lock()
			delete(r.inflight, m.ID)
			r.mu.Unlock()
			select {
			case r.done <- struct{}{}:
			default:
			}
		}()
	}
}

// deliver makes one attempt for the due recipients of m, domain by
// domain, records each outcome, sends a DSN for the failed ones and drops
// the message once no recipient is pending.
func (r *Runner) deliver(ctx context.Context, id int64, sched Schedule) {
	log := r.o.Logger.With("queue_id", id)
	// Read again now that the message is claimed: the list the pass read
	// may predate another worker's results for it.
	m, err := r.o.Queue.Get(ctx, id)
	if errors.Is(err, ErrNotFound) || ctx.Err() != nil {
		return // finished or removed meanwhile, or shutting down
	}
	if err != nil {
		log.Error("reading the queue failed", "err", err)
		return
	}
	f, err := r.o.Queue.open(m)
	if err != nil {
		log.Error("queued message file missing", "err", err)
		return
	}
	defer f.Close()
	now := r.o.Queue.now()
	byDomain := map[string][]int{}
	var order []string
	for i, rc := range m.Recipients {
		if !rc.pending() || rc.NextRetry.After(now) {
			continue
		}
		if _, ok := byDomain[rc.Domain]; !ok {
			order = append(order, rc.Domain)
		}
		byDomain[rc.Domain] = append(byDomain[rc.Domain], i)
	}
	var failed, delayed []Failure
	for _, domain := range order {
		idx := byDomain[domain]
		env := Envelope{From: m.Sender, Size: m.Size, EightBit: m.EightBit}
		for _, i := range idx {
			env.Rcpts = append(env.Rcpts, m.Recipients[i].Address)
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			log.Error("reading the queued message failed", "err", err)
			return
		}
		results := r.o.Sender.Send(ctx, domain, env, f)
		if ctx.Err() != nil {
			return // shutting down: this attempt does not count
		}
		if len(results) != len(idx) {
			results = repeat(Result{Err: errors.New("sender returned the wrong number of results"), Status: "4.3.0"}, len(idx))
		}
		at := r.o.Queue.now()
		for k, i := range idx {
			rc, res := &m.Recipients[i], results[k]
			rc.Attempts++
			switch {
			case res.Err == nil:
				rc.State, rc.LastError = StateDelivered, ""
				log.Info("delivered", "rcpt", rc.Address, "remote", res.RemoteMTA, "attempts", rc.Attempts)
			case res.Permanent || sched.expired(m.Created, at):
				rc.State, rc.LastError = StateFailed, res.Err.Error()
				fl := Failure{Recipient: rc.Address, Status: res.Status, Diagnostic: res.Diagnostic, RemoteMTA: res.RemoteMTA, Reason: res.Err.Error(), LastAttempt: at}
				if !res.Permanent {
					fl.Status, fl.Reason = "4.4.7", "Message expired after repeated attempts; last error: "+res.Err.Error()
				}
				failed = append(failed, fl)
				log.Warn("delivery failed", "rcpt", rc.Address, "status", fl.Status, "err", res.Err, "attempts", rc.Attempts)
			default:
				rc.State, rc.LastError = StateRetry, res.Err.Error()
				rc.NextRetry = at.Add(sched.After(rc.Attempts))
				log.Info("delivery deferred", "rcpt", rc.Address, "err", res.Err, "attempts", rc.Attempts, "next", rc.NextRetry)
				if !rc.DelayNotified && sched.delayDue(m.Created, at) {
					rc.DelayNotified = true
					delayed = append(delayed, Failure{Recipient: rc.Address, Status: res.Status, Diagnostic: res.Diagnostic,
						RemoteMTA: res.RemoteMTA, Reason: "Still trying; last error: " + res.Err.Error(), LastAttempt: at, Delayed: true})
				}
			}
		}
		// A DSN goes out before its recipients' state is recorded: a crash
		// in between repeats the DSN rather than losing it.
		for _, list := range [][]Failure{failed, delayed} {
			if len(list) > 0 {
				r.bounce(ctx, m, f, list, at)
			}
		}
		failed, delayed = nil, nil
		for _, i := range idx {
			if err := r.o.Queue.record(context.WithoutCancel(ctx), m.ID, m.Recipients[i]); err != nil {
				log.Error("recording a delivery result failed", "rcpt", m.Recipients[i].Address, "err", err)
			}
		}
	}
	for _, rc := range m.Recipients {
		if rc.pending() {
			return
		}
	}
	if err := r.o.Queue.drop(context.WithoutCancel(ctx), m); err != nil {
		log.Error("removing a finished message failed", "err", err)
	}
}

// bounce sends the DSN for failures to m's sender; never for a message
// with a null reverse-path (RFC 5321 6.1, RFC 3464 2: no DSN about a DSN).
func (r *Runner) bounce(ctx context.Context, m Message, f io.ReadSeeker, failures []Failure, now time.Time) {
	if m.Sender == "" {
		return
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		r.o.Logger.Error("reading the queued message failed", "err", err)
		return
	}
	dsn := BuildDSN(r.o.Hostname, m.Sender, m.Created, now, failures, f)
	if err := r.o.Bounce(context.WithoutCancel(ctx), m.Sender, dsn); err != nil {
		r.o.Logger.Error("sending a DSN failed", "queue_id", m.ID, "to", m.Sender, "err", err)
	}
}

func repeat(r Result, n int) []Result {
	out := make([]Result, n)
	for i := range out {
		out[i] = r
	}
	return out
}

package loadgen

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// idleConns is the idle-conns workload (issue 7): IdleConns
// authenticated connections (TLS as configured) that have selected their
// INBOX and sit in IDLE (RFC 2177), spread over the users in turn, and
// two measurements:
//
//   - the memory of the server's whole process tree (ServerPID and its
//     descendants, PSS from /proc) before the connections open, and
//     after each of idleSteps steps that open a quarter of them; the
//     server's memory per idle connection is the median of the four
//     steps' slopes (memory added ÷ connections added). Before the first
//     sample every user logs in and out once, so caches both servers
//     fill at a first login are in every sample, not counted against the
//     connections. Each sample waits until the tree's memory is steady
//     (see steadyMemory). The steps are for garbage-collected servers:
//     Go's heap holds garbage up to its last live size until the next
//     collection (Postern: after a burst such as argon2id verifications,
//     19 MiB each, or the previous workload), and the collection that a
//     step's allocations trigger hands it back, so that step's slope is
//     wrong (even negative); one step in four can be, the median holds;
//   - then, as the operations, deliveries over LMTP (LMTPAddr) to those
//     users, one at a time per user: an operation's latency is from the
//     LMTP 250 (the delivery acknowledged) to the moment the last of the
//     user's idle connections has read its "* n EXISTS" (n one more than
//     before; another count is an error), clamped at 1 µs when the
//     announcement beats the acknowledgement.
//
// Ops (default 20) is the number of deliveries, made by Clients
// concurrent deliverers (at most one per user, each with its own users).
// At the end every connection ends IDLE with DONE (tagged OK required)
// and logs out; connections that failed to open, died or ended badly are
// errors of the run.
type idleConns struct {
	o      *Options
	lmtp   Options // o, aimed at LMTPAddr in plaintext
	msgs   [][]byte
	byUser [][]*idleConn
	opened int
	before MemSample
	after  MemSample
	// unsteady: a memory sample was taken before the memory settled.
	unsteady bool
	// slopes are the memory added per connection by each step.
	slopes []float64
}

// Bounds and pauses of idle-conns.
const (
	idleDialers   = 16               // connections opened at once
	idleReadLimit = 15 * time.Minute // longest silence in IDLE
	idleMaxEvents = 64               // EXISTS announcements kept per connection
	idleSteps     = 4                // steps in which the connections open
)

func newIdleConns(o *Options) (Workload, error) {
	if o.LMTPAddr == "" {
		return nil, errors.New("loadgen: idle-conns delivers over LMTP: give its address")
	}
	if o.Clients > len(o.Users) {
		o.Clients = len(o.Users) // one deliverer per user at most
	}
	w := &idleConns{o: o, lmtp: *o, msgs: make([][]byte, deliverPool), byUser: make([][]*idleConn, len(o.Users))}
	w.lmtp.Addr, w.lmtp.TLS = o.LMTPAddr, TLSNone
	for i := range w.msgs {
		w.msgs[i] = Message(o.Seed^0x1d1e, 0, i, "idle@mail.test")
	}
	return w, nil
}

func (w *idleConns) Metric() string { return "KiB/conn" }

func (w *idleConns) Bounded() (int64, bool) {
	if w.o.Ops > 0 {
		return w.o.Ops, true
	}
	return 20, true
}

// Prepare warms up, samples memory, opens the connections and samples
// again.
func (w *idleConns) Prepare(ctx context.Context, cs *clientStats) error {
	parallel(ctx, len(w.o.Users), idleDialers, func(i int) {
		u := w.o.Users[i]
		c, err := DialIMAP(ctx, w.o)
		if err == nil {
			defer c.Close()
			if err = c.Login(u); err == nil {
				err = c.Logout()
			}
		}
		if err != nil {
			cs.failLocked(fmt.Errorf("warm-up login of %s: %w", u.Address, err))
		}
	})
	var err error
	if w.before, err = w.sample(ctx, memQuiet); err != nil {
		return err
	}
	// The connections open in idleSteps equal steps, the memory sampled
	// after each: per connection is the median of the steps' slopes.
	conns := make([]*idleConn, w.o.IdleConns)
	prev, prevOpen := w.before, 0
	for step := 1; step <= idleSteps; step++ {
		lo, hi := len(conns)*(step-1)/idleSteps, len(conns)*step/idleSteps
		parallel(ctx, hi-lo, idleDialers, func(j int) {
			j += lo
			u := j % len(w.o.Users)
			ic, err := openIdle(ctx, w.o, w.o.Users[u])
			if err != nil {
				cs.failLocked(fmt.Errorf("idle connection %d (%s): %w", j+1, w.o.Users[u].Address, err))
				return
			}
			conns[j] = ic
		})
		if err := ctx.Err(); err != nil {
			w.keep(conns)
			return err
		}
		open := 0
		for _, ic := range conns[:hi] {
			if ic != nil {
				open++
			}
		}
		s, err := w.sample(ctx, memWindow)
		if err != nil {
			w.keep(conns)
			return err
		}
		if open > prevOpen && w.o.ServerPID != 0 {
			w.slopes = append(w.slopes, float64(s.Bytes-prev.Bytes)/float64(open-prevOpen))
		}
		prev, prevOpen, w.after = s, open, s
	}
	w.keep(conns)
	return nil
}

// keep files the open connections by user.
func (w *idleConns) keep(conns []*idleConn) {
	for j, ic := range conns {
		if ic != nil {
			w.byUser[j%len(w.o.Users)] = append(w.byUser[j%len(w.o.Users)], ic)
			w.opened++
		}
	}
}

// Steadiness of a memory sample: the tree's memory must stay within
// memSlack (or 1%, whichever is more) over memWindow, and memQuiet must
// have passed since the sampling began; after memMax (Options.MemSettle)
// the last sample is taken as it is, marked unsteady.
const (
	memEvery  = 500 * time.Millisecond
	memWindow = 4 * time.Second
	memQuiet  = 10 * time.Second
	memMax    = 40 * time.Second
	memSlack  = 256 << 10
)

// sample measures the server once its memory is steady (and at least
// quiet has passed), or returns nothing without a ServerPID.
func (w *idleConns) sample(ctx context.Context, quiet time.Duration) (MemSample, error) {
	if w.o.ServerPID == 0 {
		return MemSample{}, nil
	}
	s, steady, err := steadyMemory(ctx, w.o.ServerPID, min(quiet, w.o.MemSettle), w.o.MemSettle)
	w.unsteady = w.unsteady || !steady
	return s, err
}

// steadyMemory samples the process tree of pid every memEvery and
// returns the last sample once quiet has passed and the memory has kept
// within the slack over memWindow, or when limit has passed (steady
// false).
func steadyMemory(ctx context.Context, pid int, quiet, limit time.Duration) (MemSample, bool, error) {
	start := time.Now()
	var recent []MemSample
	keep := int(memWindow/memEvery) + 1
	for {
		s, err := TreeMemory(pid)
		if err != nil {
			return s, false, err
		}
		if recent = append(recent, s); len(recent) > keep {
			recent = recent[1:]
		}
		if time.Since(start) >= quiet && len(recent) == keep {
			lo, hi := recent[0].Bytes, recent[0].Bytes
			for _, r := range recent {
				lo, hi = min(lo, r.Bytes), max(hi, r.Bytes)
			}
			if hi-lo <= max(memSlack, hi/100) {
				return s, true, nil
			}
		}
		if time.Since(start) >= limit || ctx.Err() != nil {
			return s, false, ctx.Err()
		}
		pause(ctx, memEvery)
	}
}

// Finish ends every IDLE and session; failures are errors of the run.
func (w *idleConns) Finish(ctx context.Context, cs *clientStats) {
	var all []*idleConn
	for _, cs := range w.byUser {
		all = append(all, cs...)
	}
	parallel(ctx, len(all), idleDialers, func(j int) {
		if err := all[j].stop(); err != nil {
			cs.failLocked(fmt.Errorf("ending IDLE of %s: %w", all[j].user, err))
		}
	})
}

// Report fills in the memory figures.
func (w *idleConns) Report(r *Result) {
	r.IdleConns = w.opened
	r.MemBefore, r.MemAfter = w.before.Bytes, w.after.Bytes
	r.ProcsBefore, r.ProcsAfter = w.before.Procs, w.after.Procs
	r.MemSource = w.after.Source
	r.MemUnsteady = w.unsteady
	r.MemSteps = w.slopes
	if len(w.slopes) > 0 {
		r.MemPerConn = median(w.slopes)
		r.Value = r.MemPerConn / 1024
	} else {
		r.Value = 0
	}
}

func (w *idleConns) NewWorker(i, n int) Worker {
	return &idleWorker{w: w, lmtpWorker: lmtpWorker{o: &w.lmtp}, i: i, n: n}
}

type idleWorker struct {
	lmtpWorker
	w    *idleConns
	i, n int
	k    int64
}

// Do delivers one message to the next of the worker's users and waits
// for every idle connection of that user to announce it.
func (iw *idleWorker) Do(ctx context.Context, k int64) (Counts, error) {
	owned := (len(iw.o.Users) - iw.i + iw.n - 1) / iw.n
	u := iw.i + int(iw.k%int64(owned))*iw.n
	iw.k++
	conns := iw.w.byUser[u]
	addr := iw.o.Users[u].Address
	if len(conns) == 0 {
		return Counts{}, fmt.Errorf("%s: no idle connection to watch", addr)
	}
	msg := iw.w.msgs[k%deliverPool]
	if err := iw.send(ctx, []string{addr}, msg); err != nil {
		return Counts{}, err
	}
	acked := time.Now()
	var worst time.Duration
	for _, ic := range conns {
		at, err := ic.await(ctx, iw.o.Timeout)
		if err != nil {
			return Counts{}, fmt.Errorf("%s: %w", addr, err)
		}
		worst = max(worst, at.Sub(acked))
	}
	return Counts{Messages: 1, Bytes: int64(len(msg)), Latency: max(worst, time.Microsecond)}, nil
}

// idleConn is one connection in IDLE, read by its own goroutine.
type idleConn struct {
	c    *IMAP
	tag  string
	user string
	mu   sync.Mutex
	// events are the EXISTS counts read, with when, oldest first.
	events []existsEvent
	signal chan struct{} // a new event, or the reader's end (capacity 1)
	ended  chan struct{} // closed when the reader returns
	err    error         // the reader's end: nil after IDLE's tagged OK
	want   int           // the count the next delivery must bring
}

type existsEvent struct {
	n  int
	at time.Time
}

// openIdle logs in, selects INBOX and starts IDLE.
func openIdle(ctx context.Context, o *Options, u User) (*idleConn, error) {
	c, err := DialIMAP(ctx, o)
	if err != nil {
		return nil, err
	}
	ic := &idleConn{c: c, user: u.Address, signal: make(chan struct{}, 1), ended: make(chan struct{})}
	if err = c.Login(u); err == nil {
		if err = c.Select("INBOX"); err == nil {
			if ok, herr := c.Has("IDLE"); herr != nil || !ok {
				err = errors.Join(herr, protoErr("the server does not advertise IDLE"))
			}
		}
	}
	if err == nil {
		if ic.tag, err = c.startCmd("IDLE"); err == nil {
			err = c.awaitContinuation(ic.tag)
		}
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	ic.want = c.Exists + 1
	c.rd.timeout = idleReadLimit
	go ic.read()
	return ic, nil
}

// read reads the connection until IDLE's tagged response or an error.
func (ic *idleConn) read() {
	err := func() error {
		for i := 0; i < maxResponses; i++ {
			r, err := ic.c.rd.read()
			if err != nil {
				return err
			}
			switch r.Tag {
			case "*":
				if err := ic.c.untagged(r, "IDLE"); err != nil {
					return err
				}
				if r.Kind == "EXISTS" {
					ic.mu.Lock()
					if len(ic.events) == idleMaxEvents {
						ic.events = ic.events[1:]
					}
					ic.events = append(ic.events, existsEvent{int(r.Num), time.Now()})
					ic.mu.Unlock()
					ic.notify()
				}
			case ic.tag:
				if r.Status != "OK" {
					return fmt.Errorf("IDLE: server refused: %s %q", r.Status, trunc([]byte(r.Text)))
				}
				return nil
			default:
				return protoErr("IDLE: response tagged %q", r.Tag)
			}
		}
		return protoErr("IDLE: over %d responses", maxResponses)
	}()
	ic.mu.Lock()
	ic.err = err
	ic.mu.Unlock()
	close(ic.ended)
	ic.notify()
}

func (ic *idleConn) notify() {
	select {
	case ic.signal <- struct{}{}:
	default:
	}
}

// await waits up to timeout for the EXISTS of the next delivery and
// returns when it was read. Repeats of older counts are skipped; a
// larger count than expected is an error.
func (ic *idleConn) await(ctx context.Context, timeout time.Duration) (time.Time, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		ic.mu.Lock()
		for len(ic.events) > 0 && ic.events[0].n < ic.want {
			ic.events = ic.events[1:]
		}
		if len(ic.events) > 0 {
			e := ic.events[0]
			ic.events = ic.events[1:]
			ic.mu.Unlock()
			if e.n != ic.want {
				return time.Time{}, protoErr("IDLE announced %d EXISTS after one delivery, %d expected", e.n, ic.want)
			}
			ic.want++
			return e.at, nil
		}
		ended, err := isClosed(ic.ended), ic.err
		ic.mu.Unlock()
		if ended {
			return time.Time{}, fmt.Errorf("idle connection ended: %v", err)
		}
		select {
		case <-ic.signal:
		case <-t.C:
			return time.Time{}, fmt.Errorf("no EXISTS %d within %v of the delivery", ic.want, timeout)
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		}
	}
}

func isClosed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// stop sends DONE, waits for IDLE's tagged OK and logs out.
func (ic *idleConn) stop() error {
	defer ic.c.Close()
	if isClosed(ic.ended) {
		return fmt.Errorf("IDLE ended early: %v", ic.err)
	}
	if err := ic.c.write([]byte("DONE\r\n")); err != nil {
		return err
	}
	t := time.NewTimer(ic.c.lc.timeout)
	defer t.Stop()
	select {
	case <-ic.ended:
	case <-t.C:
		return fmt.Errorf("no tagged response to DONE within %v", ic.c.lc.timeout)
	}
	if ic.err != nil {
		return ic.err
	}
	ic.c.rd.timeout = ic.c.lc.timeout
	return ic.c.Logout()
}

// parallel runs f(0..n-1) on at most width goroutines and waits.
func parallel(ctx context.Context, n, width int, f func(i int)) {
	var wg sync.WaitGroup
	next := make(chan int)
	for g := 0; g < min(n, width); g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	for i := 0; i < n && ctx.Err() == nil; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}

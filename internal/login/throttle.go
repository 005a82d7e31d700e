package login

import (
	"errors"
	"net/netip"
	"sync"
	"time"

	"github.com/postern/postern/internal/directory"
)

// ThrottleOptions are the logon budgets. Zero fields take the defaults;
// they are Postern's own settings (`postern login show|set`).
type ThrottleOptions struct {
	// PerMinute is how many logons whose credentials are checked one
	// source (an IPv4 address, an IPv6 /64) gets in any minute, over any
	// number of connections and protocols. A correct logon gives its turn
	// back. Default 20.
	PerMinute int
	// MaxPenalty caps the wait a failing source's next logon takes before
	// its credentials are checked: 2 s after its first failure, doubling
	// with each further one up to this. Default 15 seconds.
	MaxPenalty time.Duration
	// Window is how long a failure counts. Default 5 minutes.
	Window time.Duration
	// PerAccountSource is how many failures for one account from one
	// source, within Window, refuse that account from that source (only:
	// the owner elsewhere is never refused). Default 10.
	PerAccountSource int
	// MaxWait is the longest a logon waits for its source's turn; one that
	// would wait longer is refused at once (ErrThrottled), checking
	// nothing. Default 30 seconds.
	MaxWait time.Duration
	// MaxInFlight bounds the logons waiting or being checked at once,
	// server-wide; past it a logon is refused as a temporary failure, so
	// a flood exhausts neither memory nor CPU. Default 1024.
	MaxInFlight int
	// FailureDelay is how long after its command a failed logon is
	// answered, for engines that take the server's (Options.FailureDelay
	// < 0). Default 1 second; negative for none.
	FailureDelay time.Duration
	// MaxKeys bounds the sources and (account, source) pairs remembered;
	// past it, idle entries are dropped and new ones are not tracked
	// (their logons are still checked and delayed). Default 100000.
	MaxKeys int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// DefaultThrottleOptions are the defaults of every field.
func DefaultThrottleOptions() ThrottleOptions {
	return ThrottleOptions{}.withDefaults()
}

func (o ThrottleOptions) withDefaults() ThrottleOptions {
	if o.PerMinute <= 0 {
		o.PerMinute = 20
	}
	if o.MaxPenalty <= 0 {
		o.MaxPenalty = 15 * time.Second
	}
	if o.Window <= 0 {
		o.Window = 5 * time.Minute
	}
	if o.PerAccountSource <= 0 {
		o.PerAccountSource = 10
	}
	if o.MaxWait <= 0 {
		o.MaxWait = 30 * time.Second
	}
	if o.MaxInFlight <= 0 {
		o.MaxInFlight = 1024
	}
	if o.MaxKeys <= 0 {
		o.MaxKeys = 100000
	}
	if o.FailureDelay == 0 {
		o.FailureDelay = time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// burst is how many logons a source may start at once (a client opening
// several connections); the rest of PerMinute refills over the minute, so
// that no minute sees more than PerMinute.
func (o ThrottleOptions) burst() float64 {
	b := o.PerMinute / 4
	if b < 1 {
		b = 1
	}
	return float64(b)
}

// rate is the refill, in turns per second.
func (o ThrottleOptions) rate() float64 {
	r := float64(o.PerMinute) - o.burst()
	if r < 1 {
		r = 1
	}
	return r / 60
}

// penalty is the spacing after n failures: 2 s doubling, capped.
func (o ThrottleOptions) penalty(n int) time.Duration {
	if n <= 0 {
		return 0
	}
	p := min(2*time.Second, o.MaxPenalty)
	for i := 1; i < n && p < o.MaxPenalty; i++ {
		p *= 2
	}
	return min(p, o.MaxPenalty)
}

// Throttle paces logons per source and refuses the ones that would wait
// too long. It never counts failures per account alone: strangers failing
// for an account from elsewhere never delay or refuse its owner. Safe for
// concurrent use; use NewThrottle. A nil *Throttle paces nothing.
type Throttle struct {
	mu       sync.Mutex
	o        ThrottleOptions
	sources  map[netip.Prefix]*source
	pairs    map[pair]*failures
	inFlight int
}

// source is one client address's (or /64's) state.
type source struct {
	tokens  float64   // turns available now (negative: reserved ahead)
	filled  time.Time // when tokens was last brought up to date
	next    time.Time // no check starts before this (the penalty)
	fails   []failure // within the window, oldest first
	pending int       // admitted, not yet done
	// waiters are the admitted turns still waiting, oldest first: a turn
	// given back by a logon that guessed nothing releases the oldest at
	// once, so a source whose logons succeed (many clients behind one
	// address, starting together) is not paced as if they failed.
	waiters []*Turn
}

// maxPendingPerSource bounds the logons of one source waiting or being
// checked at once.
const maxPendingPerSource = 128

type failure struct {
	at      time.Time
	account string
}

type pair struct {
	src     netip.Prefix
	account string
}

// failures are failure times within the window, oldest first.
type failures struct{ at []time.Time }

// NewThrottle returns a throttle.
func NewThrottle(o ThrottleOptions) *Throttle {
	return &Throttle{o: o.withDefaults(), sources: map[netip.Prefix]*source{}, pairs: map[pair]*failures{}}
}

// SetOptions changes the budgets; logons already admitted keep their turn.
func (t *Throttle) SetOptions(o ThrottleOptions) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.o.Now
	o = o.withDefaults()
	if o.Now == nil {
		o.Now = now
	}
	t.o = o
}

// Options returns the budgets in force.
func (t *Throttle) Options() ThrottleOptions {
	if t == nil {
		return DefaultThrottleOptions()
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.o
}

// Why a logon is refused before its credentials are checked.
var (
	errBusy = errors.New("login: too many logons in progress")
)

// SourceOf is the unit a throttle counts: an IPv4 address, an IPv6 /64.
func SourceOf(ip netip.Addr) netip.Prefix {
	ip = ip.Unmap()
	if ip.Is4() || !ip.IsValid() {
		p, _ := ip.Prefix(ip.BitLen())
		return p
	}
	p, _ := ip.Prefix(64)
	return p
}

// accountKey folds a name as the directory does, so every spelling of one
// account shares its count; a delegate logon counts against the delegate,
// whose password it tries, whatever mailbox it names.
func accountKey(name string) string {
	if d, _, ok := SplitDelegate(name); ok {
		name = d
	}
	n, err := directory.Canonical(name)
	if err != nil {
		return ""
	}
	return n.Alias
}

// Turn is an admitted logon. Its owner waits Wait, checks the
// credentials, then reports the outcome with Done exactly once.
type Turn struct {
	t       *Throttle
	src     netip.Prefix
	account string
	// Wait is how long to wait before checking the credentials, unless
	// Ready closes first.
	Wait  time.Duration
	ready chan struct{}
}

// Ready closes when the turn may start before Wait has passed: a logon
// from the same source that came before it succeeded and gave its turn
// back. Nil (never ready early) for a turn that need not wait.
func (tu *Turn) Ready() <-chan struct{} { return tu.ready }

// Admit asks for a turn to check a logon from ip as name. It fails with
// ErrThrottled when the source must wait longer than MaxWait or has failed
// too often for this account, and with ErrTemporary when too many logons
// are in flight server-wide.
func (t *Throttle) Admit(ip netip.Addr, name string) (*Turn, error) {
	if t == nil {
		return &Turn{}, nil
	}
	now := t.o.Now()
	src, acct := SourceOf(ip), accountKey(name)
	t.mu.Lock()
	defer t.mu.Unlock()
	o := t.o
	if t.inFlight >= o.MaxInFlight {
		return nil, errors.Join(ErrTemporary, errBusy)
	}
	if f := t.pairs[pair{src, acct}]; f != nil && f.count(now, o.Window) >= o.PerAccountSource {
		return nil, ErrThrottled
	}
	s := t.source(src, now)
	if s == nil { // too many sources tracked: pace by the penalty alone
		t.inFlight++
		return &Turn{t: t, src: src, account: acct, Wait: o.penalty(1)}, nil
	}
	s.trim(now, o.Window)
	s.refill(now, o)
	if s.pending >= maxPendingPerSource {
		return nil, ErrThrottled
	}
	// The turn comes when the bucket holds one again: at the latest
	// (every logon before it fails), and at the soonest (every one
	// before it succeeds and gives its turn back). A logon is refused
	// when even the soonest is past MaxWait, or the latest far past it.
	latest, soonest := s.turnAt(now, s.tokens, o), s.turnAt(now, s.tokens+float64(s.pending), o)
	wait := latest.Sub(now)
	if soonest.Sub(now) > o.MaxWait || wait > 10*o.MaxWait {
		return nil, ErrThrottled
	}
	s.tokens--
	if n := len(s.fails); n > 0 {
		s.next = latest.Add(o.penalty(n))
	}
	s.pending++
	t.inFlight++
	tu := &Turn{t: t, src: src, account: acct, Wait: wait}
	if wait > 0 {
		tu.ready = make(chan struct{})
		s.waiters = append(s.waiters, tu)
	}
	return tu, nil
}

// turnAt is when a logon may start with tokens in the bucket: not before
// the penalty, and when the bucket holds one.
func (s *source) turnAt(now time.Time, tokens float64, o ThrottleOptions) time.Time {
	start := now
	if s.next.After(start) {
		start = s.next
	}
	if tokens < 1 {
		at := now.Add(time.Duration((1 - tokens) / o.rate() * float64(time.Second)))
		if at.After(start) {
			start = at
		}
	}
	return start
}

// release lets the oldest waiting turn start now, unless a failure's
// penalty still holds the source.
func (s *source) release(now time.Time) {
	if len(s.waiters) == 0 || s.next.After(now) {
		return
	}
	w := s.waiters[0]
	s.waiters = s.waiters[1:]
	close(w.ready)
}

// unwait removes tu from the waiters if it is still there.
func (s *source) unwait(tu *Turn) {
	for i, w := range s.waiters {
		if w == tu {
			s.waiters = append(s.waiters[:i], s.waiters[i+1:]...)
			return
		}
	}
}

// Outcome is what a checked logon came to.
type Outcome int

const (
	// Succeeded: the credentials were right.
	Succeeded Outcome = iota
	// Failed: the credentials (or the names) were wrong.
	Failed
	// Unanswered: the check could not be made (the directory failed, the
	// client left); the turn is given back and nothing is counted.
	Unanswered
)

// Done reports the outcome, once.
func (tu *Turn) Done(outcome Outcome) {
	t := tu.t
	if t == nil {
		return
	}
	tu.t = nil
	now := t.o.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.inFlight--
	s := t.sources[tu.src]
	if s != nil {
		s.pending--
		s.unwait(tu)
		if outcome != Failed {
			// A logon that guessed nothing gives its turn back, to
			// the oldest waiting if there is one.
			s.refill(now, t.o)
			s.tokens = min(s.tokens+1, t.o.burst())
			s.release(now)
		}
	}
	k := pair{tu.src, tu.account}
	switch outcome {
	case Unanswered:
		return
	case Succeeded:
		// A success forgives this source's failures for this account.
		delete(t.pairs, k)
		if s != nil {
			kept := s.fails[:0]
			for _, f := range s.fails {
				if f.account != tu.account {
					kept = append(kept, f)
				}
			}
			s.fails = kept
			// The penalty is that of the failures left.
			next := now
			if n := len(s.fails); n > 0 {
				next = s.fails[n-1].at.Add(t.o.penalty(n))
			}
			if next.Before(s.next) {
				s.next = next
			}
		}
		return
	}
	if s != nil {
		s.fails = append(s.fails, failure{at: now, account: tu.account})
		if p := now.Add(t.o.penalty(len(s.fails))); p.After(s.next) {
			s.next = p
		}
	}
	if tu.account == "" {
		return
	}
	f := t.pairs[k]
	if f == nil {
		if len(t.pairs) >= t.o.MaxKeys {
			for key, v := range t.pairs {
				if v.count(now, t.o.Window) == 0 {
					delete(t.pairs, key)
				}
			}
			if len(t.pairs) >= t.o.MaxKeys {
				return
			}
		}
		f = &failures{}
		t.pairs[k] = f
	}
	f.count(now, t.o.Window)
	f.at = append(f.at, now)
}

// source returns src's state, making it if there is room.
func (t *Throttle) source(src netip.Prefix, now time.Time) *source {
	if s := t.sources[src]; s != nil {
		return s
	}
	if len(t.sources) >= t.o.MaxKeys {
		for k, s := range t.sources {
			if s.idle(now, t.o) {
				delete(t.sources, k)
			}
		}
		if len(t.sources) >= t.o.MaxKeys {
			return nil
		}
	}
	s := &source{tokens: t.o.burst(), filled: now}
	t.sources[src] = s
	return s
}

// idle reports a source with nothing to remember.
func (s *source) idle(now time.Time, o ThrottleOptions) bool {
	s.trim(now, o.Window)
	s.refill(now, o)
	return s.pending == 0 && len(s.fails) == 0 && s.tokens >= o.burst() && !s.next.After(now)
}

func (s *source) refill(now time.Time, o ThrottleOptions) {
	if d := now.Sub(s.filled); d > 0 {
		s.tokens = min(s.tokens+d.Seconds()*o.rate(), o.burst())
		s.filled = now
	}
}

func (s *source) trim(now time.Time, window time.Duration) {
	i := 0
	for i < len(s.fails) && now.Sub(s.fails[i].at) >= window {
		i++
	}
	s.fails = s.fails[i:]
}

// count drops the failures older than the window and returns how many
// remain.
func (f *failures) count(now time.Time, window time.Duration) int {
	i := 0
	for i < len(f.at) && now.Sub(f.at[i]) >= window {
		i++
	}
	f.at = f.at[i:]
	return len(f.at)
}

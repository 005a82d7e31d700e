package login

import (
	"net/netip"
	"sync"
	"time"

	"github.com/postern/postern/internal/directory"
)

// ThrottleOptions configure a Throttle. Zero fields take the defaults.
type ThrottleOptions struct {
	// Window is how long a failed logon counts. Default 5 minutes.
	Window time.Duration
	// PerIP is the number of failures from one client address within
	// Window after which its attempts are refused. Default 20.
	PerIP int
	// PerAccount is the number of failures for one account name (as
	// directory.Canonical folds it) within Window after which attempts on
	// it are refused, from any address. Default 10.
	PerAccount int
	// MaxKeys bounds the addresses and names remembered; past it, expired
	// entries are dropped and new ones are not tracked. Default 100000.
	MaxKeys int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Throttle counts failed logons per client address and per account, so
// that password guessing across connections is slowed down and then
// refused, on top of the per-failure delay (Engine's FailureDelay, SMTP's
// AuthTarpitInterval). A refused attempt is answered like a failed one and
// checks no credential. It is safe for concurrent use; the zero value is
// not, use NewThrottle. A nil *Throttle allows everything.
type Throttle struct {
	o  ThrottleOptions
	mu sync.Mutex
	ip map[netip.Addr]*failures
	ac map[string]*failures
}

// failures are the failure times within the window, oldest first.
type failures struct{ at []time.Time }

// NewThrottle returns a throttle.
func NewThrottle(o ThrottleOptions) *Throttle {
	if o.Window <= 0 {
		o.Window = 5 * time.Minute
	}
	if o.PerIP <= 0 {
		o.PerIP = 20
	}
	if o.PerAccount <= 0 {
		o.PerAccount = 10
	}
	if o.MaxKeys <= 0 {
		o.MaxKeys = 100000
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Throttle{o: o, ip: map[netip.Addr]*failures{}, ac: map[string]*failures{}}
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

// Allow reports whether a logon from ip as name may be attempted now.
func (t *Throttle) Allow(ip netip.Addr, name string) bool {
	if t == nil {
		return true
	}
	now := t.o.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if f := t.ip[ip.Unmap()]; f != nil && f.count(now, t.o.Window) >= t.o.PerIP {
		return false
	}
	if k := accountKey(name); k != "" {
		if f := t.ac[k]; f != nil && f.count(now, t.o.Window) >= t.o.PerAccount {
			return false
		}
	}
	return true
}

// Failed records a failed logon from ip as name.
func (t *Throttle) Failed(ip netip.Addr, name string) {
	if t == nil {
		return
	}
	now := t.o.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	add(t.ip, ip.Unmap(), now, t.o)
	if k := accountKey(name); k != "" {
		add(t.ac, k, now, t.o)
	}
}

func add[K comparable](m map[K]*failures, k K, now time.Time, o ThrottleOptions) {
	f := m[k]
	if f == nil {
		if len(m) >= o.MaxKeys {
			for key, v := range m {
				if v.count(now, o.Window) == 0 {
					delete(m, key)
				}
			}
			if len(m) >= o.MaxKeys {
				return
			}
		}
		f = &failures{}
		m[k] = f
	}
	f.count(now, o.Window)
	f.at = append(f.at, now)
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

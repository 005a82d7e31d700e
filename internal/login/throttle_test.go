package login

import (
	"errors"
	"fmt"
	"net/netip"
	"testing"
	"time"
)

// clock is a fake time source for throttle tests.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

func newClock() *clock { return &clock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }

var (
	addrA = netip.MustParseAddr("192.0.2.1")
	addrB = netip.MustParseAddr("198.51.100.7")
)

// TestThrottleBudget simulates a guesser with 50 connections from one
// address for five minutes, each connection guessing again as soon as it
// is answered (or a second after a refusal): in no minute are more than
// PerMinute guesses checked, and the owner, from another address, is
// never delayed.
func TestThrottleBudget(t *testing.T) {
	t.Parallel()
	for _, conns := range []int{1, 10, 50} {
		c := newClock()
		th := NewThrottle(ThrottleOptions{Now: c.Now})
		start := c.now
		type conn struct {
			ready time.Time
			turn  *Turn
		}
		cs := make([]conn, conns)
		var checked []time.Time
		guesses := 0
		for step := 0; step < 3000; step++ { // 300 s in 100 ms steps
			c.now = start.Add(time.Duration(step) * 100 * time.Millisecond)
			for i := range cs {
				if cs[i].turn != nil && !c.now.Before(cs[i].ready) {
					cs[i].turn.Done(Failed)
					checked = append(checked, cs[i].ready)
					cs[i].turn, cs[i].ready = nil, c.now.Add(time.Second) // the failure delay
					continue
				}
				if cs[i].turn != nil || c.now.Before(cs[i].ready) {
					continue
				}
				guesses++ // a different account each time, as a sprayer does
				turn, err := th.Admit(addrA, fmt.Sprintf("user%d", guesses))
				switch {
				case errors.Is(err, ErrThrottled):
					cs[i].ready = c.now.Add(time.Second)
				case err != nil:
					t.Fatal(err)
				default:
					cs[i].turn, cs[i].ready = turn, c.now.Add(turn.Wait)
				}
			}
			if step%50 == 0 {
				turn, err := th.Admit(addrB, "alice")
				if err != nil || turn.Wait != 0 {
					t.Fatalf("%d connections: the owner at %v: %v, wait %v", conns, c.now.Sub(start), err, turn.Wait)
				}
				turn.Done(Succeeded)
			}
		}
		most := 0
		for i := range checked {
			n := 0
			for j := i; j < len(checked) && checked[j].Sub(checked[i]) < time.Minute; j++ {
				n++
			}
			most = max(most, n)
		}
		t.Logf("%d connections: %d guesses checked in 5 minutes, at most %d in a minute", conns, len(checked), most)
		if most > 20 {
			t.Errorf("%d connections: %d guesses checked in one minute, want at most 20", conns, most)
		}
		if len(checked) == 0 {
			t.Errorf("%d connections: nothing checked", conns)
		}
	}
}

// TestThrottlePenalty: a source's wait grows with its failures (2 s,
// doubling, capped at MaxPenalty); a success forgives its failures for
// that account only.
func TestThrottlePenalty(t *testing.T) {
	t.Parallel()
	c := newClock()
	th := NewThrottle(ThrottleOptions{Now: c.Now, PerMinute: 1000})
	var waits []time.Duration
	for range 6 {
		turn, err := th.Admit(addrA, "alice")
		if err != nil {
			t.Fatal(err)
		}
		waits = append(waits, turn.Wait)
		c.now = c.now.Add(turn.Wait)
		turn.Done(Failed)
	}
	want := []time.Duration{0, 2 * time.Second, 4 * time.Second, 8 * time.Second, 15 * time.Second, 15 * time.Second}
	for i := range want {
		if waits[i] != want[i] {
			t.Fatalf("waits %v, want %v", waits, want)
		}
	}
	// bob fails once from the same address; then alice logs on: her
	// failures are forgiven, bob's still count.
	c.now = c.now.Add(15 * time.Second)
	turn, _ := th.Admit(addrA, "bob")
	turn.Done(Failed)
	c.now = c.now.Add(15 * time.Second)
	turn, _ = th.Admit(addrA, "alice")
	turn.Done(Succeeded)
	turn, _ = th.Admit(addrA, "carol")
	if turn.Wait != 0 {
		t.Errorf("after alice's success, bob's failure 15 s old: wait %v, want 0", turn.Wait)
	}
	turn.Done(Failed)
	turn, _ = th.Admit(addrA, "dave")
	if turn.Wait != 4*time.Second {
		t.Errorf("two failures left (bob's, carol's): wait %v, want 4s", turn.Wait)
	}
	c.now = c.now.Add(turn.Wait)
	turn.Done(Succeeded)
	// The window passes: nothing is remembered.
	c.now = c.now.Add(5 * time.Minute)
	if turn, _ := th.Admit(addrA, "bob"); turn.Wait != 0 {
		t.Errorf("after the window: wait %v", turn.Wait)
	}
}

// TestThrottlePerAccountAndSource: failures for one account from one
// source refuse that pair only; the owner elsewhere and other accounts
// from that source go on.
func TestThrottlePerAccountAndSource(t *testing.T) {
	t.Parallel()
	c := newClock()
	th := NewThrottle(ThrottleOptions{Now: c.Now, PerAccountSource: 3, MaxPenalty: time.Second, PerMinute: 1000})
	for _, name := range []string{"alice", "Alice@mail.test", `MAIL\alice`} {
		turn, err := th.Admit(addrA, name)
		if err != nil {
			t.Fatal(err)
		}
		c.now = c.now.Add(turn.Wait)
		turn.Done(Failed)
	}
	c.now = c.now.Add(time.Second)
	// A delegate logon tries the delegate's password: it counts for them.
	for _, name := range []string{"alice", "alice@mail.test/shared", "mail/alice/other"} {
		if _, err := th.Admit(addrA, name); !errors.Is(err, ErrThrottled) {
			t.Errorf("%s from A after 3 failures: %v", name, err)
		}
	}
	if turn, err := th.Admit(addrB, "alice"); err != nil || turn.Wait != 0 {
		t.Errorf("alice from B: %v, wait %v", err, turn.Wait)
	} else {
		turn.Done(Succeeded)
	}
	if turn, err := th.Admit(addrA, "bob"); err != nil {
		t.Errorf("bob from A: %v", err)
	} else {
		turn.Done(Succeeded)
	}
}

// TestThrottleSources: an IPv6 /64 is one source; IPv4-mapped addresses
// are IPv4.
func TestThrottleSources(t *testing.T) {
	t.Parallel()
	same := [][2]string{{"2001:db8::1", "2001:db8::ffff:2"}, {"192.0.2.1", "::ffff:192.0.2.1"}}
	for _, p := range same {
		if SourceOf(netip.MustParseAddr(p[0])) != SourceOf(netip.MustParseAddr(p[1])) {
			t.Errorf("%s and %s are different sources", p[0], p[1])
		}
	}
	differ := [][2]string{{"2001:db8::1", "2001:db8:0:1::1"}, {"192.0.2.1", "192.0.2.2"}}
	for _, p := range differ {
		if SourceOf(netip.MustParseAddr(p[0])) == SourceOf(netip.MustParseAddr(p[1])) {
			t.Errorf("%s and %s are one source", p[0], p[1])
		}
	}
}

// TestThrottleInFlight: past MaxInFlight, logons are refused as a
// temporary failure until one is done.
func TestThrottleInFlight(t *testing.T) {
	t.Parallel()
	th := NewThrottle(ThrottleOptions{MaxInFlight: 2})
	t1, _ := th.Admit(addrA, "a")
	th.Admit(addrB, "b")
	if _, err := th.Admit(netip.MustParseAddr("203.0.113.1"), "c"); !errors.Is(err, ErrTemporary) {
		t.Fatalf("third in flight: %v", err)
	}
	t1.Done(Succeeded)
	t1.Done(Succeeded) // once only
	if _, err := th.Admit(netip.MustParseAddr("203.0.113.1"), "c"); err != nil {
		t.Fatalf("after one is done: %v", err)
	}
	// A nil throttle admits everything.
	var none *Throttle
	if turn, err := none.Admit(addrA, "x"); err != nil || turn.Wait != 0 {
		t.Error("nil throttle refused")
	}
}

func TestThrottleBounded(t *testing.T) {
	t.Parallel()
	th := NewThrottle(ThrottleOptions{MaxKeys: 10})
	for i := range 1000 {
		turn, err := th.Admit(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), "user"+string(rune('a'+i%26)))
		if err != nil {
			t.Fatal(err)
		}
		turn.Done(Failed)
	}
	if len(th.sources) > 10 || len(th.pairs) > 10 {
		t.Errorf("%d sources, %d pairs kept", len(th.sources), len(th.pairs))
	}
}

// TestThrottleManyGoodLogonsFromOneSource: clients behind one address
// starting together (an office behind NAT, a load generator) are not
// paced as guessers: each success gives its turn to the oldest waiting
// logon at once, and none is refused.
func TestThrottleManyGoodLogonsFromOneSource(t *testing.T) {
	th := NewThrottle(ThrottleOptions{})
	ip := netip.MustParseAddr("192.0.2.7")
	start := time.Now()
	var turns []*Turn
	for i := 0; i < 60; i++ {
		tu, err := th.Admit(ip, fmt.Sprintf("user%d@example.com", i))
		if err != nil {
			t.Fatalf("logon %d refused: %v", i, err)
		}
		turns = append(turns, tu)
	}
	for i, tu := range turns {
		if tu.Wait > 0 {
			select {
			case <-tu.Ready():
			case <-time.After(5 * time.Second):
				t.Fatalf("logon %d (wait %s) not released by the successes before it", i, tu.Wait)
			}
		}
		tu.Done(Succeeded)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("60 good logons from one source took %s", took)
	}
	// Failures release nobody: a guesser's queue keeps its pace.
	bad := netip.MustParseAddr("192.0.2.8")
	var waiting []*Turn
	for i := 0; i < 10; i++ {
		tu, err := th.Admit(bad, "victim@example.com")
		if err != nil {
			break
		}
		waiting = append(waiting, tu)
	}
	for _, tu := range waiting {
		if tu.Wait == 0 {
			tu.Done(Failed)
		}
	}
	for i, tu := range waiting {
		if tu.Wait == 0 {
			continue
		}
		select {
		case <-tu.Ready():
			t.Fatalf("waiting logon %d released by failures", i)
		default:
		}
		tu.Done(Unanswered)
	}
}

package login

import (
	"net/netip"
	"testing"
	"time"
)

func TestThrottle(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	th := NewThrottle(ThrottleOptions{PerIP: 3, PerAccount: 2, Window: time.Minute, MaxKeys: 4, Now: func() time.Time { return now }})
	a, b := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("::ffff:192.0.2.2")
	// Per account, whatever the spelling and the address.
	th.Failed(a, "alice")
	if !th.Allow(b, "alice@mail.test") {
		t.Fatal("refused after one failure")
	}
	th.Failed(b, `MAIL\Alice`)
	if th.Allow(netip.MustParseAddr("198.51.100.9"), "ALICE@mail.test") {
		t.Error("alice allowed after two failures")
	}
	// A delegate logon tries the delegate's password: it counts for them,
	// whatever mailbox it names.
	for _, name := range []string{"alice@mail.test/shared", "mail/alice/other"} {
		if th.Allow(netip.MustParseAddr("198.51.100.9"), name) {
			t.Errorf("%s allowed after alice's two failures", name)
		}
	}
	if !th.Allow(a, "bob") {
		t.Error("bob refused")
	}
	// Per address, whatever the account.
	th.Failed(a, "carol")
	th.Failed(a, "dave")
	if th.Allow(a, "erin") {
		t.Error("address allowed after three failures")
	}
	if !th.Allow(netip.MustParseAddr("192.0.2.2"), "erin") {
		t.Error("the IPv4-mapped and plain forms differ, or b was counted for a")
	}
	// The window passes.
	now = now.Add(time.Minute)
	if !th.Allow(a, "alice") {
		t.Error("still refused after the window")
	}
	// A nil throttle allows everything.
	var none *Throttle
	none.Failed(a, "x")
	if !none.Allow(a, "x") {
		t.Error("nil throttle refused")
	}
}

func TestThrottleBounded(t *testing.T) {
	t.Parallel()
	th := NewThrottle(ThrottleOptions{MaxKeys: 10})
	for i := range 1000 {
		th.Failed(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), "user"+string(rune('a'+i%26)))
	}
	if len(th.ip) > 10 || len(th.ac) > 10 {
		t.Errorf("%d addresses, %d accounts kept", len(th.ip), len(th.ac))
	}
}

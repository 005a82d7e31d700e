package queue

import "time"

// Schedule says when a temporarily failed recipient is tried again and
// when it expires.
type Schedule struct {
	// Intervals are the waits after the first, second, ... failed
	// attempt; the last one repeats.
	Intervals []time.Duration
	// Expiration is Exchange's MessageExpirationTimeout: a recipient still
	// failing this long after the message arrived is given up, with a DSN.
	Expiration time.Duration
	// DelayNotification is Exchange's DelayNotificationTimeout: a
	// recipient still failing this long after the message arrived gets
	// one "delayed" DSN (RFC 3464 Action: delayed); negative sends none.
	DelayNotification time.Duration
}

// DefaultSchedule backs off from one minute to an hour, and expires after
// two days (Exchange's MessageExpirationTimeout default).
func DefaultSchedule() Schedule {
	return Schedule{
		Intervals:         []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour},
		Expiration:        48 * time.Hour,
		DelayNotification: 4 * time.Hour,
	}
}

// After is the wait after the attempts-th failed attempt (1 for the
// first).
func (s Schedule) After(attempts int) time.Duration {
	if len(s.Intervals) == 0 {
		return DefaultSchedule().After(attempts)
	}
	i := min(max(attempts, 1), len(s.Intervals)) - 1
	return s.Intervals[i]
}

// expired reports whether a message that arrived at created is past its
// expiration at now.
func (s Schedule) expired(created, now time.Time) bool {
	exp := s.Expiration
	if exp <= 0 {
		exp = DefaultSchedule().Expiration
	}
	return now.Sub(created) >= exp
}

// delayDue reports whether a recipient of a message that arrived at
// created is due its delay DSN at now.
func (s Schedule) delayDue(created, now time.Time) bool {
	d := s.DelayNotification
	if d == 0 {
		d = DefaultSchedule().DelayNotification
	}
	return d > 0 && now.Sub(created) >= d && !s.expired(created, now)
}

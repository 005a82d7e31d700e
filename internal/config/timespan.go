package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// TimeSpan is Exchange's EnhancedTimeSpan: a duration written [d.]hh:mm:ss.
// It wraps time.Duration; convert with Duration or TimeSpan(d).
type TimeSpan time.Duration

// timeSpanSyntax describes the accepted input, for error messages.
const timeSpanSyntax = "[d.]hh:mm:ss with hh 0-23, mm 0-59, ss 0-59 (for example 00:30:00 or 1.00:00:00)"

// maxTimeSpanDays keeps every accepted value inside time.Duration's range
// (about 106751.99 days).
const maxTimeSpanDays = 106750

// ParseTimeSpan parses the EnhancedTimeSpan input syntax [d.]hh:mm:ss, with
// surrounding spaces ignored. Hours, minutes and seconds take one or two
// digits (1:00:00 is an hour) and are bounded like .NET's TimeSpan (hh ≤ 23,
// mm and ss ≤ 59); days take up to six digits. Signs, fractions of a second
// and the short forms hh:mm or a bare number are refused: Exchange documents
// only [d.]hh:mm:ss.
func ParseTimeSpan(text string) (TimeSpan, error) {
	s := strings.TrimSpace(text)
	bad := func() (TimeSpan, error) {
		return 0, syntaxError("EnhancedTimeSpan", text, timeSpanSyntax)
	}
	var days int64
	if dot := strings.IndexByte(s, '.'); dot >= 0 {
		d, ok := parseDigits(s[:dot], 1, 6)
		if !ok || d > maxTimeSpanDays {
			return bad()
		}
		days, s = d, s[dot+1:]
	}
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return bad()
	}
	limits := [3]int64{23, 59, 59}
	var hms [3]int64
	for i, p := range parts {
		v, ok := parseDigits(p, 1, 2)
		if !ok || v > limits[i] {
			return bad()
		}
		hms[i] = v
	}
	total := time.Duration(days)*24*time.Hour +
		time.Duration(hms[0])*time.Hour +
		time.Duration(hms[1])*time.Minute +
		time.Duration(hms[2])*time.Second
	return TimeSpan(total), nil
}

// parseDigits parses s as an unsigned decimal of minLen to maxLen ASCII
// digits (no sign, no spaces); maxLen must be at most 18.
func parseDigits(s string, minLen, maxLen int) (int64, bool) {
	if len(s) < minLen || len(s) > maxLen {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	return v, err == nil
}

// Duration returns t as a time.Duration.
func (t TimeSpan) Duration() time.Duration { return time.Duration(t) }

// String returns the Exchange display form, .NET's constant ("c") TimeSpan
// format: [-][d.]hh:mm:ss, e.g. 00:30:00 or 1.00:00:00. A value with a
// fraction of a second (never produced by ParseTimeSpan) shows it as
// .fffffff in 100 ns ticks, as .NET does.
func (t TimeSpan) String() string {
	var b strings.Builder
	u := uint64(t)
	if t < 0 {
		b.WriteByte('-')
		if t == math.MinInt64 {
			u = uint64(math.MaxInt64) + 1
		} else {
			u = uint64(-t)
		}
	}
	sec := u / uint64(time.Second)
	frac := u % uint64(time.Second)
	days := sec / 86400
	if days > 0 {
		fmt.Fprintf(&b, "%d.", days)
	}
	fmt.Fprintf(&b, "%02d:%02d:%02d", sec/3600%24, sec/60%60, sec%60)
	if ticks := frac / 100; ticks > 0 {
		fmt.Fprintf(&b, ".%07d", ticks)
	}
	return b.String()
}

// MarshalText encodes t in its display form, so JSON holds "00:30:00".
func (t TimeSpan) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText decodes the input syntax accepted by ParseTimeSpan.
func (t *TimeSpan) UnmarshalText(b []byte) error {
	v, err := ParseTimeSpan(string(b))
	if err != nil {
		return err
	}
	*t = v
	return nil
}

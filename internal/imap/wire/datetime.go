package wire

import (
	"errors"
	"strings"
	"time"
)

// ErrDate reports an invalid date or date-time.
var ErrDate = errors.New("imap: invalid date")

// DateTimeLayout is the time layout of date-time (RFC 3501 §9), as used in
// INTERNALDATE and APPEND, without its quotes.
const DateTimeLayout = "02-Jan-2006 15:04:05 -0700"

// months in date-month order, three letters each.
const months = "janfebmaraprmayjunjulaugsepoctnovdec"

// ParseDate parses date-text: date-day "-" date-month "-" date-year, as
// "1-Feb-1994" or "01-feb-1994" (RFC 3501 §9). The result is midnight UTC;
// SEARCH compares dates disregarding time and zone (§6.4.4).
func ParseDate(s string) (time.Time, error) {
	ds, rest, ok1 := strings.Cut(s, "-")
	ms, ys, ok2 := strings.Cut(rest, "-")
	if !ok1 || !ok2 || len(ds) < 1 || len(ds) > 2 || len(ms) != 3 || len(ys) != 4 {
		return time.Time{}, ErrDate
	}
	day, okd := digits(ds)
	year, oky := digits(ys)
	mi := strings.Index(months, strings.ToLower(ms))
	if !okd || !oky || mi < 0 || mi%3 != 0 {
		return time.Time{}, ErrDate
	}
	month := time.Month(mi/3 + 1)
	t := time.Date(year, month, day, 0, 0, 0, 0, time.UTC)
	if day < 1 || t.Day() != day || t.Month() != month {
		return time.Time{}, ErrDate
	}
	return t, nil
}

// ParseDateTime parses date-time without its quotes:
// "dd-Mon-yyyy hh:mm:ss +zzzz", where the day may also be " d" (RFC 3501
// date-day-fixed) or, liberally, "d". The result is in a fixed zone with
// the given offset.
func ParseDateTime(s string) (time.Time, error) {
	s = strings.TrimPrefix(s, " ")
	date, rest, ok1 := strings.Cut(s, " ")
	clock, zone, ok2 := strings.Cut(rest, " ")
	if !ok1 || !ok2 || len(clock) != 8 || clock[2] != ':' || clock[5] != ':' || len(zone) != 5 {
		return time.Time{}, ErrDate
	}
	d, err := ParseDate(date)
	if err != nil {
		return time.Time{}, err
	}
	h, ok1 := digits(clock[0:2])
	m, ok2 := digits(clock[3:5])
	sec, ok3 := digits(clock[6:8])
	zh, ok4 := digits(zone[1:3])
	zm, ok5 := digits(zone[3:5])
	sign := zone[0]
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || h > 23 || m > 59 || sec > 59 || zh > 23 || zm > 59 || sign != '+' && sign != '-' {
		return time.Time{}, ErrDate
	}
	off := zh*3600 + zm*60
	if sign == '-' {
		off = -off
	}
	loc := time.FixedZone("", off)
	return time.Date(d.Year(), d.Month(), d.Day(), h, m, sec, 0, loc), nil
}

// digits parses a short run of decimal digits.
func digits(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

// FormatDateTime formats t as date-time without quotes, for INTERNALDATE.
func FormatDateTime(t time.Time) string { return t.Format(DateTimeLayout) }

// FormatDate formats t's calendar date as date-text ("1-Feb-1994").
func FormatDate(t time.Time) string { return t.Format("2-Jan-2006") }

// Date reads a date (SEARCH BEFORE, ON, ...): date-text, optionally quoted.
func (p *Parser) Date() time.Time {
	if !p.begin("date") {
		return time.Time{}
	}
	var s string
	if p.s[p.pos] == '"' {
		s = p.StringArg()
	} else {
		s = p.Atom()
	}
	if p.err != nil {
		return time.Time{}
	}
	t, err := ParseDate(s)
	if err != nil {
		p.fail("Invalid date")
	}
	return t
}

// DateTime reads a quoted date-time (APPEND).
func (p *Parser) DateTime() time.Time {
	if !p.begin("date-time") {
		return time.Time{}
	}
	if p.s[p.pos] != '"' {
		p.fail("Invalid date-time")
		return time.Time{}
	}
	s := p.StringArg()
	if p.err != nil {
		return time.Time{}
	}
	t, err := ParseDateTime(s)
	if err != nil {
		p.fail("Invalid date-time")
	}
	return t
}

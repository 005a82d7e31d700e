package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// LogonSettings are the budgets of the logon throttle that every logon
// path of the server shares (POP3, IMAP4, SMTP AUTH, the web sign-in, the
// remote admin API): Postern's own settings, shown by `postern login
// show` and changed by `postern login set`, in force at once.
// The server's DefaultLogonSettings are the throttle's defaults.
type LogonSettings struct {
	// LogonsPerMinute: logons whose password is checked, per source (an
	// IPv4 address, an IPv6 /64) in any minute; a correct one gives its
	// turn back.
	LogonsPerMinute int `json:"LogonsPerMinute"`
	// MaxFailurePenalty caps the wait before a failing source's next
	// check: 2 s after its first failure, doubling.
	MaxFailurePenalty TimeSpan `json:"MaxFailurePenalty"`
	// FailureWindow is how long a failure counts.
	FailureWindow TimeSpan `json:"FailureWindow"`
	// FailuresPerAccountAndSource refuse one account from one source (and
	// only from it).
	FailuresPerAccountAndSource int `json:"FailuresPerAccountAndSource"`
	// MaxLogonWait: a logon that would wait longer for its turn is refused
	// at once.
	MaxLogonWait TimeSpan `json:"MaxLogonWait"`
	// MaxLogonsInFlight bounds the logons waiting or being checked at once.
	MaxLogonsInFlight int `json:"MaxLogonsInFlight"`
	// FailureDelay: a failed POP3 or IMAP4 logon is answered this long
	// after its command, whatever failed (SMTP has its connectors'
	// AuthTarpitInterval).
	FailureDelay TimeSpan `json:"FailureDelay"`
}

// Validate checks the settings.
func (l LogonSettings) Validate() error {
	if l.LogonsPerMinute < 1 || l.FailuresPerAccountAndSource < 1 || l.MaxLogonsInFlight < 1 {
		return errors.New("LogonsPerMinute, FailuresPerAccountAndSource and MaxLogonsInFlight must be at least 1")
	}
	if l.MaxFailurePenalty < TimeSpan(time.Second) || l.FailureWindow < TimeSpan(time.Second) || l.MaxLogonWait < TimeSpan(time.Second) {
		return errors.New("MaxFailurePenalty, FailureWindow and MaxLogonWait must be at least 00:00:01")
	}
	if l.FailureDelay < 0 || l.FailureDelay > TimeSpan(time.Minute) {
		return errors.New("FailureDelay must be from 00:00:00 to 00:01:00")
	}
	return nil
}

// Set changes one setting by name (case-insensitive).
func (l *LogonSettings) Set(name, value string) error {
	var n *int
	var d *TimeSpan
	switch strings.ToLower(name) {
	case "logonsperminute":
		n = &l.LogonsPerMinute
	case "failuresperaccountandsource":
		n = &l.FailuresPerAccountAndSource
	case "maxlogonsinflight":
		n = &l.MaxLogonsInFlight
	case "maxfailurepenalty":
		d = &l.MaxFailurePenalty
	case "failurewindow":
		d = &l.FailureWindow
	case "maxlogonwait":
		d = &l.MaxLogonWait
	case "failuredelay":
		d = &l.FailureDelay
	default:
		return fmt.Errorf("no logon setting %q (LogonsPerMinute, MaxFailurePenalty, FailureWindow, FailuresPerAccountAndSource, MaxLogonWait, MaxLogonsInFlight, FailureDelay)", name)
	}
	if n != nil {
		v, err := strconv.Atoi(value)
		if err != nil {
			return fmt.Errorf("%s: %q is not a whole number", name, value)
		}
		*n = v
		return nil
	}
	v, err := ParseTimeSpan(value)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	*d = v
	return nil
}

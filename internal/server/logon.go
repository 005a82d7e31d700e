package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/postern/postern/internal/config"
	"github.com/postern/postern/internal/directory"
	"github.com/postern/postern/internal/login"
)

// keyLogon is the directory key of the logon settings.
const keyLogon = "logon"

// LogonSettings are the budgets of the logon throttle that every logon
// path of the server shares (POP3, IMAP4, SMTP AUTH, the web sign-in, the
// remote admin API): Postern's own settings, shown by `postern login
// show` and changed by `postern login set`, in force at once.
type LogonSettings struct {
	// LogonsPerMinute: logons whose password is checked, per source (an
	// IPv4 address, an IPv6 /64) in any minute; a correct one gives its
	// turn back.
	LogonsPerMinute int `json:"LogonsPerMinute"`
	// MaxFailurePenalty caps the wait before a failing source's next
	// check: 2 s after its first failure, doubling.
	MaxFailurePenalty config.TimeSpan `json:"MaxFailurePenalty"`
	// FailureWindow is how long a failure counts.
	FailureWindow config.TimeSpan `json:"FailureWindow"`
	// FailuresPerAccountAndSource refuse one account from one source (and
	// only from it).
	FailuresPerAccountAndSource int `json:"FailuresPerAccountAndSource"`
	// MaxLogonWait: a logon that would wait longer for its turn is refused
	// at once.
	MaxLogonWait config.TimeSpan `json:"MaxLogonWait"`
	// MaxLogonsInFlight bounds the logons waiting or being checked at once.
	MaxLogonsInFlight int `json:"MaxLogonsInFlight"`
	// FailureDelay: a failed POP3 or IMAP4 logon is answered this long
	// after its command, whatever failed (SMTP has its connectors'
	// AuthTarpitInterval).
	FailureDelay config.TimeSpan `json:"FailureDelay"`
}

// DefaultLogonSettings are login's defaults.
func DefaultLogonSettings() LogonSettings {
	d := login.DefaultThrottleOptions()
	return LogonSettings{
		LogonsPerMinute:             d.PerMinute,
		MaxFailurePenalty:           config.TimeSpan(d.MaxPenalty),
		FailureWindow:               config.TimeSpan(d.Window),
		FailuresPerAccountAndSource: d.PerAccountSource,
		MaxLogonWait:                config.TimeSpan(d.MaxWait),
		MaxLogonsInFlight:           d.MaxInFlight,
		FailureDelay:                config.TimeSpan(d.FailureDelay),
	}
}

// throttleOptions are the settings as the throttle takes them.
func (l LogonSettings) throttleOptions() login.ThrottleOptions {
	return login.ThrottleOptions{
		PerMinute:        l.LogonsPerMinute,
		MaxPenalty:       l.MaxFailurePenalty.Duration(),
		Window:           l.FailureWindow.Duration(),
		PerAccountSource: l.FailuresPerAccountAndSource,
		MaxWait:          l.MaxLogonWait.Duration(),
		MaxInFlight:      l.MaxLogonsInFlight,
		FailureDelay:     noneIfZero(l.FailureDelay.Duration()),
	}
}

// noneIfZero turns a setting's zero (no delay) into the throttle's word
// for none, since the throttle's zero means its default.
func noneIfZero(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}

// Validate checks the settings.
func (l LogonSettings) Validate() error {
	if l.LogonsPerMinute < 1 || l.FailuresPerAccountAndSource < 1 || l.MaxLogonsInFlight < 1 {
		return errors.New("LogonsPerMinute, FailuresPerAccountAndSource and MaxLogonsInFlight must be at least 1")
	}
	if l.MaxFailurePenalty < config.TimeSpan(time.Second) || l.FailureWindow < config.TimeSpan(time.Second) || l.MaxLogonWait < config.TimeSpan(time.Second) {
		return errors.New("MaxFailurePenalty, FailureWindow and MaxLogonWait must be at least 00:00:01")
	}
	if l.FailureDelay < 0 || l.FailureDelay > config.TimeSpan(time.Minute) {
		return errors.New("FailureDelay must be from 00:00:00 to 00:01:00")
	}
	return nil
}

// Logon returns the logon settings.
func (s *Server) Logon(ctx context.Context) (LogonSettings, error) {
	l := DefaultLogonSettings()
	b, err := s.dir.Setting(ctx, s.name, keyLogon)
	if errors.Is(err, directory.ErrNotFound) {
		return l, nil
	}
	if err != nil {
		return l, err
	}
	if err := json.Unmarshal(b, &l); err != nil {
		return l, fmt.Errorf("logon settings: %w", err)
	}
	return l, nil
}

// SetLogon changes logon settings by name (case-insensitive), e.g.
// LogonsPerMinute=10, MaxFailurePenalty=00:00:30; they apply to the
// running services at once. Nothing is stored if any value is wrong.
func (s *Server) SetLogon(ctx context.Context, values map[string]string) (LogonSettings, error) {
	l, err := s.Logon(ctx)
	if err != nil {
		return l, err
	}
	c, err := editCopy(l, func(c *LogonSettings) error {
		keys := make([]string, 0, len(values))
		for k := range values {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if err := c.set(k, values[k]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return l, err
	}
	if err := s.saveJSON(ctx, keyLogon, c); err != nil {
		return l, err
	}
	s.throttle.SetOptions(c.throttleOptions())
	return c, nil
}

// set changes one setting by name.
func (l *LogonSettings) set(name, value string) error {
	var n *int
	var d *config.TimeSpan
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
	v, err := config.ParseTimeSpan(value)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	*d = v
	return nil
}

// Throttle is the logon throttle every logon path of the server shares.
func (s *Server) Throttle() *login.Throttle { return s.throttle }

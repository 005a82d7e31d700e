package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/postern/postern/internal/config"
	"github.com/postern/postern/internal/directory"
	"github.com/postern/postern/internal/login"
)

// keyLogon is the directory key of the logon settings.
const keyLogon = "logon"

// DefaultLogonSettings are login's defaults.
func DefaultLogonSettings() config.LogonSettings {
	d := login.DefaultThrottleOptions()
	return config.LogonSettings{
		LogonsPerMinute:             d.PerMinute,
		MaxFailurePenalty:           config.TimeSpan(d.MaxPenalty),
		FailureWindow:               config.TimeSpan(d.Window),
		FailuresPerAccountAndSource: d.PerAccountSource,
		MaxLogonWait:                config.TimeSpan(d.MaxWait),
		MaxLogonsInFlight:           d.MaxInFlight,
		FailureDelay:                config.TimeSpan(d.FailureDelay),
	}
}

// throttleOptions are the logon settings as the throttle takes them.
func throttleOptions(l config.LogonSettings) login.ThrottleOptions {
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

// Logon returns the logon settings.
func (s *Server) Logon(ctx context.Context) (config.LogonSettings, error) {
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
func (s *Server) SetLogon(ctx context.Context, values map[string]string) (config.LogonSettings, error) {
	l, err := s.Logon(ctx)
	if err != nil {
		return l, err
	}
	c, err := editCopy(l, func(c *config.LogonSettings) error {
		keys := make([]string, 0, len(values))
		for k := range values {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if err := c.Set(k, values[k]); err != nil {
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
	s.throttle.SetOptions(throttleOptions(c))
	return c, nil
}

// Throttle is the logon throttle every logon path of the server shares.
func (s *Server) Throttle() *login.Throttle { return s.throttle }

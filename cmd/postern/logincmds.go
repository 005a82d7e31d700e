package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/postern/postern/internal/config"
)

// login shows or changes the logon throttle's budgets.
func (c *cli) login(ctx context.Context, args []string) error {
	var l config.LogonSettings
	var err error
	switch {
	case len(args) == 1 && args[0] == "show":
		if l, err = c.client().Logon(ctx); err != nil {
			return err
		}
	case len(args) >= 2 && args[0] == "set":
		values := map[string]string{}
		for _, a := range args[1:] {
			k, v, ok := strings.Cut(a, "=")
			if !ok {
				return errUsage
			}
			values[k] = v
		}
		if l, err = c.client().SetLogon(ctx, values); err != nil {
			return err
		}
	default:
		return errUsage
	}
	fmt.Fprintf(c.out, "LogonsPerMinute             : %d\nMaxFailurePenalty           : %s\nFailureWindow               : %s\nFailuresPerAccountAndSource : %d\nMaxLogonWait                : %s\nMaxLogonsInFlight           : %d\nFailureDelay                : %s\n",
		l.LogonsPerMinute, l.MaxFailurePenalty, l.FailureWindow, l.FailuresPerAccountAndSource, l.MaxLogonWait, l.MaxLogonsInFlight, l.FailureDelay)
	return nil
}

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/postern/postern/internal/admin/api"
	"github.com/postern/postern/internal/config"
)

// queueUsage documents the queue verbs, for the usage text.
const queueUsage = `Outbound queue (the transport service delivers it):
  queue list                             Get-Queue / Get-Message: id, sender, recipients, state, attempts, next retry, last error
  queue retry ID|--all                   Retry-Queue: try the pending recipients now
  queue remove ID                        Remove-Message -WithNDR $false
  transport set --resolve DOMAIN=HOST:PORT [--resolve DOMAIN= ...]   test resolver (DOMAIN= removes)
  transport set RetryIntervals=00:01:00,00:05:00 MessageExpirationTimeout=2.00:00:00
                DelayNotificationTimeout=04:00:00 LoopbackOnly=$true
`

// queue runs the `postern queue` verbs over the admin API.
func (c *cli) queue(ctx context.Context, args []string) error {
	cl := c.client()
	switch {
	case len(args) == 1 && args[0] == "list":
		list, err := cl.Queue(ctx)
		if err != nil {
			return err
		}
		printQueue(c.out, list)
		return nil
	case len(args) == 2 && args[0] == "retry":
		req := api.QueueRequest{All: args[1] == "--all" || args[1] == "-all"}
		if !req.All {
			id, err := strconv.ParseInt(args[1], 10, 64)
			if err != nil || id <= 0 {
				return fmt.Errorf("queue retry: %q is not a message id", args[1])
			}
			req.ID = id
		}
		res, err := cl.RetryQueue(ctx, req)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.out, "%d message(s) retried\n", res.Messages)
		return nil
	case len(args) == 2 && args[0] == "remove":
		id, err := strconv.ParseInt(args[1], 10, 64)
		if err != nil || id <= 0 {
			return fmt.Errorf("queue remove: %q is not a message id", args[1])
		}
		if err := cl.RemoveQueued(ctx, id); err != nil {
			return err
		}
		fmt.Fprintf(c.out, "message %d removed\n", id)
		return nil
	}
	fmt.Fprint(os.Stderr, queueUsage)
	return errUsage
}

// printQueue shows one line per recipient, under its message.
func printQueue(w io.Writer, ql api.QueueList) {
	list := ql.Messages
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "Id\tFromAddress\tRecipient\tStatus\tAttempts\tNextRetryTime\tLastError")
	for _, m := range list {
		for i, r := range m.Recipients {
			id, from := strconv.FormatInt(m.ID, 10), m.Sender
			if from == "" {
				from = "<>"
			}
			if i > 0 {
				id, from = "", ""
			}
			next := ""
			if r.State == api.StateReady || r.State == api.StateRetry {
				next = r.NextRetry.Local().Format(time.DateTime)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", id, from, r.Address, r.State, r.Attempts, next, oneLine(r.LastError))
		}
	}
	tw.Flush()
	if ql.Total > len(list) {
		fmt.Fprintf(w, "%d message(s), the oldest %d shown\n", ql.Total, len(list))
		return
	}
	fmt.Fprintf(w, "%d message(s)\n", len(list))
}

func oneLine(s string) string {
	return strings.NewReplacer("\r", " ", "\n", " ", "\t", " ").Replace(s)
}

// transportOutbound runs `postern transport set` for the outbound
// settings.
func (c *cli) transportOutbound(ctx context.Context, args []string) (config.TransportSettings, error) {
	var req api.OutboundRequest
	var tr config.TransportSettings
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--resolve" || a == "-resolve":
			if i+1 == len(args) {
				return tr, fmt.Errorf("--resolve needs DOMAIN=HOST:PORT")
			}
			req.Resolve = append(req.Resolve, args[i+1])
			i++
		case strings.HasPrefix(a, "--resolve="):
			req.Resolve = append(req.Resolve, strings.TrimPrefix(a, "--resolve="))
		default:
			k, v, ok := strings.Cut(a, "=")
			if !ok {
				return tr, errUsage
			}
			switch strings.ToLower(k) {
			case "retryintervals":
				req.RetryIntervals = &v
			case "messageexpirationtimeout":
				req.MessageExpirationTimeout = &v
			case "delaynotificationtimeout":
				req.DelayNotificationTimeout = &v
			case "loopbackonly":
				b, err := parseBool(v)
				if err != nil {
					return tr, err
				}
				req.LoopbackOnly = &b
			default:
				return tr, fmt.Errorf("transport set: unknown setting %q", k)
			}
		}
	}
	return c.client().SetOutbound(ctx, req)
}

func parseBool(v string) (bool, error) {
	switch strings.ToLower(strings.TrimPrefix(v, "$")) {
	case "true", "1", "yes":
		return true, nil
	case "false", "0", "no":
		return false, nil
	}
	return false, fmt.Errorf("%q is not $true or $false", v)
}

// printOutbound shows the outbound settings after the LMTP ones.
func printOutbound(w io.Writer, tr config.TransportSettings) {
	var res []string
	for d, hp := range tr.Resolve {
		res = append(res, d+"="+hp)
	}
	var iv []string
	for _, t := range tr.RetryIntervals {
		iv = append(iv, t.String())
	}
	if len(iv) == 0 {
		iv = []string{"(default) 00:01:00, 00:05:00, 00:15:00, 00:30:00, 01:00:00"}
	}
	span := func(t config.TimeSpan, deflt string) string {
		if t == 0 {
			return "(default) " + deflt
		}
		return t.String()
	}
	fmt.Fprintf(w, "Resolve                  : {%s}\nLoopbackOnly             : %v\nRetryIntervals           : {%s}\nMessageExpirationTimeout : %s\nDelayNotificationTimeout : %s\n",
		strings.Join(res, ", "), tr.LoopbackOnly, strings.Join(iv, ", "), span(tr.MessageExpirationTimeout, "2.00:00:00"),
		span(tr.DelayNotificationTimeout, "04:00:00"))
}

package main

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/postern/postern/internal/admin/api"
)

// movePoll is how often `mailbox move` asks how the move stands.
const movePoll = 200 * time.Millisecond

// mailboxMove is `mailbox move ADDRESS DATABASE` (New-MoveRequest, then
// waiting for the end) and `mailbox moves` (Get-MoveRequest).
func (c *cli) mailboxMove(ctx context.Context, args []string) error {
	cl := c.client()
	switch {
	case len(args) == 1 && args[0] == "moves":
		list, err := cl.MoveRequests(ctx, "")
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(c.out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "Identity\tStatus\tSource\tTarget\tMessages\tPercent\tCompleted")
		for _, m := range list {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d/%d\t%d%%\t%s\n", m.Identity, m.Status, m.SourceDatabase, m.TargetDatabase,
				m.MessagesCopied, m.MessagesTotal, m.PercentComplete(), m.CompleteTime)
		}
		return tw.Flush()
	case len(args) == 3 && args[0] == "move":
		m, err := cl.NewMoveRequest(ctx, args[1], args[2])
		if err != nil {
			return err
		}
		for m.Status == api.MoveQueued || m.Status == api.MoveInProgress {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(movePoll):
			}
			list, err := cl.MoveRequests(ctx, m.Identity)
			if err != nil {
				return err
			}
			if len(list) != 1 {
				return fmt.Errorf("the move request of %s is gone", m.Identity)
			}
			m = list[0]
		}
		fmt.Fprintf(c.out, "%s: %s, %s -> %s, %d folders and %d of %d messages copied\n", m.Identity, m.Status,
			m.SourceDatabase, m.TargetDatabase, m.FoldersCopied, m.MessagesCopied, m.MessagesTotal)
		if m.Status == api.MoveFailed {
			return errors.New("the move failed: " + m.Error)
		}
		if m.Note != "" {
			fmt.Fprintln(c.out, m.Note)
		}
		return nil
	}
	return errUsage
}

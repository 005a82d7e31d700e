package main

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/postern/postern/internal/server"
)

// backup asks the running server for an online backup.
func (c *cli) backup(ctx context.Context, args []string) error {
	if len(args) != 1 {
		return errUsage
	}
	dir, err := filepath.Abs(args[0])
	if err != nil {
		return err
	}
	rep, err := c.client().Backup(ctx, dir)
	if err != nil {
		return err
	}
	for _, d := range rep.Databases {
		fmt.Fprintf(c.out, "%s: %d messages, %d message files (%d copied, the rest hard-linked)\n", d.Name, d.Messages, d.Files, d.Copied)
	}
	fmt.Fprintf(c.out, "backup in %s (%s); restore it with: postern --data NEW-FOLDER restore %s\n", rep.Dir, rep.Took, rep.Dir)
	return nil
}

// restore brings a backup back into the data folder, with the server
// stopped.
func (c *cli) restore(args []string) error {
	if len(args) != 1 {
		return errUsage
	}
	n, err := server.Restore(args[0], c.dataDir)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.out, "restored %s into %s (%d mailbox databases); start it with: postern --data %s serve\n", args[0], c.dataDir, n, c.dataDir)
	return nil
}

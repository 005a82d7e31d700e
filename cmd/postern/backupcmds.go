package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/postern/postern/internal/admin"
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

// check verifies the running server's data and says what it found, in
// plain words; it fails when something is wrong.
func (c *cli) check(ctx context.Context, args []string) error {
	var hashes, repair bool
	for _, a := range args {
		switch a {
		case "--hashes":
			hashes = true
		case "--repair":
			repair = true
		default:
			return errUsage
		}
	}
	rep, err := c.client().Check(ctx, hashes, repair)
	if notRunning(err) {
		fmt.Fprintf(c.out, "no server is running on %s: checking the folder itself (services stay stopped)\n", c.dataDir)
		rep, err = checkOffline(ctx, c.dataDir, hashes, repair)
	}
	if err != nil {
		return err
	}
	bad := len(rep.Directory)
	if bad == 0 {
		fmt.Fprintln(c.out, "directory: whole")
	}
	for _, p := range rep.Directory {
		fmt.Fprintf(c.out, "directory: %s\n", p)
	}
	for _, d := range rep.Databases {
		if d.Error != "" {
			bad++
			fmt.Fprintf(c.out, "%s: not checked: %s\n", d.Name, d.Error)
			continue
		}
		fmt.Fprintf(c.out, "%s: %d folders, %d messages, %d message files checked", d.Name, d.Folders, d.Messages, d.Files)
		if hashes {
			fmt.Fprint(c.out, " (with their SHA-256)")
		}
		fmt.Fprintf(c.out, "; %d files no message names, %d in quarantine; %d not in the full-text index\n", d.Unreferenced, d.Quarantined, d.Unindexed)
		for _, r := range d.Repaired {
			fmt.Fprintf(c.out, "  repaired: %s\n", r)
		}
		for _, p := range d.Problems {
			fmt.Fprintf(c.out, "  problem: %s\n", p)
		}
		bad += len(d.Problems)
	}
	if bad > 0 {
		return fmt.Errorf("%d problems found", bad)
	}
	fmt.Fprintln(c.out, "no problems found")
	return nil
}

// notRunning reports whether err says that no server answers on the admin
// socket (none, or a stale one).
func notRunning(err error) bool {
	return errors.Is(err, admin.ErrNotRunning)
}

// checkOffline opens the data folder as the server would, with every
// service stopped (it takes the folder's lock, so a server cannot start
// meanwhile), checks it and closes it.
func checkOffline(ctx context.Context, dir string, hashes, repair bool) (server.CheckReport, error) {
	if _, err := os.Stat(dir); err != nil {
		return server.CheckReport{}, err
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	s, err := server.Open(ctx, server.Options{DataDir: dir, NoAutostart: true, Logger: quiet, ExistingOnly: true})
	if err != nil {
		return server.CheckReport{}, err
	}
	defer s.Close()
	return s.Check(ctx, hashes, repair)
}

package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/postern/postern/internal/admin/api"
)

const clusterUsage = `Servers and mailbox databases (several servers: serve --directory postgres://...):
  server list                            the organisation's servers (Get-ExchangeServer)
  database list [--status]               mailbox databases, active server, copies (Get-MailboxDatabase)
  database add NAME [--server SERVER]    New-MailboxDatabase
  database mount|dismount NAME           Mount-Database, Dismount-Database
  database move NAME SERVER              switchover (Move-ActiveMailboxDatabase -ActivateOnServer)
  database add-copy NAME SERVER          Add-MailboxDatabaseCopy: SERVER may take it over at a failover
`

func (c *cli) servers(ctx context.Context, args []string) error {
	if len(args) != 1 || args[0] != "list" {
		return errUsage
	}
	list, err := c.client().ExchangeServers(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(c.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "Name\tFqdn\tAddress\tReachable\tRunning\tActiveDatabases")
	for _, s := range list {
		var running []string
		for _, st := range s.Services {
			if st.Status == api.Running {
				running = append(running, st.Name)
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%s\t%s\n", s.Name, s.FQDN, s.Address, s.Reachable, strings.Join(running, ","), strings.Join(s.ActiveDatabases, ", "))
	}
	return tw.Flush()
}

func (c *cli) database(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errUsage
	}
	cl := c.client()
	var db api.MailboxDatabase
	var err error
	switch {
	case args[0] == "list" && len(args) <= 2:
		status := len(args) == 2 && args[1] == "--status"
		if len(args) == 2 && !status {
			return errUsage
		}
		list, err := cl.Databases(ctx, status)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(c.out, 0, 4, 2, ' ', 0)
		fmt.Fprint(tw, "Name\tServer\tCopies\tMailboxes\tStorage")
		if status {
			fmt.Fprint(tw, "\tMounted\tEpoch")
		}
		fmt.Fprintln(tw)
		for _, d := range list {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s", d.Name, d.Server, strings.Join(d.Copies, ","), d.Mailboxes, d.Storage)
			if status {
				fmt.Fprintf(tw, "\t%v\t%d", d.Mounted != nil && *d.Mounted, d.Epoch)
			}
			fmt.Fprintln(tw)
		}
		return tw.Flush()
	case args[0] == "add" && (len(args) == 2 || len(args) == 4 && args[2] == "--server"):
		server := ""
		if len(args) == 4 {
			server = args[3]
		}
		db, err = cl.NewDatabase(ctx, args[1], server)
	case (args[0] == "mount" || args[0] == "dismount") && len(args) == 2:
		db, err = cl.DatabaseAction(ctx, api.DatabaseRequest{Name: args[1], Action: args[0]})
	case args[0] == "move" && len(args) == 3:
		db, err = cl.DatabaseAction(ctx, api.DatabaseRequest{Name: args[1], Server: args[2], Action: "move"})
	case args[0] == "add-copy" && len(args) == 3:
		db, err = cl.DatabaseAction(ctx, api.DatabaseRequest{Name: args[1], Server: args[2], Action: "addcopy"})
	default:
		return errUsage
	}
	if err != nil {
		return err
	}
	mounted := db.Mounted != nil && *db.Mounted
	fmt.Fprintf(c.out, "%s: active on %s, copies %s, mounted %v\n", db.Name, db.Server, strings.Join(db.Copies, ","), mounted)
	return nil
}

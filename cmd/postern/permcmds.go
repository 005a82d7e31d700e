package main

import (
	"context"
	"fmt"

	"github.com/postern/postern/internal/admin/api"
)

// userAccess runs `postern user access MAILBOX [grant|revoke USER]`: who
// has full access to a mailbox, which opens it to them by IMAP4 delegate
// logon (LOGIN user@domain/mailbox with their own password).
func (c *cli) userAccess(ctx context.Context, args []string) error {
	cl := c.client()
	switch {
	case len(args) == 1:
		ps, err := cl.Permissions(ctx, args[0])
		if err != nil {
			return err
		}
		for _, p := range ps {
			fmt.Fprintf(c.out, "%s\t%s\n", p.User, p.AccessRights)
		}
		return nil
	case len(args) == 3 && (args[1] == "grant" || args[1] == "revoke"):
		req := api.PermissionRequest{Mailbox: args[0], User: args[2], Grant: args[1] == "grant"}
		p, err := cl.SetPermission(ctx, req)
		if err != nil {
			return err
		}
		verb := "now has"
		if !req.Grant {
			verb = "no longer has"
		}
		fmt.Fprintf(c.out, "%s %s full access to %s\n", p.User, verb, p.Mailbox)
		return nil
	}
	return errUsage
}

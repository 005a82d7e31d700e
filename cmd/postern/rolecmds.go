package main

import (
	"context"
	"fmt"
	"strings"
)

// userAdmin grants or revokes the administrator role: `postern user admin
// ADDRESS on|off`, or `postern user admin list`.
func (c *cli) userAdmin(ctx context.Context, args []string) error {
	cl := c.client()
	switch {
	case len(args) == 1 && args[0] == "list":
		us, err := cl.Administrators(ctx)
		if err != nil {
			return err
		}
		for _, u := range us {
			fmt.Fprintln(c.out, u.Address)
		}
		return nil
	case len(args) == 2 && (strings.EqualFold(args[1], "on") || strings.EqualFold(args[1], "off")):
		on := strings.EqualFold(args[1], "on")
		u, err := cl.SetAdministrator(ctx, args[0], on)
		if err != nil {
			return err
		}
		state := "is now an administrator"
		if !on {
			state = "is not an administrator"
		}
		fmt.Fprintf(c.out, "%s %s\n", u.Address, state)
		return nil
	}
	return errUsage
}

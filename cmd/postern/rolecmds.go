package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/postern/postern/internal/admin/api"
)

// userAdmin grants or revokes the administrator role: `postern user admin
// ADDRESS on|off`, or `postern user admin list`.
func (c *cli) userAdmin(ctx context.Context, args []string) error {
	cl := c.client()
	switch {
	case len(args) == 1 && args[0] == "list":
		var us []api.User
		if err := cl.Get(ctx, "/v1/administrators", &us); err != nil {
			return err
		}
		for _, u := range us {
			fmt.Fprintln(c.out, u.Address)
		}
		return nil
	case len(args) == 2 && (strings.EqualFold(args[1], "on") || strings.EqualFold(args[1], "off")):
		on := strings.EqualFold(args[1], "on")
		var u api.User
		if err := cl.Post(ctx, "/v1/administrators", api.RoleRequest{Name: args[0], Admin: on}, &u); err != nil {
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

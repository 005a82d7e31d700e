package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/postern/postern/internal/admin/api"
)

const domainUsage = `Accepted domains (New-/Get-/Set-/Remove-AcceptedDomain; Authoritative only):
  domain list
  domain add DOMAIN [--name NAME]        mailboxes may then have addresses in DOMAIN
  domain remove DOMAIN                   not the default, nor one a mailbox uses
  domain default DOMAIN                  the domain of a mailbox created by alias only
`

// domain manages the accepted domains.
func (c *cli) domain(ctx context.Context, args []string) error {
	cl := c.client()
	switch {
	case len(args) == 1 && args[0] == "list":
		list, err := cl.Domains(ctx)
		if err != nil {
			return err
		}
		printDomains(c.out, list...)
		return nil
	case len(args) >= 2 && args[0] == "add":
		fs := flag.NewFlagSet("domain add", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		name := fs.String("name", "", "the domain's Name (default: the domain)")
		if err := fs.Parse(args[2:]); err != nil || fs.NArg() != 0 {
			return errUsage
		}
		d, err := cl.NewDomain(ctx, api.NewDomain{Name: *name, DomainName: args[1]})
		if err != nil {
			return err
		}
		printDomains(c.out, d)
		return nil
	case len(args) == 2 && args[0] == "remove":
		return cl.RemoveDomain(ctx, args[1])
	case len(args) == 2 && args[0] == "default":
		return cl.SetDomain(ctx, api.SetDomain{Identity: args[1], MakeDefault: true})
	}
	return errUsage
}

func printDomains(w io.Writer, list ...api.Domain) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "Name\tDomainName\tDomainType\tDefault")
	for _, d := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%v\n", d.Name, d.DomainName, d.DomainType, d.Default)
	}
	tw.Flush()
}

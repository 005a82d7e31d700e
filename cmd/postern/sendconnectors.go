package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/postern/postern/internal/admin/api"
	"github.com/postern/postern/internal/config"
)

// sendConnectorUsage documents the send connector verbs.
const sendConnectorUsage = `Send connectors (routes for remote domains; applied at once):
  sendconnector list                               Get-SendConnector
  sendconnector show NAME                          Get-SendConnector NAME | Format-List
  sendconnector new NAME AddressSpaces=*|DOMAIN[,...] [SmartHosts=HOST[,...]] [Port=25] [Name=Value ...]
                                                   New-SendConnector; other settings: Enabled, RequireTLS,
                                                   TlsAuthLevel, SmartHostAuthMechanism (None, BasicAuth,
                                                   BasicAuthRequireTLS), AuthenticationUser
  sendconnector set NAME Name=Value ... [--password]  Set-SendConnector; --password reads the smarthost
                                                   password from standard input
  sendconnector remove NAME                        Remove-SendConnector
`

// sendConnector runs the `postern sendconnector` verbs.
func (c *cli) sendConnector(ctx context.Context, args []string) error {
	cl := c.client()
	switch {
	case len(args) == 1 && args[0] == "list":
		list, err := cl.SendConnectors(ctx)
		if err != nil {
			return err
		}
		printSendConnectors(c.out, list)
		return nil
	case len(args) == 2 && args[0] == "show":
		list, err := cl.SendConnectorsNamed(ctx, args[1])
		if err != nil {
			return err
		}
		for _, k := range list {
			printSendConnector(c.out, k)
		}
		return nil
	case len(args) >= 2 && (args[0] == "new" || args[0] == "set"):
		req := api.SendConnectorRequest{Name: args[1]}
		readPw := false
		var rest []string
		for _, a := range args[2:] {
			if a == "--password" || a == "-password" {
				readPw = true
			} else {
				rest = append(rest, a)
			}
		}
		t, err := texts(rest)
		if err != nil {
			return err
		}
		req.Texts = t
		if readPw {
			if req.Password, err = c.readPassword(false); err != nil {
				return err
			}
		}
		edit := cl.NewSendConnector
		if args[0] == "set" {
			edit = cl.SetSendConnector
		}
		k, err := edit(ctx, req)
		if err != nil {
			return err
		}
		printSendConnector(c.out, k)
		return nil
	case len(args) == 2 && args[0] == "remove":
		return cl.RemoveSendConnector(ctx, args[1])
	}
	fmt.Fprint(os.Stderr, sendConnectorUsage)
	return errUsage
}

func printSendConnectors(w io.Writer, list []config.SendConnector) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "Identity\tAddressSpaces\tEnabled\tSmartHosts\tPort\tRequireTLS")
	for _, k := range list {
		fmt.Fprintf(tw, "%s\t%s\t%v\t%s\t%d\t%v\n", k.Name, strings.Join(k.AddressSpaces, ","), k.Enabled,
			strings.Join(k.SmartHosts, ","), k.Port, k.RequireTLS)
	}
	tw.Flush()
}

func printSendConnector(w io.Writer, k config.SendConnector) {
	level := k.TlsAuthLevel
	if level == "" {
		level = "EncryptionOnly"
	}
	cred := k.AuthenticationUser
	if cred == "" {
		cred = "(none)"
	}
	printFields(w, []config.Field{
		{Name: "Identity", Value: k.Name},
		{Name: "AddressSpaces", Value: "{" + strings.Join(k.AddressSpaces, ", ") + "}"},
		{Name: "Enabled", Value: strconv.FormatBool(k.Enabled)},
		{Name: "DNSRoutingEnabled", Value: strconv.FormatBool(k.DNSRoutingEnabled())},
		{Name: "SmartHosts", Value: "{" + strings.Join(k.SmartHosts, ", ") + "}"},
		{Name: "Port", Value: strconv.Itoa(k.Port)},
		{Name: "RequireTLS", Value: strconv.FormatBool(k.RequireTLS)},
		{Name: "TlsAuthLevel", Value: level},
		{Name: "SmartHostAuthMechanism", Value: k.SmartHostAuthMechanism},
		{Name: "AuthenticationCredential", Value: cred},
	})
	fmt.Fprintln(w)
}

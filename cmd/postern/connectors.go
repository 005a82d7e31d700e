package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/postern/postern/internal/admin/api"
	"github.com/postern/postern/internal/config"
)

// connectorUsage documents the connector verbs, for the usage text.
const connectorUsage = `Receive connectors (the smtp service; restart it to apply changes):
  connector list                                   Get-ReceiveConnector
  connector show NAME                              Get-ReceiveConnector NAME | Format-List
  connector new NAME [--usage Client|Internet|Custom] Bindings=IP:PORT[,...] [Name=Value ...]
                                                   New-ReceiveConnector
  connector set NAME Name=Value ...                Set-ReceiveConnector, e.g. Fqdn=mail.contoso.com
  connector remove NAME                            Remove-ReceiveConnector
`

// connector runs the `postern connector` verbs (Get-, New-, Set- and
// Remove-ReceiveConnector) over the admin API.
func (c *cli) connector(ctx context.Context, args []string) error {
	cl := c.client()
	switch {
	case len(args) == 1 && args[0] == "list":
		list, err := cl.Connectors(ctx)
		if err != nil {
			return err
		}
		printConnectors(c.out, list)
		return nil
	case len(args) == 2 && args[0] == "show":
		list, err := cl.ConnectorsNamed(ctx, args[1])
		if err != nil {
			return err
		}
		for _, k := range list {
			printConnector(c.out, k)
		}
		return nil
	case len(args) >= 2 && args[0] == "new":
		usage, rest, err := cutUsage(args[2:])
		if err != nil {
			return err
		}
		t, err := texts(rest)
		if err != nil {
			return err
		}
		k, err := cl.NewConnector(ctx, api.NewConnector{Name: args[1], Usage: usage, Texts: t})
		if err != nil {
			return err
		}
		printConnector(c.out, k)
		fmt.Fprintln(os.Stderr, "postern: saved; restart smtp to open it")
		return nil
	case len(args) >= 3 && args[0] == "set":
		t, err := texts(args[2:])
		if err != nil {
			return err
		}
		k, err := cl.SetConnector(ctx, api.Changes{Name: args[1], Texts: t})
		if err != nil {
			return err
		}
		printConnector(c.out, k)
		fmt.Fprintln(os.Stderr, "postern: saved; restart smtp to apply it")
		return nil
	case len(args) == 2 && args[0] == "remove":
		if err := cl.RemoveConnector(ctx, args[1]); err != nil {
			return err
		}
		fmt.Fprintln(os.Stderr, "postern: removed; restart smtp to close it")
		return nil
	}
	fmt.Fprint(os.Stderr, connectorUsage)
	return errUsage
}

// cutUsage takes "--usage X" or "--usage=X" out of args.
func cutUsage(args []string) (usage string, rest []string, err error) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--usage" || a == "-usage":
			if i+1 == len(args) {
				return "", nil, fmt.Errorf("--usage needs a value: Client, Internet or Custom")
			}
			usage = args[i+1]
			i++
		case strings.HasPrefix(a, "--usage=") || strings.HasPrefix(a, "-usage="):
			_, usage, _ = strings.Cut(a, "=")
		default:
			rest = append(rest, a)
		}
	}
	return usage, rest, nil
}

// field returns one field's value from a connector.
func field(k api.Connector, name string) string {
	for _, f := range k.Fields {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

func printConnectors(w io.Writer, list []api.Connector) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "Identity\tEnabled\tBindings\tAuthMechanism\tPermissionGroups\tListening")
	for _, k := range list {
		listening := strings.Join(k.Listening, ",")
		if k.Error != "" {
			listening = "error: " + k.Error
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", k.Identity, field(k, "Enabled"), field(k, "Bindings"),
			field(k, "AuthMechanism"), field(k, "PermissionGroups"), listening)
	}
	tw.Flush()
}

func printConnector(w io.Writer, k api.Connector) {
	fields := append([]config.Field{{Name: "Identity", Value: k.Identity}}, k.Fields...)
	if len(k.Listening) > 0 {
		fields = append(fields, config.Field{Name: "Listening", Value: strings.Join(k.Listening, ", ")})
	}
	if k.Error != "" {
		fields = append(fields, config.Field{Name: "Error", Value: k.Error})
	}
	printFields(w, fields)
	fmt.Fprintln(w)
}

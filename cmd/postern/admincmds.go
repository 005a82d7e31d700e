package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/postern/postern/internal/admin"
	"github.com/postern/postern/internal/admin/api"
	"github.com/postern/postern/internal/config"
)

func (c *cli) client() *admin.Client {
	return admin.NewClient(filepath.Join(c.dataDir, "admin.sock"))
}

func (c *cli) info(ctx context.Context) error {
	in, err := c.client().Info(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.out, "Name            : %s\nFqdn            : %s\nDataFolder      : %s\nAcceptedDomains : %s\nCertificate     : %s\n",
		in.Name, in.FQDN, in.DataDir, strings.Join(in.AcceptedDomains, ", "), in.Certificate)
	return nil
}

func (c *cli) user(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errUsage
	}
	cl := c.client()
	switch {
	case args[0] == "list" && len(args) == 1:
		us, err := cl.Users(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(c.out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "Address\tDisplayName\tDatabase")
		for _, u := range us {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", u.Address, u.DisplayName, u.Database)
		}
		return tw.Flush()
	case args[0] == "add" && len(args) >= 2:
		fs := flag.NewFlagSet("user add", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		display := fs.String("display-name", "", "display name")
		database := fs.String("database", "", "mailbox database (default: the first one active on this server)")
		if err := fs.Parse(args[2:]); err != nil {
			return err
		}
		pw, err := c.readPassword(true)
		if err != nil {
			return err
		}
		u, err := cl.NewUser(ctx, api.NewUser{Address: args[1], Password: pw, DisplayName: *display, Database: *database})
		if err != nil {
			return err
		}
		fmt.Fprintf(c.out, "added %s (%s)\n", u.Address, u.Database)
		return nil
	case args[0] == "remove" && len(args) == 2:
		return cl.RemoveUser(ctx, args[1])
	case args[0] == "admin":
		return c.userAdmin(ctx, args[1:])
	case args[0] == "access":
		return c.userAccess(ctx, args[1:])
	case args[0] == "passwd" && len(args) == 2:
		pw, err := c.readPassword(true)
		if err != nil {
			return err
		}
		return cl.SetPassword(ctx, args[1], pw)
	}
	return errUsage
}

// readPassword reads a password: prompted twice without echo on a
// terminal, else the first line of standard input. It is never taken from
// the command line, where other users could see it.
func (c *cli) readPassword(confirm bool) (string, error) {
	f, isFile := c.stdin.(*os.File)
	if isFile && isTerminal(f) {
		p1, err := prompt(f, "Password: ")
		if err != nil {
			return "", err
		}
		if confirm {
			p2, err := prompt(f, "Confirm password: ")
			if err != nil {
				return "", err
			}
			if p1 != p2 {
				return "", errors.New("the passwords do not match")
			}
		}
		return p1, nil
	}
	line, err := bufio.NewReader(c.stdin).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", errors.New("no password on standard input")
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", errors.New("the password is empty")
	}
	return pw, nil
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func prompt(f *os.File, text string) (string, error) {
	fmt.Fprint(os.Stderr, text)
	stty := func(arg string) {
		cmd := exec.Command("stty", arg)
		cmd.Stdin = f
		cmd.Run()
	}
	stty("-echo")
	line, err := bufio.NewReader(f).ReadString('\n')
	stty("echo")
	fmt.Fprintln(os.Stderr)
	return strings.TrimRight(line, "\r\n"), err
}

func (c *cli) service(ctx context.Context, args []string) error {
	cl := c.client()
	switch {
	case len(args) == 1 && args[0] == "list":
		st, err := cl.Services(ctx)
		if err != nil {
			return err
		}
		printServices(c.out, st...)
		return nil
	case len(args) == 2 && (args[0] == "start" || args[0] == "stop" || args[0] == "restart"):
		st, err := cl.ServiceAction(ctx, args[1], args[0])
		if err != nil {
			return err
		}
		printServices(c.out, st)
		return nil
	case len(args) == 3 && args[0] == "startup":
		st, err := cl.SetStartupType(ctx, args[1], args[2])
		if err != nil {
			return err
		}
		printServices(c.out, st)
		return nil
	}
	return errUsage
}

func printServices(w io.Writer, st ...api.ServiceStatus) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "Status\tName\tExchangeName\tStartupType\tListeners")
	for _, s := range st {
		l := strings.Join(s.Listeners, ",")
		if s.Error != "" {
			l += " (last error: " + s.Error + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.Status, s.Name, s.ExchangeName, s.StartupType, l)
	}
	tw.Flush()
}

// texts parses Name=Value arguments.
func texts(args []string) ([]api.TextChange, error) {
	var out []api.TextChange
	for _, a := range args {
		name, value, ok := strings.Cut(a, "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("%q is not Name=Value", a)
		}
		out = append(out, api.TextChange{Name: name, Text: value})
	}
	return out, nil
}

func printFields(w io.Writer, fields []config.Field) {
	width := 0
	for _, f := range fields {
		width = max(width, len(f.Name))
	}
	for _, f := range fields {
		fmt.Fprintf(w, "%-*s : %s\n", width, f.Name, f.Value)
	}
}

// settings shows or sets a protocol's settings: name is pop3 or imap4.
func (c *cli) settings(ctx context.Context, name string, args []string) error {
	cl := c.client()
	var fields []config.Field
	var err error
	switch {
	case len(args) == 1 && args[0] == "show":
		if fields, err = cl.Settings(ctx, name); err != nil {
			return err
		}
	case len(args) >= 2 && args[0] == "set":
		t, err := texts(args[1:])
		if err != nil {
			return err
		}
		if fields, err = cl.SetSettings(ctx, name, api.Changes{Texts: t}); err != nil {
			return err
		}
		defer fmt.Fprintf(os.Stderr, "postern: saved; restart %s and %s-backend to apply them\n", name, name)
	default:
		return errUsage
	}
	printFields(c.out, fields)
	return nil
}

func (c *cli) mailbox(ctx context.Context, args []string) error {
	if len(args) > 0 && (args[0] == "move" || args[0] == "moves") {
		return c.mailboxMove(ctx, args)
	}
	cl := c.client()
	var m api.CASMailbox
	var err error
	switch {
	case len(args) == 2 && args[0] == "show":
		if m, err = cl.CASMailbox(ctx, args[1]); err != nil {
			return err
		}
	case len(args) >= 3 && args[0] == "set":
		t, err := texts(args[2:])
		if err != nil {
			return err
		}
		if m, err = cl.SetCASMailbox(ctx, api.Changes{Name: args[1], Texts: t}); err != nil {
			return err
		}
	default:
		return errUsage
	}
	fmt.Fprintf(c.out, "Identity : %s\n", m.Identity)
	printFields(c.out, m.Fields)
	return nil
}

func (c *cli) transport(ctx context.Context, args []string) error {
	cl := c.client()
	var tr config.TransportSettings
	var err error
	switch {
	case len(args) == 1 && args[0] == "show":
		if tr, err = cl.Transport(ctx); err != nil {
			return err
		}
	case len(args) == 2 && args[0] == "set" && strings.HasPrefix(strings.ToLower(args[1]), "lmtpbindings="):
		_, v, _ := strings.Cut(args[1], "=")
		if tr, err = cl.SetTransport(ctx, api.TransportRequest{LmtpBindings: config.SplitList(v)}); err != nil {
			return err
		}
	case len(args) >= 2 && args[0] == "set":
		if tr, err = c.transportOutbound(ctx, args[1:]); err != nil {
			return err
		}
	default:
		return errUsage
	}
	var bs []string
	for _, b := range tr.LmtpBindings {
		bs = append(bs, b.String())
	}
	fmt.Fprintf(c.out, "LmtpBindings             : {%s}\nMaxMessageSize           : %d\n", strings.Join(bs, ", "), tr.MaxMessageSize)
	printOutbound(c.out, tr)
	return nil
}

func (c *cli) deliver(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("deliver", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var to listFlag
	fs.Var(&to, "to", "recipient (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if len(to) == 0 || fs.NArg() > 0 {
		return errUsage
	}
	res, err := c.client().Deliver(ctx, to, c.stdin)
	if err != nil {
		return err
	}
	failed := 0
	for _, r := range res {
		if r.Error != "" {
			failed++
			fmt.Fprintf(c.out, "%s: not delivered: %s\n", r.Recipient, r.Error)
		} else {
			fmt.Fprintf(c.out, "%s: delivered\n", r.Recipient)
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d recipients failed", failed, len(res))
	}
	return nil
}

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

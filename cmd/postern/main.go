// Command postern is the Postern mail server and its administration
// commands. `postern serve` runs the server; every other verb talks to a
// running server through the admin API socket in the data folder.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

const usage = `Usage: postern [--data DIR] <command> [arguments]

Server:
  serve [--fqdn NAME] [--domain DOMAIN] [--port-offset N]   run the server
        [--admin-listen HOST:PORT]       also serve the admin API over HTTPS, for administrators
        [--directory postgres://... | --directory-file FILE] [--address HOST]
                                         several servers: the organisation on PostgreSQL
                                         (also $POSTERN_DIRECTORY); --address: where the others reach this one
        [--lease-ttl 15s]                failover to the next copy after this long
  info                                   the server's name, domains and certificate

Users and mailboxes:
  user add ADDRESS [--display-name NAME] [--database DB]
                                         the password is read from stdin (prompted on a terminal)
  user list
  user remove ADDRESS
  user passwd ADDRESS                    reset the password (read like user add)
  user admin ADDRESS on|off|list         the administrator role: may use the remote admin API
  user access MAILBOX [grant|revoke USER] full access: USER opens MAILBOX by IMAP delegate logon
  mailbox show ADDRESS                   per-mailbox protocol settings (Get-CASMailbox)
  mailbox set ADDRESS Name=Value ...     e.g. PopEnabled=$false (Set-CASMailbox)
  mailbox move ADDRESS DATABASE          move the mailbox into another database active on this server
                                         (New-MoveRequest); waits until it is done. UIDs are not kept.
  mailbox moves                          the move requests and how far they are (Get-MoveRequest)

Services (pop3, pop3-backend, imap4, imap4-backend, smtp, transport, web; Exchange names work too):
  service list
  service start|stop|restart NAME
  service startup NAME Automatic|Manual|Disabled

Settings (applied when the service restarts, as in Exchange):
  pop show                               Get-PopSettings
  pop set Name=Value ...                 Set-PopSettings, e.g. LoginType=PlainTextLogin
  transport show
  transport set LmtpBindings=127.0.0.1:24[,...]
  web show                               the settings page's HTTPS listeners and certificate name
  web set Bindings=IP:Port[,...] X509CertificateName=NAME

Data (the server keeps running):
  check [--hashes] [--repair]            verify the directory, the databases and every message file

Backup (the server keeps running) and restore (the server stopped):
  backup DIR                             an online, consistent copy into DIR (new or empty)
  restore DIR                            bring a backup back into --data (new or empty)

Logon throttle (every logon path: POP3, IMAP4, SMTP AUTH, web, admin API; in force at once):
  login show
  login set Name=Value ...               e.g. LogonsPerMinute=10 MaxFailurePenalty=00:00:30

` + clusterUsage + `
` + domainUsage + `
` + connectorUsage + `
` + queueUsage + `
` + sendConnectorUsage + `
Certificates (a service picks one by its X509CertificateName):
  cert list
  cert import --cert FILE --key FILE [--services POP,IMAP,SMTP]

Mail:
  deliver --to ADDRESS [--to ADDRESS ...] < message    deliver a message into Inboxes

Cmdlet shell (the Exchange Management Shell's cmdlets, e.g. Set-PopSettings, Get-Service):
  shell                                  interactive: line editing, history, Tab completion
  shell -c 'Get-PopSettings | Format-List *Bindings'   run commands; exit status 1 if one fails
  shell FILE                             run a script (also read from stdin when it is not a terminal)
  shell --server https://HOST:PORT --user ADMIN [--cacert FILE] [-c ...]
                                         the same against a remote server (password prompted, or stdin's first line)

The data folder is --data, else $POSTERN_DATA, else ./data.
`

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "postern:", err)
		os.Exit(1)
	}
}

// errUsage makes run print the usage text.
var errUsage = errors.New("usage")

func run(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("postern", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	data := fs.String("data", "", "data folder")
	if err := fs.Parse(args); err != nil {
		fmt.Fprint(os.Stderr, usage)
		return err
	}
	dir := *data
	if dir == "" {
		dir = os.Getenv("POSTERN_DATA")
	}
	if dir == "" {
		dir = "data"
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) == 0 {
		fmt.Fprint(stdout, usage)
		return nil
	}
	c := &cli{dataDir: dir, stdin: stdin, out: stdout}
	err = c.dispatch(ctx, rest[0], rest[1:])
	if errors.Is(err, errUsage) {
		fmt.Fprint(os.Stderr, usage)
		return fmt.Errorf("unknown or incomplete command: %s", strings.Join(rest, " "))
	}
	return err
}

// cli carries what every verb needs.
type cli struct {
	dataDir string
	stdin   io.Reader
	out     io.Writer
}

func (c *cli) dispatch(ctx context.Context, verb string, args []string) error {
	switch verb {
	case "serve":
		return c.serve(ctx, args)
	case "info":
		return c.info(ctx)
	case "user":
		return c.user(ctx, args)
	case "mailbox":
		return c.mailbox(ctx, args)
	case "service":
		return c.service(ctx, args)
	case "server":
		return c.servers(ctx, args)
	case "database":
		return c.database(ctx, args)
	case "pop":
		return c.settings(ctx, "pop3", args)
	case "imap":
		return c.settings(ctx, "imap4", args)
	case "transport":
		return c.transport(ctx, args)
	case "login":
		return c.login(ctx, args)
	case "check":
		return c.check(ctx, args)
	case "backup":
		return c.backup(ctx, args)
	case "restore":
		return c.restore(args)
	case "web":
		return c.web(ctx, args)
	case "deliver":
		return c.deliver(ctx, args)
	case "cert":
		return c.cert(ctx, args)
	case "shell":
		return c.shell(ctx, args)
	case "connector":
		return c.connector(ctx, args)
	case "domain":
		return c.domain(ctx, args)
	case "queue":
		return c.queue(ctx, args)
	case "sendconnector":
		return c.sendConnector(ctx, args)
	case "help", "-h", "--help":
		fmt.Fprint(c.out, usage)
		return nil
	}
	return errUsage
}

package main

import (
	"bufio"
	"context"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/postern/postern/internal/admin"
	"github.com/postern/postern/internal/admin/api"
	"github.com/postern/postern/internal/shell"
	"github.com/postern/postern/internal/shell/lang"
)

// shell runs the cmdlet shell (the Exchange Management Shell's commands
// over the admin API): `postern shell -c 'commands'`, `postern shell
// FILE`, a script on standard input, or, on a terminal, an interactive
// prompt. With --server https://HOST:PORT --user ADMIN it runs against a
// remote server's admin API instead of the local socket. The exit status is 1 when a command failed, or the code given
// to exit.
func (c *cli) shell(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("shell", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	command := fs.String("c", "", "commands to run")
	remote := fs.String("server", "", "a server's remote admin API, https://HOST:PORT")
	user := fs.String("user", "", "the administrator to authenticate as (with --server)")
	cacert := fs.String("cacert", "", "PEM file of the certificates to trust (with --server)")
	if err := fs.Parse(args); err != nil || fs.NArg() > 1 {
		return errUsage
	}
	commandGiven := false
	fs.Visit(func(f *flag.Flag) { commandGiven = commandGiven || f.Name == "c" })
	in, _ := c.stdin.(*os.File)
	tty := in != nil && shell.IsTerminal(in)
	br := bufio.NewReader(c.stdin)
	cl := c.client()
	if *remote != "" {
		var err error
		if cl, err = remoteClient(*remote, *user, *cacert, in, br); err != nil {
			return err
		}
	}
	info, err := cl.Info(ctx)
	if err != nil {
		return err
	}
	opts := shell.Options{API: cl, Stdout: c.out, Stderr: os.Stderr}
	switch {
	case commandGiven:
		opts.Prompter = &linePrompter{r: br, file: in}
		return shellResult(shell.New(opts).Run(ctx, *command))
	case fs.NArg() == 1:
		src, err := os.ReadFile(fs.Arg(0))
		if err != nil {
			return err
		}
		opts.Prompter = &linePrompter{r: br, file: in}
		return shellResult(shell.New(opts).Run(ctx, string(src)))
	case !tty:
		src, err := io.ReadAll(io.LimitReader(br, 1<<20+1))
		if err != nil {
			return err
		}
		return shellResult(shell.New(opts).Run(ctx, string(src)))
	}
	return c.repl(ctx, in, opts, info)
}

// remoteClient connects the shell to a remote admin API as user, with
// the password prompted for on a terminal, else read from the first line
// of standard input (the rest is the script or the answers to prompts).
func remoteClient(server, user, cacert string, in *os.File, br *bufio.Reader) (*admin.Client, error) {
	if user == "" {
		return nil, errors.New("--server needs --user, an administrator's address")
	}
	var roots *x509.CertPool
	if cacert != "" {
		pem, err := os.ReadFile(cacert)
		if err != nil {
			return nil, err
		}
		roots = x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--cacert %s holds no PEM certificate", cacert)
		}
	}
	var pw string
	var err error
	if in != nil && shell.IsTerminal(in) {
		pw, err = shell.NewLineEditor(in, os.Stderr).ReadSecret("Password for " + user + ": ")
	} else {
		pw, err = br.ReadString('\n')
		if err != nil && !(errors.Is(err, io.EOF) && pw != "") {
			return nil, errors.New("no password on standard input: give it on the first line")
		}
		pw = strings.TrimRight(pw, "\r\n")
	}
	if err != nil {
		return nil, err
	}
	return admin.NewRemoteClient(server, user, pw, roots)
}

// shellResult turns a Run's result into the command's: the errors were
// already printed.
func shellResult(err error) error {
	var exit *lang.ExitError
	var pe *lang.ParseError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &exit):
		if exit.Code != 0 {
			os.Exit(exit.Code)
		}
		return nil
	case errors.As(err, &pe), errors.Is(err, lang.ErrFailed):
		return errors.New("one or more commands failed")
	}
	return err
}

// repl is the interactive shell: a prompt like the Exchange Management
// Shell's, line editing, history, Tab completion of cmdlet and parameter
// names, and ">>" continuation lines while the input is incomplete.
// Ctrl-C abandons the line or stops the running command; Ctrl-D or exit
// leaves. As in PowerShell, the exit status is 0 unless exit gives one.
func (c *cli) repl(ctx context.Context, in *os.File, opts shell.Options, info api.Info) error {
	ed := shell.NewLineEditor(in, os.Stderr)
	opts.Prompter, opts.Interactive = ed, true
	sh := shell.New(opts)
	ed.Complete = sh.Complete
	fmt.Fprintf(os.Stderr, "Postern cmdlet shell on %s (%s). Get-Command lists the cmdlets; Tab completes; exit leaves.\n", info.Name, info.FQDN)
	prompt := "[PS] " + info.Name + "> "
	for {
		src, err := readStatement(ed, prompt)
		if errors.Is(err, shell.ErrInterrupt) {
			continue
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return err
		}
		if strings.TrimSpace(src) == "" {
			continue
		}
		ed.AddHistory(src)
		var exit *lang.ExitError
		if err := runInterruptible(ctx, sh, src); errors.As(err, &exit) {
			return shellResult(err)
		}
	}
	return nil
}

// readStatement reads a line and, while it parses as incomplete (an open
// quote or bracket, a trailing '|'), continuation lines.
func readStatement(ed *shell.LineEditor, prompt string) (string, error) {
	src, err := ed.ReadLine(prompt)
	for err == nil {
		_, perr := lang.Parse(src)
		var pe *lang.ParseError
		if !errors.As(perr, &pe) || !pe.Incomplete {
			return src, nil
		}
		var more string
		if more, err = ed.ReadLine(">> "); err == nil {
			src += "\n" + more
		}
	}
	return src, err
}

// runInterruptible runs src; Ctrl-C cancels it instead of ending the
// shell.
func runInterruptible(ctx context.Context, sh *shell.Shell, src string) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	return sh.Run(ctx, src)
}

// linePrompter answers prompts from standard input, one line each, with
// echo off for secrets when it is a terminal; prompts go to stderr.
type linePrompter struct {
	r    *bufio.Reader
	file *os.File
}

func (p *linePrompter) ReadLine(prompt string) (string, error) {
	fmt.Fprint(os.Stderr, prompt)
	return p.line()
}

func (p *linePrompter) ReadSecret(prompt string) (string, error) {
	if p.file != nil && shell.IsTerminal(p.file) {
		ed := shell.NewLineEditor(p.file, os.Stderr)
		return ed.ReadSecret(prompt)
	}
	fmt.Fprint(os.Stderr, prompt)
	return p.line()
}

// line reads the answer; from a pipe, where nothing echoes the line, it
// ends the prompt's line itself.
func (p *linePrompter) line() (string, error) {
	line, err := p.r.ReadString('\n')
	if p.file == nil || !shell.IsTerminal(p.file) {
		fmt.Fprintln(os.Stderr)
	}
	if err != nil && line == "" {
		return "", fmt.Errorf("no answer on standard input: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

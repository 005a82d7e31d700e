package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/postern/postern/internal/admin"
	"github.com/postern/postern/internal/shell"
)

// shell runs the cmdlet shell (the Exchange Management Shell's commands
// over the admin API): `postern shell -c 'commands'`, `postern shell
// FILE`, a script on standard input, or, on a terminal, an interactive
// prompt. The exit status is 1 when a command failed, or the code given
// to exit.
func (c *cli) shell(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("shell", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	command := fs.String("c", "", "commands to run")
	if err := fs.Parse(args); err != nil || fs.NArg() > 1 {
		return errUsage
	}
	commandGiven := false
	fs.Visit(func(f *flag.Flag) { commandGiven = commandGiven || f.Name == "c" })
	cl := c.client()
	var info admin.Info
	if err := cl.Get(ctx, "/v1/info", &info); err != nil {
		return err
	}
	in, _ := c.stdin.(*os.File)
	tty := in != nil && shell.IsTerminal(in)
	opts := shell.Options{API: cl, Stdout: c.out, Stderr: os.Stderr}
	switch {
	case commandGiven:
		opts.Prompter = &linePrompter{r: bufio.NewReader(c.stdin), file: in}
		return shellResult(shell.New(opts).Run(ctx, *command))
	case fs.NArg() == 1:
		src, err := os.ReadFile(fs.Arg(0))
		if err != nil {
			return err
		}
		opts.Prompter = &linePrompter{r: bufio.NewReader(c.stdin), file: in}
		return shellResult(shell.New(opts).Run(ctx, string(src)))
	case !tty:
		src, err := io.ReadAll(io.LimitReader(c.stdin, 1<<20+1))
		if err != nil {
			return err
		}
		return shellResult(shell.New(opts).Run(ctx, string(src)))
	}
	return c.repl(ctx, in, opts, info)
}

// shellResult turns a Run's result into the command's: the errors were
// already printed.
func shellResult(err error) error {
	var exit *shell.ExitError
	var pe *shell.ParseError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &exit):
		if exit.Code != 0 {
			os.Exit(exit.Code)
		}
		return nil
	case errors.As(err, &pe), errors.Is(err, shell.ErrFailed):
		return errors.New("one or more commands failed")
	}
	return err
}

// repl is the interactive shell: a prompt like the Exchange Management
// Shell's, line editing, history, Tab completion of cmdlet and parameter
// names, and ">>" continuation lines while the input is incomplete.
// Ctrl-C abandons the line or stops the running command; Ctrl-D or exit
// leaves. As in PowerShell, the exit status is 0 unless exit gives one.
func (c *cli) repl(ctx context.Context, in *os.File, opts shell.Options, info admin.Info) error {
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
		var exit *shell.ExitError
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
		_, perr := shell.Parse(src)
		var pe *shell.ParseError
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

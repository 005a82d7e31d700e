package shell

import (
	"context"
	"io"

	"github.com/postern/postern/internal/admin"
	"github.com/postern/postern/internal/shell/lang"
)

// API is the admin API as the shell uses it; *admin.Client implements it.
// Do sends a GET or a POST (with in as its JSON body), naming the cmdlet
// so that the server's audit log records it; a refusal is an
// *admin.StatusError.
type API interface {
	Do(ctx context.Context, method, cmdlet, path string, in, out any) error
}

// Options configure a Shell.
type Options struct {
	// API is the server's admin API.
	API API
	// Stdout receives output; Stderr errors, warnings and prompts.
	Stdout, Stderr io.Writer
	// Prompter answers prompts (Get-Credential, Read-Host, a missing
	// mandatory parameter, a confirmation); nil makes a command that needs
	// an answer fail instead.
	Prompter lang.Prompter
	// Interactive makes high-impact cmdlets (Remove-Mailbox) ask for
	// confirmation unless -Confirm:$false is given, as the Exchange
	// Management Shell does. Scripts and -c never ask.
	Interactive bool
}

// Shell runs scripts against one server. Variables persist from one Run
// to the next. A Shell is not safe for concurrent use.
type Shell struct {
	api         API
	out, errw   io.Writer
	prompter    lang.Prompter
	interactive bool
	cmdlets     map[string]*cmdlet
	info        *admin.Info
	interp      *lang.Interp
}

// New returns a shell over the admin API in o.
func New(o Options) *Shell {
	sh := &Shell{api: o.API, out: o.Stdout, errw: o.Stderr, prompter: o.Prompter, interactive: o.Interactive,
		cmdlets: map[string]*cmdlet{}}
	if sh.out == nil {
		sh.out = io.Discard
	}
	if sh.errw == nil {
		sh.errw = io.Discard
	}
	for _, c := range builtins() {
		sh.cmdlets[lower(c.name)] = c
	}
	sh.interp = lang.New(lang.Options{Stdout: sh.out, Stderr: sh.errw, Prompter: sh.prompter, Lookup: sh.command})
	return sh
}

// Run parses src and runs its statements in order, writing output as the
// Exchange Management Shell formats it. A failing statement does not stop
// the next one (PowerShell's non-terminating errors), except under
// -ErrorAction Stop. It returns a *lang.ParseError, a *lang.ExitError,
// lang.ErrFailed when a command failed, or nil.
func (sh *Shell) Run(ctx context.Context, src string) error {
	return sh.interp.Run(ctx, src)
}

// lookup finds a cmdlet by name or by one of PowerShell's aliases.
func (sh *Shell) lookup(name string) (*cmdlet, bool) {
	n := lower(name)
	if full, ok := aliases()[n]; ok {
		n = lower(full)
	}
	d, ok := sh.cmdlets[n]
	return d, ok
}

// aliases are PowerShell's built-in aliases for the cmdlets here.
func aliases() map[string]string {
	return map[string]string{
		"fl": "Format-List", "ft": "Format-Table", "select": "Select-Object", "gsv": "Get-Service",
		"sasv": "Start-Service", "spsv": "Stop-Service", "gcm": "Get-Command", "echo": "Write-Output",
		"write": "Write-Output",
	}
}

// command is the language's Lookup: the cmdlet a command names, whose
// Run calls the table's run with this shell's call.
func (sh *Shell) command(name string) (*lang.Cmdlet, bool) {
	d, ok := sh.lookup(name)
	if !ok {
		return nil, false
	}
	return d.spec(sh), true
}

// spec is the language's view of a table entry.
func (d *cmdlet) spec(sh *Shell) *lang.Cmdlet {
	return &lang.Cmdlet{Name: d.name, Params: d.params, Changes: d.changes, Unknown: d.unknown,
		Run: func(ctx context.Context, lc *lang.Call) ([]any, error) {
			return d.run(ctx, &call{sh: sh, lc: lc, def: d, args: lc.Args, input: lc.Input, piped: lc.Piped})
		}}
}

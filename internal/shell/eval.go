package shell

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/postern/postern/internal/admin"
)

// API is the admin API as the shell uses it; *admin.Client implements it.
// Do sends a GET or a POST (with in as its JSON body), naming the cmdlet
// so that the server's audit log records it; a refusal is an
// *admin.StatusError.
type API interface {
	Do(ctx context.Context, method, cmdlet, path string, in, out any) error
}

// Prompter asks the administrator for a value: Get-Credential, Read-Host,
// a missing mandatory parameter, a confirmation.
type Prompter interface {
	// ReadLine shows prompt and reads a line.
	ReadLine(prompt string) (string, error)
	// ReadSecret shows prompt and reads a line without echo.
	ReadSecret(prompt string) (string, error)
}

// Options configure a Shell.
type Options struct {
	// API is the server's admin API.
	API API
	// Stdout receives output; Stderr errors, warnings and prompts.
	Stdout, Stderr io.Writer
	// Prompter answers prompts; nil makes a command that needs an answer
	// fail instead.
	Prompter Prompter
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
	prompter    Prompter
	interactive bool
	vars        map[string]any
	cmdlets     map[string]*cmdlet
	info        *admin.Info
}

// New returns a shell over the admin API in o.
func New(o Options) *Shell {
	sh := &Shell{api: o.API, out: o.Stdout, errw: o.Stderr, prompter: o.Prompter, interactive: o.Interactive,
		vars: map[string]any{}, cmdlets: map[string]*cmdlet{}}
	if sh.out == nil {
		sh.out = io.Discard
	}
	if sh.errw == nil {
		sh.errw = io.Discard
	}
	for _, c := range builtins() {
		sh.cmdlets[lower(c.name)] = c
	}
	return sh
}

// ExitError is returned by Run when the script ran exit.
type ExitError struct{ Code int }

func (e *ExitError) Error() string { return fmt.Sprintf("exit %d", e.Code) }

// stopError ends a Run after an error under -ErrorAction Stop.
type stopError struct{ err error }

func (e *stopError) Error() string { return e.err.Error() }
func (e *stopError) Unwrap() error { return e.err }

// run is the state of one Run.
type run struct {
	src string
	od  *outDefault
}

// Run parses src and runs its statements in order, writing output as the
// Exchange Management Shell formats it. A failing statement does not stop
// the next one (PowerShell's non-terminating errors), except under
// -ErrorAction Stop. It returns a *ParseError, an *ExitError, ErrFailed
// when a command failed, or nil.
func (sh *Shell) Run(ctx context.Context, src string) error {
	sc, err := Parse(src)
	if err != nil {
		fmt.Fprintln(sh.errw, err)
		return err
	}
	r := &run{src: src, od: &outDefault{w: sh.out}}
	defer r.od.flush()
	failed := false
	for _, st := range sc.Statements {
		out, err := sh.statement(ctx, r, st)
		r.od.write(out...)
		if err == nil {
			continue
		}
		var exit *ExitError
		if errors.As(err, &exit) {
			return exit
		}
		sh.report(r, err)
		failed = true
		var stop *stopError
		if errors.As(err, &stop) || ctx.Err() != nil {
			break
		}
	}
	if failed {
		return ErrFailed
	}
	return nil
}

// report writes each error, after the output that came before it.
func (sh *Shell) report(r *run, err error) {
	r.od.flush()
	var stop *stopError
	if errors.As(err, &stop) {
		err = stop.err
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			sh.report(r, e)
		}
		return
	}
	fmt.Fprintln(sh.errw, err)
}

func (sh *Shell) statement(ctx context.Context, r *run, st *Statement) ([]any, error) {
	out, err := sh.pipeline(ctx, r, st.Pipeline)
	if st.Assign == "" {
		return out, err
	}
	switch lower(st.Assign) {
	case "true", "false", "null":
		return nil, fmt.Errorf("Cannot overwrite variable %s because it is read-only or constant.", st.Assign)
	}
	sh.vars[lower(st.Assign)] = collapse(out)
	return nil, err
}

// pipeline runs the stages in order, each on the previous one's output.
// A command that fails for some of its items still passes the others on.
func (sh *Shell) pipeline(ctx context.Context, r *run, pl *Pipeline) ([]any, error) {
	var in []any
	var errs []error
	for i, stage := range pl.Stages {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		switch s := stage.(type) {
		case *ExprStage:
			v, err := sh.eval(ctx, r, s.Expr)
			if err != nil {
				return nil, err
			}
			in = flatten(v)
		case *Command:
			out, err := sh.invoke(ctx, r, s, in, i > 0)
			if err != nil {
				var pe *partialError
				if !errors.As(err, &pe) {
					return nil, errors.Join(append(errs, err)...)
				}
				errs = append(errs, pe.err)
			}
			in = out
		}
	}
	return in, errors.Join(errs...)
}

// partialError is a cmdlet's error for some items when others succeeded;
// the pipeline goes on with the output it has.
type partialError struct{ err error }

func (e *partialError) Error() string { return e.err.Error() }
func (e *partialError) Unwrap() error { return e.err }

// invoke binds a command's arguments and runs the cmdlet.
func (sh *Shell) invoke(ctx context.Context, r *run, cmd *Command, in []any, piped bool) ([]any, error) {
	d, ok := sh.lookup(cmd.Name)
	if !ok {
		return nil, sh.cmdError(r, cmd, cmd.Name, fmt.Errorf("The term '%s' is not recognized as the name of a cmdlet, function, script file, "+
			"or operable program. Check the spelling of the name, or if a path was included, verify that the path is correct and try again.", cmd.Name))
	}
	args, err := sh.bind(ctx, r, d, cmd)
	if err == nil {
		err = sh.missingMandatory(d, args, piped)
	}
	if err != nil {
		return nil, sh.cmdError(r, cmd, d.name, err)
	}
	c := &call{sh: sh, r: r, def: d, cmd: cmd, args: args, input: in, piped: piped}
	out, err := d.run(ctx, c)
	if err == nil {
		return out, nil
	}
	var exit *ExitError
	if errors.As(err, &exit) {
		return out, err
	}
	err = sh.cmdError(r, cmd, d.name, err)
	switch lower(c.str("ErrorAction")) {
	case "silentlycontinue", "ignore":
		return out, nil
	case "stop":
		return out, &stopError{err: err}
	}
	if lower(stringOf(sh.vars["erroractionpreference"])) == "stop" {
		return out, &stopError{err: err}
	}
	if len(out) > 0 {
		return out, &partialError{err: err}
	}
	return out, err
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

// cmdError attaches the cmdlet name and the command's position to each
// error (errors of nested commands keep their own).
func (sh *Shell) cmdError(r *run, cmd *Command, name string, err error) error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, sh.cmdError(r, cmd, name, e))
		}
		return errors.Join(out...)
	}
	var ce *CommandError
	if errors.As(err, &ce) || errors.Is(err, context.Canceled) {
		return err
	}
	width := utf8.RuneCountInString(strings.TrimSpace(r.src[cmd.Pos:max(cmd.Pos, cmd.End)]))
	return &CommandError{Cmdlet: name, Err: err, Source: r.src, Offset: int(cmd.Pos), Width: width}
}

// eval computes an expression's value.
func (sh *Shell) eval(ctx context.Context, r *run, e Expr) (any, error) {
	switch x := e.(type) {
	case *StringLit:
		return sh.expand(x), nil
	case *NumberLit:
		return x.Value, nil
	case *Variable:
		return sh.variable(x.Name), nil
	case *ArrayLit:
		out := make([]any, len(x.Elems))
		for i, el := range x.Elems {
			v, err := sh.eval(ctx, r, el)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case *HashLit:
		h := &Hashtable{}
		for _, en := range x.Entries {
			v, err := sh.eval(ctx, r, en.Value)
			if err != nil {
				return nil, err
			}
			h.Keys, h.Values = append(h.Keys, en.Key), append(h.Values, v)
		}
		return h, nil
	case *SubExpr:
		return sh.subExpr(ctx, r, x)
	case *StaticCall:
		return staticCall(x, func(e Expr) (any, error) { return sh.eval(ctx, r, e) })
	case *Member:
		v, err := sh.eval(ctx, r, x.Target)
		if err != nil {
			return nil, err
		}
		return member(v, x.Name), nil
	}
	return nil, fmt.Errorf("unknown expression %T", e)
}

// subExpr runs ( ), $( ) or @( ): its output is $null, one value, or an
// array (always an array for @( )).
func (sh *Shell) subExpr(ctx context.Context, r *run, x *SubExpr) (any, error) {
	var out []any
	for _, st := range x.Body {
		o, err := sh.statement(ctx, r, st)
		if err != nil {
			return nil, err
		}
		out = append(out, o...)
	}
	if x.Kind == '@' {
		if out == nil {
			out = []any{}
		}
		return out, nil
	}
	return collapse(out), nil
}

// expand computes a string with its variables.
func (sh *Shell) expand(s *StringLit) string {
	if len(s.Parts) == 1 && !s.Parts[0].Var {
		return s.Parts[0].Text
	}
	var b strings.Builder
	for _, p := range s.Parts {
		if p.Var {
			b.WriteString(stringOf(sh.variable(p.Text)))
		} else {
			b.WriteString(p.Text)
		}
	}
	return b.String()
}

// variable returns a variable's value; an unset variable is $null, as in
// PowerShell. $env:NAME reads the environment.
func (sh *Shell) variable(name string) any {
	n := lower(name)
	switch n {
	case "true":
		return true
	case "false":
		return false
	case "null":
		return nil
	}
	if env, ok := strings.CutPrefix(n, "env:"); ok {
		if v, ok := os.LookupEnv(name[len("env:"):]); ok && env != "" {
			return v
		}
		return nil
	}
	return sh.vars[n]
}

// member reads a property; on an array it reads it from every element
// (PowerShell's member enumeration). A missing property is $null.
func member(v any, name string) any {
	switch x := v.(type) {
	case *Object:
		p, _ := x.Get(name)
		return p
	case []any:
		var out []any
		for _, e := range x {
			if m := member(e, name); m != nil {
				out = append(out, m)
			}
		}
		return collapse(out)
	case *Credential:
		switch lower(name) {
		case "username":
			return x.UserName
		case "password":
			return x.Password
		}
	case *Hashtable:
		for i, k := range x.Keys {
			if strings.EqualFold(k, name) {
				return x.Values[i]
			}
		}
	case string:
		if lower(name) == "length" {
			return int64(utf8.RuneCountInString(x))
		}
	}
	return nil
}

// maxFileData bounds [System.IO.File]::ReadAllBytes.
const maxFileData = 16 << 20

// staticCall runs the few .NET static methods the Exchange documentation
// uses: [System.IO.File]::ReadAllBytes and ReadAllText, for
// Import-ExchangeCertificate -FileData.
func staticCall(x *StaticCall, eval func(Expr) (any, error)) (any, error) {
	typ := lower(strings.TrimPrefix(lower(x.Type), "system."))
	method := lower(x.Method)
	if typ != "io.file" || (method != "readallbytes" && method != "readalltext") {
		return nil, fmt.Errorf("[%s]::%s is not supported by this shell; the supported calls are [System.IO.File]::ReadAllBytes(path) and ReadAllText(path).", x.Type, x.Method)
	}
	if len(x.Args) != 1 {
		return nil, fmt.Errorf("Cannot find an overload for \"%s\" and the argument count: \"%d\".", x.Method, len(x.Args))
	}
	v, err := eval(x.Args[0])
	if err != nil {
		return nil, err
	}
	data, err := readFile(stringOf(v))
	if err != nil {
		return nil, err
	}
	if method == "readalltext" {
		return string(data), nil
	}
	return data, nil
}

// readFile reads a file named in a script, bounded in size.
func readFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("Could not read the file '%s': %v.", name, errors.Unwrap(err))
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileData+1))
	if err != nil {
		return nil, fmt.Errorf("Could not read the file '%s': %v.", name, err)
	}
	if len(data) > maxFileData {
		return nil, fmt.Errorf("The file '%s' is larger than %d MiB.", name, maxFileData>>20)
	}
	return data, nil
}

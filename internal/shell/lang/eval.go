package lang

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"
)

// Prompter asks the user for a value: a missing mandatory parameter, and
// whatever a cmdlet asks for (Get-Credential, Read-Host, a confirmation).
type Prompter interface {
	// ReadLine shows prompt and reads a line.
	ReadLine(prompt string) (string, error)
	// ReadSecret shows prompt and reads a line without echo.
	ReadSecret(prompt string) (string, error)
}

// Cmdlet is a command as the evaluator sees it: its name and parameters,
// and what it does. Binding, abbreviations, conversion, the common
// parameters and mandatory parameters are handled before Run is called,
// so Run reads bound, converted arguments.
type Cmdlet struct {
	// Name is the cmdlet's name as messages show it.
	Name   string
	Params []Param
	// Changes marks cmdlets that change something: they take -WhatIf and
	// -Confirm.
	Changes bool
	// Run runs one invocation. Its output goes down the pipeline; an
	// error with some output is reported while the output goes on.
	Run func(ctx context.Context, c *Call) ([]any, error)
	// Unknown explains a parameter name Params lacks; nil gives
	// PowerShell's "cannot be found" message.
	Unknown func(name string) error
}

// Call is one invocation of a cmdlet: its bound arguments and its input.
type Call struct {
	// Args are the arguments given, by parameter name, converted to each
	// parameter's kind; a switch given is true.
	Args map[string]any
	// Input is what the previous pipeline stage output.
	Input []any
	// Piped reports that the command is not the first of its pipeline
	// (Input may still be empty).
	Piped bool
	od    *outDefault
}

// Flush writes the output held back for a common table header, so that
// what a cmdlet writes to the output or error stream itself (a warning,
// a prompt, Write-Host) comes after the output before it.
func (c *Call) Flush() { c.od.flush() }

// Options configure an Interp.
type Options struct {
	// Stdout receives output; Stderr errors and prompts.
	Stdout, Stderr io.Writer
	// Prompter asks for missing mandatory parameters; nil makes them an
	// error.
	Prompter Prompter
	// Lookup finds the cmdlet a command names (ignoring case, resolving
	// aliases); false means there is none.
	Lookup func(name string) (*Cmdlet, bool)
}

// Interp runs scripts with the cmdlets Lookup finds. Variables persist
// from one Run to the next. An Interp is not safe for concurrent use.
type Interp struct {
	out, errw io.Writer
	prompter  Prompter
	lookup    func(name string) (*Cmdlet, bool)
	vars      map[string]any
}

// New returns an interpreter.
func New(o Options) *Interp {
	ip := &Interp{out: o.Stdout, errw: o.Stderr, prompter: o.Prompter, lookup: o.Lookup, vars: map[string]any{}}
	if ip.out == nil {
		ip.out = io.Discard
	}
	if ip.errw == nil {
		ip.errw = io.Discard
	}
	if ip.lookup == nil {
		ip.lookup = func(string) (*Cmdlet, bool) { return nil, false }
	}
	return ip
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
func (ip *Interp) Run(ctx context.Context, src string) error {
	sc, err := Parse(src)
	if err != nil {
		fmt.Fprintln(ip.errw, err)
		return err
	}
	r := &run{src: src, od: &outDefault{w: ip.out}}
	defer r.od.flush()
	failed := false
	for _, st := range sc.Statements {
		out, err := ip.statement(ctx, r, st)
		r.od.write(out...)
		if err == nil {
			continue
		}
		var exit *ExitError
		if errors.As(err, &exit) {
			return exit
		}
		ip.report(r, err)
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
func (ip *Interp) report(r *run, err error) {
	r.od.flush()
	var stop *stopError
	if errors.As(err, &stop) {
		err = stop.err
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			ip.report(r, e)
		}
		return
	}
	fmt.Fprintln(ip.errw, err)
}

func (ip *Interp) statement(ctx context.Context, r *run, st *Statement) ([]any, error) {
	out, err := ip.pipeline(ctx, r, st.Pipeline)
	if st.Assign == "" {
		return out, err
	}
	switch lower(st.Assign) {
	case "true", "false", "null":
		return nil, fmt.Errorf("Cannot overwrite variable %s because it is read-only or constant.", st.Assign)
	}
	ip.vars[lower(st.Assign)] = collapse(out)
	return nil, err
}

// pipeline runs the stages in order, each on the previous one's output.
// A command that fails for some of its items still passes the others on.
func (ip *Interp) pipeline(ctx context.Context, r *run, pl *Pipeline) ([]any, error) {
	var in []any
	var errs []error
	for i, stage := range pl.Stages {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		switch s := stage.(type) {
		case *ExprStage:
			v, err := ip.eval(ctx, r, s.Expr)
			if err != nil {
				return nil, err
			}
			in = Flatten(v)
		case *Command:
			out, err := ip.invoke(ctx, r, s, in, i > 0)
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
func (ip *Interp) invoke(ctx context.Context, r *run, cmd *Command, in []any, piped bool) ([]any, error) {
	d, ok := ip.lookup(cmd.Name)
	if !ok {
		return nil, ip.cmdError(r, cmd, cmd.Name, fmt.Errorf("The term '%s' is not recognized as the name of a cmdlet, function, script file, "+
			"or operable program. Check the spelling of the name, or if a path was included, verify that the path is correct and try again.", cmd.Name))
	}
	args, err := ip.bind(ctx, r, d, cmd)
	if err == nil {
		err = ip.missingMandatory(d, args, piped)
	}
	if err != nil {
		return nil, ip.cmdError(r, cmd, d.Name, err)
	}
	out, err := d.Run(ctx, &Call{Args: args, Input: in, Piped: piped, od: r.od})
	if err == nil {
		return out, nil
	}
	var exit *ExitError
	if errors.As(err, &exit) {
		return out, err
	}
	err = ip.cmdError(r, cmd, d.Name, err)
	errorAction, _ := args["ErrorAction"].(string)
	switch lower(errorAction) {
	case "silentlycontinue", "ignore":
		return out, nil
	case "stop":
		return out, &stopError{err: err}
	}
	if lower(StringOf(ip.vars["erroractionpreference"])) == "stop" {
		return out, &stopError{err: err}
	}
	if len(out) > 0 {
		return out, &partialError{err: err}
	}
	return out, err
}

// cmdError attaches the cmdlet name and the command's position to each
// error (errors of nested commands keep their own).
func (ip *Interp) cmdError(r *run, cmd *Command, name string, err error) error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, ip.cmdError(r, cmd, name, e))
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
func (ip *Interp) eval(ctx context.Context, r *run, e Expr) (any, error) {
	switch x := e.(type) {
	case *StringLit:
		return ip.expand(x), nil
	case *NumberLit:
		return x.Value, nil
	case *Variable:
		return ip.variable(x.Name), nil
	case *ArrayLit:
		out := make([]any, len(x.Elems))
		for i, el := range x.Elems {
			v, err := ip.eval(ctx, r, el)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case *HashLit:
		h := &Hashtable{}
		for _, en := range x.Entries {
			v, err := ip.eval(ctx, r, en.Value)
			if err != nil {
				return nil, err
			}
			h.Keys, h.Values = append(h.Keys, en.Key), append(h.Values, v)
		}
		return h, nil
	case *SubExpr:
		return ip.subExpr(ctx, r, x)
	case *StaticCall:
		return staticCall(x, func(e Expr) (any, error) { return ip.eval(ctx, r, e) })
	case *Member:
		v, err := ip.eval(ctx, r, x.Target)
		if err != nil {
			return nil, err
		}
		return member(v, x.Name), nil
	}
	return nil, fmt.Errorf("unknown expression %T", e)
}

// subExpr runs ( ), $( ) or @( ): its output is $null, one value, or an
// array (always an array for @( )).
func (ip *Interp) subExpr(ctx context.Context, r *run, x *SubExpr) (any, error) {
	var out []any
	for _, st := range x.Body {
		o, err := ip.statement(ctx, r, st)
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
func (ip *Interp) expand(s *StringLit) string {
	if len(s.Parts) == 1 && !s.Parts[0].Var {
		return s.Parts[0].Text
	}
	var b strings.Builder
	for _, p := range s.Parts {
		if p.Var {
			b.WriteString(StringOf(ip.variable(p.Text)))
		} else {
			b.WriteString(p.Text)
		}
	}
	return b.String()
}

// variable returns a variable's value; an unset variable is $null, as in
// PowerShell. $env:NAME reads the environment.
func (ip *Interp) variable(name string) any {
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
	return ip.vars[n]
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
	data, err := ReadFile(StringOf(v))
	if err != nil {
		return nil, err
	}
	if method == "readalltext" {
		return string(data), nil
	}
	return data, nil
}

// ReadFile reads a file named in a script, bounded in size (16 MiB),
// with PowerShell's wording on failure.
func ReadFile(name string) ([]byte, error) {
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

package shell

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// kind is a parameter's type, which decides how an argument converts.
type kind int

const (
	// kSwitch is a switch (-Force); -Name:$false turns it off.
	kSwitch kind = iota
	// kString takes one value, as text.
	kString
	// kStrings takes a value or a comma list, as texts.
	kStrings
	// kRaw keeps the value as given: settings parameters, where a list,
	// @{Add=...} and $null each mean something.
	kRaw
	// kBool takes $true or $false (or 1 and 0).
	kBool
	// kInt takes a whole number.
	kInt
	// kSecure takes a SecureString (ConvertTo-SecureString, Read-Host
	// -AsSecureString); never plain text.
	kSecure
	// kCredential takes a PSCredential, or a user name to prompt for.
	kCredential
	// kObject takes any value (pipeline objects, Write-Output).
	kObject
)

// String is the .NET type name PowerShell's messages use.
func (k kind) String() string {
	return [...]string{"SwitchParameter", "String", "String[]", "Object", "Boolean", "Int32", "SecureString", "PSCredential", "Object"}[k]
}

// noPos marks a parameter that cannot be given by position.
const noPos = -1

// param describes one parameter of a cmdlet.
type param struct {
	name    string
	kind    kind
	pos     int // position for positional arguments, or noPos
	aliases []string
	// mandatory parameters are prompted for in an interactive shell, and
	// an error otherwise.
	mandatory bool
	// pipeline parameters take their value from the objects piped in
	// (by the property of the same name, or the object itself).
	pipeline bool
	// set lists the accepted values (ValidateSet), matched ignoring case.
	set []string
}

// named and positional build param entries.
func named(name string, k kind, aliases ...string) param {
	return param{name: name, kind: k, pos: noPos, aliases: aliases}
}

func positional(name string, k kind, pos int) param { return param{name: name, kind: k, pos: pos} }

func (p param) must() param                  { p.mandatory = true; return p }
func (p param) piped() param                 { p.pipeline = true; return p }
func (p param) oneOf(values ...string) param { p.set = values; return p }

// commonParams are accepted by every cmdlet (about_CommonParameters).
func commonParams() []param {
	return []param{
		named("Verbose", kSwitch, "vb"),
		named("Debug", kSwitch, "db"),
		named("ErrorAction", kString, "ea").oneOf("Continue", "SilentlyContinue", "Stop", "Ignore", "Inquire"),
		named("WarningAction", kString, "wa").oneOf("Continue", "SilentlyContinue", "Stop", "Ignore", "Inquire"),
	}
}

// shouldProcessParams are added to cmdlets that change something.
func shouldProcessParams() []param {
	return []param{named("WhatIf", kSwitch, "wi"), named("Confirm", kSwitch, "cf")}
}

// allParams returns a cmdlet's parameters with the common ones.
func (d *cmdlet) allParams() []param {
	ps := append(append([]param{}, d.params...), commonParams()...)
	if d.changes {
		ps = append(ps, shouldProcessParams()...)
	}
	return ps
}

// resolve finds the parameter a name given on the command line means:
// the exact name or an alias, ignoring case, else the one parameter whose
// name starts with it, as PowerShell allows abbreviations.
func (d *cmdlet) resolve(given string) (*param, error) {
	ps := d.allParams()
	n := lower(given)
	for i := range ps {
		if lower(ps[i].name) == n {
			return &ps[i], nil
		}
		for _, a := range ps[i].aliases {
			if lower(a) == n {
				return &ps[i], nil
			}
		}
	}
	var matches []*param
	for i := range ps {
		if strings.HasPrefix(lower(ps[i].name), n) {
			matches = append(matches, &ps[i])
		}
	}
	switch {
	case len(matches) == 1:
		return matches[0], nil
	case len(matches) > 1:
		names := make([]string, len(matches))
		for i, m := range matches {
			names[i] = "-" + m.name
		}
		return nil, fmt.Errorf("Parameter cannot be processed because the parameter name '%s' is ambiguous. Possible matches include: %s.",
			given, strings.Join(names, " "))
	case d.unknown != nil:
		return nil, d.unknown(given)
	}
	return nil, fmt.Errorf("A parameter cannot be found that matches parameter name '%s'.", given)
}

// bind evaluates a command's elements and binds them to the cmdlet's
// parameters: named ones first, then the rest by position.
func (sh *Shell) bind(ctx context.Context, r *run, d *cmdlet, cmd *Command) (map[string]any, error) {
	args := map[string]any{}
	var rest []*Element
	for i := 0; i < len(cmd.Elems); i++ {
		el := cmd.Elems[i]
		if el.Param == "" {
			rest = append(rest, el)
			continue
		}
		p, err := d.resolve(el.Param)
		if err != nil {
			return nil, err
		}
		if _, dup := args[p.name]; dup {
			return nil, fmt.Errorf("Cannot bind parameter because parameter '%s' is specified more than once. "+
				"To provide multiple values to parameters that can accept multiple values, use the array syntax. "+
				"For example, \"-parameter value1,value2,value3\".", p.name)
		}
		var v any = true
		switch {
		case el.Colon:
			if v, err = sh.eval(ctx, r, el.Value); err != nil {
				return nil, err
			}
		case p.kind != kSwitch:
			if i+1 >= len(cmd.Elems) || cmd.Elems[i+1].Param != "" {
				return nil, fmt.Errorf("Missing an argument for parameter '%s'. Specify a parameter of type '%s' and try again.",
					p.name, p.kind)
			}
			i++
			if v, err = sh.eval(ctx, r, cmd.Elems[i].Value); err != nil {
				return nil, err
			}
		}
		if args[p.name], err = convert(p, v); err != nil {
			return nil, err
		}
	}
	return args, sh.bindPositional(ctx, r, d, rest, args)
}

// bindPositional binds the remaining arguments in order to the unbound
// parameters that take a position.
func (sh *Shell) bindPositional(ctx context.Context, r *run, d *cmdlet, rest []*Element, args map[string]any) error {
	for _, el := range rest {
		v, err := sh.eval(ctx, r, el.Value)
		if err != nil {
			return err
		}
		p := d.nextPositional(args)
		if p == nil {
			return fmt.Errorf("A positional parameter cannot be found that accepts argument '%s'.", stringOf(v))
		}
		if args[p.name], err = convert(p, v); err != nil {
			return err
		}
	}
	return nil
}

func (d *cmdlet) nextPositional(args map[string]any) *param {
	var best *param
	for i := range d.params {
		p := &d.params[i]
		if _, bound := args[p.name]; p.pos == noPos || bound {
			continue
		}
		if best == nil || p.pos < best.pos {
			best = p
		}
	}
	return best
}

// convert turns an argument into the parameter's type, with PowerShell's
// wording on failure. A secret's value never appears in a message.
func convert(p *param, v any) (any, error) {
	bad := func(why string) error {
		return fmt.Errorf("Cannot process argument transformation on parameter '%s'. %s", p.name, why)
	}
	switch p.kind {
	case kSwitch, kBool:
		return toBool(p, v)
	case kString:
		if arr, ok := v.([]any); ok && len(arr) != 1 {
			return nil, bad("Cannot convert 'System.Object[]' to the type 'System.String' required by the parameter.")
		}
		s := textOf(v)
		return s, checkSet(p, s)
	case kStrings:
		var out []string
		for _, e := range flattenAll(v) {
			s := textOf(e)
			if err := checkSet(p, s); err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	case kInt:
		switch x := v.(type) {
		case int64:
			return x, nil
		case string:
			if n, ok := parseNumber(strings.TrimSpace(x)); ok {
				return n, nil
			}
		}
		return nil, bad(fmt.Sprintf("Cannot convert value \"%s\" to type \"System.Int32\".", display(v)))
	case kSecure:
		if s, ok := v.(*SecureString); ok {
			return s, nil
		}
		return nil, bad(fmt.Sprintf("Cannot convert the value of type \"%s\" to type \"System.Security.SecureString\". "+
			"Use (ConvertTo-SecureString 'text' -AsPlainText -Force) or (Read-Host -AsSecureString).", typeName(v)))
	case kCredential:
		switch x := v.(type) {
		case *Credential, string:
			return x, nil
		}
		return nil, bad(fmt.Sprintf("Cannot convert the value of type \"%s\" to type \"PSCredential\".", typeName(v)))
	}
	return v, nil
}

func toBool(p *param, v any) (bool, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case int64:
		return x != 0, nil
	}
	return false, fmt.Errorf("Cannot process argument transformation on parameter '%s'. Cannot convert value \"%s\" to type \"System.Boolean\". "+
		"Boolean parameters accept only Boolean values and numbers, such as $True, $False, 1 or 0.", p.name, typeName(v))
}

func checkSet(p *param, s string) error {
	if len(p.set) == 0 {
		return nil
	}
	for _, ok := range p.set {
		if strings.EqualFold(ok, s) {
			return nil
		}
	}
	return fmt.Errorf("Cannot validate argument on parameter '%s'. The argument \"%s\" does not belong to the set \"%s\" "+
		"specified by the ValidateSet attribute. Supply an argument that is in the set and then try the command again.",
		p.name, s, strings.Join(p.set, ","))
}

// textOf is a value as the text of a string parameter; an object gives
// its identity.
func textOf(v any) string {
	switch x := v.(type) {
	case []any:
		if len(x) == 1 {
			return textOf(x[0])
		}
	case *Object:
		for _, name := range []string{"Identity", "Name"} {
			if id, ok := x.Get(name); ok {
				return display(id)
			}
		}
	}
	return stringOf(v)
}

// flattenAll enumerates nested arrays.
func flattenAll(v any) []any {
	arr, ok := v.([]any)
	if !ok {
		if v == nil {
			return nil
		}
		return []any{v}
	}
	var out []any
	for _, e := range arr {
		out = append(out, flattenAll(e)...)
	}
	return out
}

// missingMandatory prompts for, or reports, mandatory parameters left
// unbound. A pipeline parameter of a command that is piped into is
// satisfied by the input, even when there is none: then the cmdlet has
// nothing to do, as in PowerShell.
func (sh *Shell) missingMandatory(d *cmdlet, args map[string]any, piped bool) error {
	var missing []*param
	for i := range d.params {
		p := &d.params[i]
		if _, ok := args[p.name]; ok || !p.mandatory || p.pipeline && piped {
			continue
		}
		missing = append(missing, p)
	}
	if len(missing) == 0 {
		return nil
	}
	if sh.prompter == nil {
		names := make([]string, len(missing))
		for i, p := range missing {
			names[i] = p.name
		}
		return fmt.Errorf("Cannot process command because of one or more missing mandatory parameters: %s.", strings.Join(names, " "))
	}
	fmt.Fprintf(sh.errw, "\ncmdlet %s at command pipeline position 1\nSupply values for the following parameters:\n", d.name)
	for _, p := range missing {
		v, err := sh.promptValue(p)
		if err != nil {
			return err
		}
		args[p.name] = v
	}
	return nil
}

func (sh *Shell) promptValue(p *param) (any, error) {
	if p.kind == kSecure {
		s, err := sh.prompter.ReadSecret(p.name + ": ")
		return &SecureString{text: s}, err
	}
	s, err := sh.prompter.ReadLine(p.name + ": ")
	if err != nil {
		return nil, err
	}
	if s == "" {
		return nil, errors.New("Cannot bind argument to parameter '" + p.name + "' because it is an empty string.")
	}
	return convert(p, s)
}

// intArg is an integer argument, or def when absent.
func intArg(args map[string]any, name string, def int) int {
	if v, ok := args[name].(int64); ok {
		return int(v)
	}
	return def
}

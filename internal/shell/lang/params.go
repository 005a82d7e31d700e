package lang

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Kind is a parameter's type, which decides how an argument converts.
type Kind int

const (
	// KindSwitch is a switch (-Force); -Name:$false turns it off.
	KindSwitch Kind = iota
	// KindString takes one value, as text.
	KindString
	// KindStrings takes a value or a comma list, as texts.
	KindStrings
	// KindRaw keeps the value as given: settings parameters, where a list,
	// @{Add=...} and $null each mean something.
	KindRaw
	// KindBool takes $true or $false (or 1 and 0).
	KindBool
	// KindInt takes a whole number.
	KindInt
	// KindSecure takes a SecureString (ConvertTo-SecureString, Read-Host
	// -AsSecureString); never plain text.
	KindSecure
	// KindCredential takes a PSCredential, or a user name to prompt for.
	KindCredential
	// KindObject takes any value (pipeline objects, Write-Output).
	KindObject
)

// String is the .NET type name PowerShell's messages use.
func (k Kind) String() string {
	return [...]string{"SwitchParameter", "String", "String[]", "Object", "Boolean", "Int32", "SecureString", "PSCredential", "Object"}[k]
}

// noPos marks a parameter that cannot be given by position.
const noPos = -1

// Param describes one parameter of a cmdlet. Named and Positional make
// one; Must, Piped and OneOf qualify it.
type Param struct {
	Name    string
	Kind    Kind
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

// Named is a parameter given by name only; aliases are other names for
// it.
func Named(name string, k Kind, aliases ...string) Param {
	return Param{Name: name, Kind: k, pos: noPos, aliases: aliases}
}

// Positional is a parameter that may also be given by position: the
// unnamed arguments bind, in order, to the unbound parameters with the
// lowest pos.
func Positional(name string, k Kind, pos int) Param { return Param{Name: name, Kind: k, pos: pos} }

// Must makes the parameter mandatory: prompted for when there is a
// Prompter, an error otherwise.
func (p Param) Must() Param { p.mandatory = true; return p }

// Piped makes the parameter take its value from the objects piped in.
func (p Param) Piped() Param { p.pipeline = true; return p }

// OneOf restricts the parameter's values to a set (ValidateSet), matched
// ignoring case.
func (p Param) OneOf(values ...string) Param { p.set = values; return p }

// commonParams are accepted by every cmdlet (about_CommonParameters).
func commonParams() []Param {
	return []Param{
		Named("Verbose", KindSwitch, "vb"),
		Named("Debug", KindSwitch, "db"),
		Named("ErrorAction", KindString, "ea").OneOf("Continue", "SilentlyContinue", "Stop", "Ignore", "Inquire"),
		Named("WarningAction", KindString, "wa").OneOf("Continue", "SilentlyContinue", "Stop", "Ignore", "Inquire"),
	}
}

// shouldProcessParams are added to cmdlets that change something.
func shouldProcessParams() []Param {
	return []Param{Named("WhatIf", KindSwitch, "wi"), Named("Confirm", KindSwitch, "cf")}
}

// AllParams returns a cmdlet's parameters with the common ones (and
// -WhatIf and -Confirm for a cmdlet that changes something).
func (d *Cmdlet) AllParams() []Param {
	ps := append(append([]Param{}, d.Params...), commonParams()...)
	if d.Changes {
		ps = append(ps, shouldProcessParams()...)
	}
	return ps
}

// resolve finds the parameter a name given on the command line means:
// the exact name or an alias, ignoring case, else the one parameter whose
// name starts with it, as PowerShell allows abbreviations.
func (d *Cmdlet) resolve(given string) (*Param, error) {
	ps := d.AllParams()
	n := lower(given)
	for i := range ps {
		if lower(ps[i].Name) == n {
			return &ps[i], nil
		}
		for _, a := range ps[i].aliases {
			if lower(a) == n {
				return &ps[i], nil
			}
		}
	}
	var matches []*Param
	for i := range ps {
		if strings.HasPrefix(lower(ps[i].Name), n) {
			matches = append(matches, &ps[i])
		}
	}
	switch {
	case len(matches) == 1:
		return matches[0], nil
	case len(matches) > 1:
		names := make([]string, len(matches))
		for i, m := range matches {
			names[i] = "-" + m.Name
		}
		return nil, fmt.Errorf("Parameter cannot be processed because the parameter name '%s' is ambiguous. Possible matches include: %s.",
			given, strings.Join(names, " "))
	case d.Unknown != nil:
		return nil, d.Unknown(given)
	}
	return nil, fmt.Errorf("A parameter cannot be found that matches parameter name '%s'.", given)
}

// bind evaluates a command's elements and binds them to the cmdlet's
// parameters: named ones first, then the rest by position.
func (ip *Interp) bind(ctx context.Context, r *run, d *Cmdlet, cmd *Command) (map[string]any, error) {
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
		if _, dup := args[p.Name]; dup {
			return nil, fmt.Errorf("Cannot bind parameter because parameter '%s' is specified more than once. "+
				"To provide multiple values to parameters that can accept multiple values, use the array syntax. "+
				"For example, \"-parameter value1,value2,value3\".", p.Name)
		}
		var v any = true
		switch {
		case el.Colon:
			if v, err = ip.eval(ctx, r, el.Value); err != nil {
				return nil, err
			}
		case p.Kind != KindSwitch:
			if i+1 >= len(cmd.Elems) || cmd.Elems[i+1].Param != "" {
				return nil, fmt.Errorf("Missing an argument for parameter '%s'. Specify a parameter of type '%s' and try again.",
					p.Name, p.Kind)
			}
			i++
			if v, err = ip.eval(ctx, r, cmd.Elems[i].Value); err != nil {
				return nil, err
			}
		}
		if args[p.Name], err = convert(p, v); err != nil {
			return nil, err
		}
	}
	return args, ip.bindPositional(ctx, r, d, rest, args)
}

// bindPositional binds the remaining arguments in order to the unbound
// parameters that take a position.
func (ip *Interp) bindPositional(ctx context.Context, r *run, d *Cmdlet, rest []*Element, args map[string]any) error {
	for _, el := range rest {
		v, err := ip.eval(ctx, r, el.Value)
		if err != nil {
			return err
		}
		p := d.nextPositional(args)
		if p == nil {
			return fmt.Errorf("A positional parameter cannot be found that accepts argument '%s'.", StringOf(v))
		}
		if args[p.Name], err = convert(p, v); err != nil {
			return err
		}
	}
	return nil
}

func (d *Cmdlet) nextPositional(args map[string]any) *Param {
	var best *Param
	for i := range d.Params {
		p := &d.Params[i]
		if _, bound := args[p.Name]; p.pos == noPos || bound {
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
func convert(p *Param, v any) (any, error) {
	bad := func(why string) error {
		return fmt.Errorf("Cannot process argument transformation on parameter '%s'. %s", p.Name, why)
	}
	switch p.Kind {
	case KindSwitch, KindBool:
		return toBool(p, v)
	case KindString:
		if arr, ok := v.([]any); ok && len(arr) != 1 {
			return nil, bad("Cannot convert 'System.Object[]' to the type 'System.String' required by the parameter.")
		}
		s := TextOf(v)
		return s, checkSet(p, s)
	case KindStrings:
		var out []string
		for _, e := range FlattenAll(v) {
			s := TextOf(e)
			if err := checkSet(p, s); err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	case KindInt:
		switch x := v.(type) {
		case int64:
			return x, nil
		case string:
			if n, ok := parseNumber(strings.TrimSpace(x)); ok {
				return n, nil
			}
		}
		return nil, bad(fmt.Sprintf("Cannot convert value \"%s\" to type \"System.Int32\".", Display(v)))
	case KindSecure:
		if s, ok := v.(*SecureString); ok {
			return s, nil
		}
		return nil, bad(fmt.Sprintf("Cannot convert the value of type \"%s\" to type \"System.Security.SecureString\". "+
			"Use (ConvertTo-SecureString 'text' -AsPlainText -Force) or (Read-Host -AsSecureString).", TypeName(v)))
	case KindCredential:
		switch x := v.(type) {
		case *Credential, string:
			return x, nil
		}
		return nil, bad(fmt.Sprintf("Cannot convert the value of type \"%s\" to type \"PSCredential\".", TypeName(v)))
	}
	return v, nil
}

func toBool(p *Param, v any) (bool, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case int64:
		return x != 0, nil
	}
	return false, fmt.Errorf("Cannot process argument transformation on parameter '%s'. Cannot convert value \"%s\" to type \"System.Boolean\". "+
		"Boolean parameters accept only Boolean values and numbers, such as $True, $False, 1 or 0.", p.Name, TypeName(v))
}

func checkSet(p *Param, s string) error {
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
		p.Name, s, strings.Join(p.set, ","))
}

// TextOf is a value as the text of a string parameter; an object gives
// its identity.
func TextOf(v any) string {
	switch x := v.(type) {
	case []any:
		if len(x) == 1 {
			return TextOf(x[0])
		}
	case *Object:
		for _, name := range []string{"Identity", "Name"} {
			if id, ok := x.Get(name); ok {
				return Display(id)
			}
		}
	}
	return StringOf(v)
}

// FlattenAll enumerates nested arrays.
func FlattenAll(v any) []any {
	arr, ok := v.([]any)
	if !ok {
		if v == nil {
			return nil
		}
		return []any{v}
	}
	var out []any
	for _, e := range arr {
		out = append(out, FlattenAll(e)...)
	}
	return out
}

// missingMandatory prompts for, or reports, mandatory parameters left
// unbound. A pipeline parameter of a command that is piped into is
// satisfied by the input, even when there is none: then the cmdlet has
// nothing to do, as in PowerShell.
func (ip *Interp) missingMandatory(d *Cmdlet, args map[string]any, piped bool) error {
	var missing []*Param
	for i := range d.Params {
		p := &d.Params[i]
		if _, ok := args[p.Name]; ok || !p.mandatory || p.pipeline && piped {
			continue
		}
		missing = append(missing, p)
	}
	if len(missing) == 0 {
		return nil
	}
	if ip.prompter == nil {
		names := make([]string, len(missing))
		for i, p := range missing {
			names[i] = p.Name
		}
		return fmt.Errorf("Cannot process command because of one or more missing mandatory parameters: %s.", strings.Join(names, " "))
	}
	fmt.Fprintf(ip.errw, "\ncmdlet %s at command pipeline position 1\nSupply values for the following parameters:\n", d.Name)
	for _, p := range missing {
		v, err := ip.promptValue(p)
		if err != nil {
			return err
		}
		args[p.Name] = v
	}
	return nil
}

func (ip *Interp) promptValue(p *Param) (any, error) {
	if p.Kind == KindSecure {
		s, err := ip.prompter.ReadSecret(p.Name + ": ")
		return &SecureString{text: s}, err
	}
	s, err := ip.prompter.ReadLine(p.Name + ": ")
	if err != nil {
		return nil, err
	}
	if s == "" {
		return nil, errors.New("Cannot bind argument to parameter '" + p.Name + "' because it is an empty string.")
	}
	return convert(p, s)
}

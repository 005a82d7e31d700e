package config

import (
	"strings"
)

// Op is the kind of edit a Change makes.
type Op int

// The edit kinds. OpAdd and OpRemove are the shell's @{Add=...;Remove=...}
// and apply only to multi-valued parameters.
const (
	// OpSet replaces the value (the whole list, for a multi-valued parameter).
	OpSet Op = iota
	// OpAdd adds values to a list; values already present are skipped.
	OpAdd
	// OpRemove removes values from a list; values not present are skipped.
	OpRemove
)

// Change is one parameter edit. For a single-valued parameter Op is OpSet
// and Values holds exactly one text; for a multi-valued parameter Values
// holds the list elements, one per entry (nil or empty clears on OpSet).
type Change struct {
	// Name is the parameter name, matched case-insensitively.
	Name string
	// Op says whether to replace, add or remove.
	Op Op
	// Values are the texts to parse.
	Values []string
}

// Field is one line of Format-List output: a parameter name and the
// display form of its value.
type Field struct {
	// Name is the parameter name as Exchange spells it.
	Name string
	// Value is the display form; empty for an empty string.
	Value string
}

// param describes one parameter of a settings object of type T: how to
// read it for display, how to set it from text, and how to check the value
// it holds. Exactly one of set and list is non-nil.
type param[T any] struct {
	name  string
	get   func(*T) string
	set   func(*T, string) error
	list  func(*T, Op, []string) error
	check func(*T) error
}

// paramSet is the parameter table of one settings type, with the rules
// that span several parameters.
type paramSet[T any] struct {
	params []param[T]
	// elsewhere reports, for a name this table lacks, the protocol whose
	// settings have it (ErrWrongProtocol); nil when there is none.
	elsewhere func(name string) (protocol string, ok bool)
	// rules checks the combinations, after every parameter's own check.
	rules func(*T) error
	// writeRules checks what a document must meet when it is written
	// (Set, Apply, Validate) but not when a stored one is loaded: a rule
	// added later, such as no listener on port 0, must not make a data
	// folder written before it unreadable, or the setting could not be
	// corrected. nil when there are none.
	writeRules func(*T) error
}

// names returns the parameter names in display order.
func (ps paramSet[T]) names() []string {
	out := make([]string, len(ps.params))
	for i, p := range ps.params {
		out[i] = p.name
	}
	return out
}

// find looks a parameter up by exact name, ignoring case.
func (ps paramSet[T]) find(name string) (*param[T], error) {
	n := strings.TrimSpace(name)
	for i := range ps.params {
		if strings.EqualFold(ps.params[i].name, n) {
			return &ps.params[i], nil
		}
	}
	if ps.elsewhere != nil {
		if proto, ok := ps.elsewhere(n); ok {
			return nil, &ParamError{Param: n, Allowed: proto, Kind: ErrWrongProtocol}
		}
	}
	return nil, &ParamError{Param: n, Kind: ErrUnknownParameter}
}

// set applies one text to a parameter: a single value, or a CLI list.
func (ps paramSet[T]) set(obj *T, name, text string) error {
	p, err := ps.find(name)
	if err != nil {
		return err
	}
	values := []string{text}
	if p.list != nil {
		values = SplitList(text)
	}
	return ps.apply(obj, []Change{{Name: p.name, Op: OpSet, Values: values}})
}

// apply makes every change on a copy of *obj, validates the copy as a
// whole, and stores it only if all went well.
func (ps paramSet[T]) apply(obj *T, changes []Change) error {
	c := *obj // setters never modify a slice in place, so a shallow copy is safe
	for _, ch := range changes {
		p, err := ps.find(ch.Name)
		if err != nil {
			return err
		}
		if err := p.change(&c, ch); err != nil {
			return err
		}
	}
	if err := ps.validate(&c); err != nil {
		return err
	}
	*obj = c
	return nil
}

// change applies one Change to obj, naming the parameter on any error.
func (p *param[T]) change(obj *T, ch Change) error {
	if p.list != nil {
		err := p.list(obj, ch.Op, ch.Values)
		return withParam(p.name, strings.Join(ch.Values, ","), err)
	}
	if ch.Op != OpSet || len(ch.Values) != 1 {
		return &ParamError{Param: p.name, Value: strings.Join(ch.Values, ","), Kind: ErrNotMultiValued}
	}
	return withParam(p.name, ch.Values[0], p.set(obj, ch.Values[0]))
}

// validate checks every parameter in display order, then the rules, then
// the rules of a document being written.
func (ps paramSet[T]) validate(obj *T) error {
	if err := ps.validateStored(obj); err != nil {
		return err
	}
	if ps.writeRules != nil {
		return ps.writeRules(obj)
	}
	return nil
}

// validateStored checks a stored document being loaded: every parameter
// in display order, then the rules, but not writeRules.
func (ps paramSet[T]) validateStored(obj *T) error {
	for i := range ps.params {
		p := &ps.params[i]
		if err := p.check(obj); err != nil {
			return withParam(p.name, p.get(obj), err)
		}
	}
	if ps.rules != nil {
		return ps.rules(obj)
	}
	return nil
}

// get returns the display form of one parameter.
func (ps paramSet[T]) get(obj *T, name string) (string, error) {
	p, err := ps.find(name)
	if err != nil {
		return "", err
	}
	return p.get(obj), nil
}

// fields returns every parameter with its display form, in display order.
func (ps paramSet[T]) fields(obj *T) []Field {
	out := make([]Field, len(ps.params))
	for i, p := range ps.params {
		out[i] = Field{Name: p.name, Value: p.get(obj)}
	}
	return out
}

package config

import (
	"errors"
	"fmt"
)

// Error kinds. Every *ParamError wraps exactly one of them, so callers can
// test with errors.Is.
var (
	// ErrUnknownParameter: no parameter has this name.
	ErrUnknownParameter = errors.New("config: unknown parameter")
	// ErrWrongProtocol: the parameter exists only for the other protocol
	// (ShowHiddenFoldersEnabled on POP3, MessageRetrievalSortOrder on IMAP4).
	ErrWrongProtocol = errors.New("config: parameter belongs to the other protocol")
	// ErrSyntax: the text does not parse as the parameter's type.
	ErrSyntax = errors.New("config: invalid value syntax")
	// ErrOutOfRange: the value parses but lies outside the valid range.
	ErrOutOfRange = errors.New("config: value out of range")
	// ErrInvalid: the value breaks a rule other than a range, such as a
	// duplicate list entry or a combination of settings.
	ErrInvalid = errors.New("config: invalid value")
	// ErrNotMultiValued: a list, Add or Remove was given for a parameter
	// that holds a single value.
	ErrNotMultiValued = errors.New("config: parameter is not multi-valued")
)

// ParamError reports a bad parameter or value, worded like the validation
// errors of the Exchange Management Shell. The formats, by kind, are:
//
//	ErrSyntax:           Cannot process argument transformation on parameter 'P'. Cannot convert value "V" to type T. Valid values: A.
//	ErrOutOfRange:       Cannot validate argument on parameter 'P'. The value V is not in the valid range A.
//	ErrInvalid:          Cannot validate argument on parameter 'P'. The value "V" is not valid: A.
//	ErrUnknownParameter: A parameter cannot be found that matches parameter name 'P'.
//	ErrWrongProtocol:    A parameter cannot be found that matches parameter name 'P'. It applies only to A settings.
//	ErrNotMultiValued:   Cannot process argument on parameter 'P'. It takes a single value; lists, Add and Remove apply only to multi-valued parameters.
//
// When a standalone parser (ParseTimeSpan, ...) returns the error, Param is
// empty and the "... on parameter 'P'. " prefix is left out.
type ParamError struct {
	// Param is the parameter name as Exchange spells it; empty when the
	// error comes from a standalone parser.
	Param string
	// Value is the offending value: the text as given for syntax errors,
	// the display form of the parsed value for range errors, and one
	// element (not the whole list) for multi-valued parameters.
	Value string
	// Type is the value type's Exchange name, e.g. "EnhancedTimeSpan"
	// (set for ErrSyntax).
	Type string
	// Allowed is the valid range ("40-1024"), the valid values or syntax,
	// or the rule that was broken.
	Allowed string
	// Kind is one of the Err* kinds above.
	Kind error
}

// Error returns the message in the format documented on ParamError.
func (e *ParamError) Error() string {
	on := func(verb string) string {
		if e.Param == "" {
			return ""
		}
		return fmt.Sprintf("Cannot %s on parameter '%s'. ", verb, e.Param)
	}
	switch e.Kind {
	case ErrUnknownParameter:
		return fmt.Sprintf("A parameter cannot be found that matches parameter name '%s'.", e.Param)
	case ErrWrongProtocol:
		return fmt.Sprintf("A parameter cannot be found that matches parameter name '%s'. It applies only to %s settings.", e.Param, e.Allowed)
	case ErrSyntax:
		return fmt.Sprintf("%sCannot convert value %q to type %s. Valid values: %s.",
			on("process argument transformation"), e.Value, e.Type, e.Allowed)
	case ErrOutOfRange:
		return fmt.Sprintf("%sThe value %s is not in the valid range %s.",
			on("validate argument"), e.Value, e.Allowed)
	case ErrNotMultiValued:
		return on("process argument") + "It takes a single value; lists, Add and Remove apply only to multi-valued parameters."
	default:
		return fmt.Sprintf("%sThe value %q is not valid: %s.", on("validate argument"), e.Value, e.Allowed)
	}
}

// Unwrap returns the error kind, for errors.Is.
func (e *ParamError) Unwrap() error { return e.Kind }

// syntaxError is the error every parser returns for text it cannot read.
func syntaxError(typ, value, allowed string) *ParamError {
	return &ParamError{Value: value, Type: typ, Allowed: allowed, Kind: ErrSyntax}
}

// rangeError reports a parsed value (in display form) outside [allowed].
func rangeError(value, allowed string) *ParamError {
	return &ParamError{Value: value, Allowed: allowed, Kind: ErrOutOfRange}
}

// invalidError reports a value that breaks rule.
func invalidError(value, rule string) *ParamError {
	return &ParamError{Value: value, Allowed: rule, Kind: ErrInvalid}
}

// withParam names the parameter on err. A *ParamError is copied, so an
// error returned by a parser is never changed after the fact; any other
// error becomes ErrInvalid with its text as the rule.
func withParam(name, value string, err error) error {
	if err == nil {
		return nil
	}
	var pe *ParamError
	if errors.As(err, &pe) {
		c := *pe
		c.Param = name
		return &c
	}
	return &ParamError{Param: name, Value: value, Allowed: err.Error(), Kind: ErrInvalid}
}

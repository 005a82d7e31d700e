package config

import (
	"strconv"
	"time"
)

// This file builds the param entries for each kind of value. Each builder
// takes an accessor returning a pointer to the field inside T.

// valueParam builds a single-valued parameter from a parser, a display
// function and a check (nil when the parser already enforces everything).
func valueParam[T, V any](name string, parse func(string) (V, error), format func(V) string,
	check func(V) error, field func(*T) *V) param[T] {
	if check == nil {
		check = func(V) error { return nil }
	}
	return param[T]{
		name: name,
		get:  func(t *T) string { return format(*field(t)) },
		set: func(t *T, text string) error {
			v, err := parse(text)
			if err != nil {
				return err
			}
			if err := check(v); err != nil {
				return err
			}
			*field(t) = v
			return nil
		},
		check: func(t *T) error { return check(*field(t)) },
	}
}

// boolParam builds a Boolean parameter.
func boolParam[T any](name string, field func(*T) *bool) param[T] {
	return valueParam(name, ParseBool, FormatBool, nil, field)
}

// intParam builds an Int32 parameter valid in [lo, hi].
func intParam[T any](name string, lo, hi int, field func(*T) *int) param[T] {
	parse := func(s string) (int, error) { return parseInt32(s, lo, hi) }
	check := func(v int) error { return checkInt(v, lo, hi) }
	return valueParam(name, parse, strconv.Itoa, check, field)
}

// timeSpanParam builds an EnhancedTimeSpan parameter valid in [lo, hi],
// in whole seconds (the only values ParseTimeSpan reads back).
func timeSpanParam[T any](name string, lo, hi TimeSpan, field func(*T) *TimeSpan) param[T] {
	check := func(v TimeSpan) error {
		if v < lo || v > hi {
			return rangeError(v.String(), lo.String()+"-"+hi.String())
		}
		if v.Duration()%time.Second != 0 {
			return invalidError(v.String(), "it must be a whole number of seconds")
		}
		return nil
	}
	return valueParam(name, ParseTimeSpan, TimeSpan.String, check, field)
}

// textParam builds a String parameter; $null clears it.
func textParam[T any](name string, check func(string) error, field func(*T) *string) param[T] {
	return valueParam(name, parseText, func(s string) string { return s }, check, field)
}

// byteParam builds an Unlimited byte-quantity parameter.
func byteParam[T any](name string, field func(*T) *ByteQuantity) param[T] {
	return valueParam(name, ParseByteQuantity, ByteQuantity.String, nil, field)
}

// enumParam builds an enum parameter described by spec.
func enumParam[T any, E ~int](name string, spec enumSpec, field func(*T) *E) param[T] {
	parse := func(s string) (E, error) { return parseEnum[E](spec, s) }
	format := func(v E) string { return spec.name(int(v)) }
	check := func(v E) error {
		if !spec.valid(int(v)) {
			return rangeError(spec.name(int(v)), spec.allowed())
		}
		return nil
	}
	return valueParam(name, parse, format, check, field)
}

// listParam builds a multi-valued parameter of elements read by parse.
func listParam[T any, E listElem](name string, parse func(string) (E, error), field func(*T) *[]E) param[T] {
	return param[T]{
		name: name,
		get:  func(t *T) string { return formatElems(*field(t)) },
		list: func(t *T, op Op, values []string) error {
			elems, err := parseElems(values, parse)
			if err != nil {
				return err
			}
			switch op {
			case OpSet: // duplicates are caught by the check in validate
				if len(elems) == 0 {
					elems = nil
				}
				*field(t) = elems
			case OpAdd:
				*field(t) = addElems(*field(t), elems)
			case OpRemove:
				*field(t) = removeElems(*field(t), elems)
			default:
				return invalidError(strconv.Itoa(int(op)), "unknown edit operation")
			}
			return nil
		},
		check: func(t *T) error { return checkElems(*field(t), parse) },
	}
}

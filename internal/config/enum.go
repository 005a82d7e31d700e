package config

import (
	"fmt"
	"strconv"
	"strings"
)

// enumSpec describes one Exchange enum: its type name (for errors), the
// number of its first name, and its names in numeric order.
type enumSpec struct {
	typ   string
	first int
	names []string
}

// valid reports whether v is one of the enum's numbers.
func (e enumSpec) valid(v int) bool { return v >= e.first && v < e.first+len(e.names) }

// name returns the name of v, or its number when v is not valid.
func (e enumSpec) name(v int) string {
	if !e.valid(v) {
		return strconv.Itoa(v)
	}
	return e.names[v-e.first]
}

// allowed lists the names with their numbers, for error messages:
// "PlainTextLogin (1), PlainTextAuthentication (2), SecureLogin (3)".
func (e enumSpec) allowed() string {
	parts := make([]string, len(e.names))
	for i, n := range e.names {
		parts[i] = fmt.Sprintf("%s (%d)", n, e.first+i)
	}
	return strings.Join(parts, ", ")
}

// parseEnum accepts a name (case-insensitive) or a number, with
// surrounding spaces ignored, as Exchange enums do.
func parseEnum[E ~int](e enumSpec, text string) (E, error) {
	s := strings.TrimSpace(text)
	if n, ok := parseDigits(s, 1, 10); ok {
		if e.valid(int(n)) {
			return E(n), nil
		}
	} else {
		for i, name := range e.names {
			if strings.EqualFold(s, name) {
				return E(e.first + i), nil
			}
		}
	}
	return 0, syntaxError(e.typ, text, e.allowed())
}

// unmarshalEnum decodes a JSON/text enum value into *p.
func unmarshalEnum[E ~int](e enumSpec, b []byte, p *E) error {
	v, err := parseEnum[E](e, string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}

package config

import "strings"

// SplitList splits the CLI text form of a multi-valued property: values
// separated by commas, each trimmed of spaces. An empty text or $null (any
// case) is the empty list. An empty element ("a,,b") is kept, so the
// element parser reports it.
func SplitList(text string) []string {
	s := strings.TrimSpace(text)
	if s == "" || strings.EqualFold(s, "$null") {
		return nil
	}
	parts := strings.Split(s, ",")
	for i, p := range parts {
		parts[i] = strings.TrimSpace(p)
	}
	return parts
}

// FormatList returns the PowerShell display of a collection: "{a, b}", or
// "{}" when empty.
func FormatList(values []string) string {
	return "{" + strings.Join(values, ", ") + "}"
}

// listElem is what a multi-valued property holds: a value with a display
// form and a key that decides equality (for duplicates and Remove).
type listElem interface {
	String() string
	key() string
}

// parseElems parses every value, stopping at the first bad one.
func parseElems[E listElem](values []string, parse func(string) (E, error)) ([]E, error) {
	out := make([]E, 0, len(values))
	for _, v := range values {
		e, err := parse(v)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// checkElems verifies a stored list: every element's display form parses
// back to the same display form (so it is in canonical form), and no
// element appears twice.
func checkElems[E listElem](list []E, parse func(string) (E, error)) error {
	seen := make(map[string]bool, len(list))
	for _, e := range list {
		back, err := parse(e.String())
		if err != nil {
			return err
		}
		if back.String() != e.String() {
			return invalidError(e.String(), "it is not in canonical form "+back.String())
		}
		if seen[e.key()] {
			return invalidError(e.String(), "it appears more than once")
		}
		seen[e.key()] = true
	}
	return nil
}

// addElems returns a new list: list followed by the elements of add that
// it does not already hold. Adding a value already present changes nothing.
func addElems[E listElem](list, add []E) []E {
	out := append([]E(nil), list...)
	seen := make(map[string]bool, len(out)+len(add))
	for _, e := range out {
		seen[e.key()] = true
	}
	for _, e := range add {
		if !seen[e.key()] {
			seen[e.key()] = true
			out = append(out, e)
		}
	}
	return out
}

// removeElems returns a new list without the elements of remove. Removing
// a value that is not present changes nothing.
func removeElems[E listElem](list, remove []E) []E {
	drop := make(map[string]bool, len(remove))
	for _, e := range remove {
		drop[e.key()] = true
	}
	var out []E
	for _, e := range list {
		if !drop[e.key()] {
			out = append(out, e)
		}
	}
	return out
}

// formatElems returns the display of a list, "{a, b}".
func formatElems[E listElem](list []E) string {
	s := make([]string, len(list))
	for i, e := range list {
		s[i] = e.String()
	}
	return FormatList(s)
}

package shell

import (
	"errors"
	"strings"
)

func lower(s string) string { return strings.ToLower(s) }

// joinMessages makes one error per message, or nil.
func joinMessages(msgs []string) error {
	errs := make([]error, len(msgs))
	for i, m := range msgs {
		errs[i] = errors.New(m)
	}
	return errors.Join(errs...)
}

// joinErrors joins errors, dropping nils, flattening joined ones.
func joinErrors(errs ...error) error {
	var out []error
	for _, e := range errs {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			out = append(out, j.Unwrap()...)
		} else if e != nil {
			out = append(out, e)
		}
	}
	return errors.Join(out...)
}

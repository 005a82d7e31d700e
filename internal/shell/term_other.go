//go:build !linux

package shell

import (
	"errors"
	"os"
)

var errNoTerminal = errors.New("terminal control is not supported on this system")

// IsTerminal reports whether f is a terminal; without terminal control
// the shell reads plain lines.
func IsTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func makeRaw(*os.File) (func(), error) { return nil, errNoTerminal }

func noEcho(*os.File) (func(), error) { return nil, errNoTerminal }

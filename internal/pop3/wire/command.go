// Package wire is the POP3 wire codec (RFC 1939, 2449, 5034): command
// parsing, argument checks, and response writing with byte-stuffed
// multi-line bodies. It imports only the standard library and is shared by
// the frontend, the backend and test clients.
package wire

import (
	"errors"
	"strings"
)

// Errors from Parse and the argument helpers.
var (
	ErrEmpty     = errors.New("pop3: empty command")
	ErrSyntax    = errors.New("pop3: syntax error")
	ErrBadNumber = errors.New("pop3: invalid number")
)

// MaxArgs bounds the arguments a command may have (TOP has two, AUTH two).
const MaxArgs = 4

// Command is one parsed command line.
type Command struct {
	// Name is the keyword in upper case.
	Name string
	// Args are the space-separated arguments.
	Args []string
	// Rest is everything after the keyword and one space, unsplit (PASS
	// takes the whole rest of the line, so passwords may contain spaces).
	Rest string
}

// Parse splits a command line (without its CRLF). Keywords are 3 or 4
// printable ASCII letters (RFC 1939 §3; RFC 2449 allows up to 4 for
// extensions, we accept up to 8 to report unknown ones clearly).
// Arguments must be printable ASCII; several spaces separate like one.
func Parse(line []byte) (Command, error) {
	s := string(line)
	if strings.TrimSpace(s) == "" {
		return Command{}, ErrEmpty
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f {
			if c != '\t' {
				return Command{}, ErrSyntax
			}
		}
	}
	name, rest, _ := strings.Cut(s, " ")
	if len(name) < 3 || len(name) > 8 {
		return Command{}, ErrSyntax
	}
	for i := 0; i < len(name); i++ {
		c := name[i] | 0x20
		if c < 'a' || c > 'z' {
			return Command{}, ErrSyntax
		}
	}
	cmd := Command{Name: strings.ToUpper(name), Rest: rest}
	for _, f := range strings.Fields(rest) {
		if len(cmd.Args) == MaxArgs {
			return Command{}, ErrSyntax
		}
		cmd.Args = append(cmd.Args, f)
	}
	return cmd, nil
}

// Number parses a message number or line count: decimal digits only, at
// most 9 of them (no sign, no spaces). It returns ErrBadNumber otherwise.
func Number(s string) (int, error) {
	if s == "" || len(s) > 9 {
		return 0, ErrBadNumber
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, ErrBadNumber
		}
		n = n*10 + int(c-'0')
	}
	return n, nil
}

package wire

import (
	"errors"
	"fmt"
)

// Errors of the command and path parsers. Parsers wrap them with the
// detail (fmt.Errorf("%w: ...")); the session maps the kind to a reply with
// errors.Is and logs the detail.
var (
	// ErrSyntax is a malformed command line or argument (501 5.5.2, or 500
	// 5.5.2 for an unparsable verb).
	ErrSyntax = errors.New("wire: syntax error")
	// ErrBadAddress is a malformed mailbox in a path (501 5.1.7 for MAIL,
	// 501 5.1.3 for RCPT; RFC 3463).
	ErrBadAddress = errors.New("wire: bad address")
	// ErrBadParam is a malformed ESMTP parameter or a bad value for a known
	// one (501 5.5.4).
	ErrBadParam = errors.New("wire: bad parameter")
)

// maxVerb bounds the verb; the longest in use is STARTTLS.
const maxVerb = 16

// Command is one parsed command line.
type Command struct {
	// Verb is the command name in upper case ASCII, e.g. "MAIL".
	Verb string
	// Arg is everything after the single space that follows the verb,
	// with trailing spaces removed; "" if there is none.
	Arg string
}

// ParseCommand splits a command line (without its line ending, as
// ReadLine returns it) into verb and argument (RFC 5321 4.1.1). The verb is
// 1 to 16 ASCII letters and is upper-cased. Control characters anywhere in
// the line are ErrSyntax: no command needs them, and they must never reach
// a reply or a log unescaped.
func ParseCommand(line []byte) (Command, error) {
	for _, c := range line {
		if c < ' ' || c == 0x7f {
			return Command{}, fmt.Errorf("%w: control character in command", ErrSyntax)
		}
	}
	i := 0
	for i < len(line) && line[i] != ' ' {
		i++
	}
	verb := line[:i]
	if len(verb) == 0 || len(verb) > maxVerb {
		return Command{}, fmt.Errorf("%w: missing or over-long verb", ErrSyntax)
	}
	up := make([]byte, len(verb))
	for j, c := range verb {
		switch {
		case 'A' <= c && c <= 'Z':
			up[j] = c
		case 'a' <= c && c <= 'z':
			up[j] = c - 'a' + 'A'
		default:
			return Command{}, fmt.Errorf("%w: verb is not letters", ErrSyntax)
		}
	}
	arg := line[i:]
	if len(arg) > 0 {
		arg = arg[1:] // the separating space
	}
	for len(arg) > 0 && arg[len(arg)-1] == ' ' {
		arg = arg[:len(arg)-1]
	}
	return Command{Verb: string(up), Arg: string(arg)}, nil
}

package wire

import (
	"errors"
	"strings"
)

// Status is the status word of a response (RFC 3501 §7.1).
type Status string

// Response status words.
const (
	StatusOK      Status = "OK"
	StatusNO      Status = "NO"
	StatusBAD     Status = "BAD"
	StatusBYE     Status = "BYE"
	StatusPREAUTH Status = "PREAUTH"
)

// CodeTooBig is the response code for a literal over a limit (RFC 7888 §4,
// RFC 4469 §5).
const CodeTooBig = "TOOBIG"

// Error kinds, wrapped by CommandError.Err. Match them with errors.Is.
var (
	// ErrSyntax reports arguments that do not follow the grammar.
	ErrSyntax = errors.New("imap: syntax error")
	// ErrEmpty reports an empty or blank command line.
	ErrEmpty = errors.New("imap: empty command line")
	// ErrLineTooLong reports command text longer than MaxLine.
	ErrLineTooLong = errors.New("imap: command line too long")
	// ErrLiteralTooBig reports a literal over MaxLiteral or MaxAppendLiteral.
	ErrLiteralTooBig = errors.New("imap: literal too big")
	// ErrTooDeep reports nesting deeper than MaxDepth.
	ErrTooDeep = errors.New("imap: nesting too deep")
	// ErrTooMany reports more literals or list elements than MaxArgs.
	ErrTooMany = errors.New("imap: too many arguments")
	// ErrDiscardLimit reports input that would have to be discarded beyond
	// MaxDiscard to get back in sync. Always fatal.
	ErrDiscardLimit = errors.New("imap: too much data to discard")
	// ErrLiteralPending is returned by ReadCommand and ReadLine while an
	// APPEND message literal has not been finished with FinishCommand. It
	// is a programming error and fatal.
	ErrLiteralPending = errors.New("imap: APPEND literal not finished")
)

// CommandError is a command the session must answer with a tagged (or, when
// Tag is empty, untagged) BAD or NO. Unless Fatal is set, the decoder has
// already consumed the rest of the command and the session goes on with the
// next one.
type CommandError struct {
	// Tag is the command's tag, or "" when it could not be read (answer
	// "* BAD").
	Tag string
	// Status is StatusBAD or StatusNO.
	Status Status
	// Code is a response code to send in brackets, such as CodeTooBig, or "".
	Code string
	// Text is a short, fixed, client-safe description.
	Text string
	// Err is the kind: one of the Err* sentinels above.
	Err error
	// Fatal means the stream could not be brought back in sync: the session
	// may send the response, then must close the connection.
	Fatal bool
}

func (e *CommandError) Error() string {
	var b strings.Builder
	b.WriteString("imap: ")
	if e.Tag != "" {
		b.WriteString(e.Tag)
		b.WriteByte(' ')
	}
	b.WriteString(string(e.Status))
	if e.Code != "" {
		b.WriteString(" [" + e.Code + "]")
	}
	b.WriteString(" " + e.Text)
	if e.Fatal {
		b.WriteString(" (fatal)")
	}
	return b.String()
}

// Unwrap returns the error kind.
func (e *CommandError) Unwrap() error { return e.Err }

// IsFatal reports whether err leaves the stream out of sync, so that the
// connection must be closed: any error that is not a *CommandError (I/O
// errors, io.EOF, ErrLiteralPending, a failing Continue hook), and a
// CommandError with Fatal set. It is false for nil.
func IsFatal(err error) bool {
	if err == nil {
		return false
	}
	var ce *CommandError
	if errors.As(err, &ce) {
		return ce.Fatal
	}
	return true
}

func badError(tag string, kind error, text string) *CommandError {
	return &CommandError{Tag: tag, Status: StatusBAD, Text: text, Err: kind}
}

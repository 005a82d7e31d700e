package lang

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ParseError is a syntax error, located in the source like PowerShell's
// ParseException:
//
//	At line:1 char:39
//	+ Set-PopSettings -X509CertificateName <FQDN>
//	+                                      ~
//	The '<' operator is reserved for future use.
type ParseError struct {
	// Source is the whole text that was parsed.
	Source string
	// Offset is the byte offset of the fault in Source.
	Offset int
	// Msg says what is wrong.
	Msg string
	// Incomplete reports input that ended too early (an open quote or
	// bracket, a '|' or ',' at the end): the interactive shell then asks
	// for another line instead of failing.
	Incomplete bool
}

// Line and Column return the 1-based position of the fault; the column
// counts characters, not bytes.
func (e *ParseError) Line() int { return lineCol(e.Source, e.Offset).line }

// Column returns the 1-based character position within the line.
func (e *ParseError) Column() int { return lineCol(e.Source, e.Offset).col }

func (e *ParseError) Error() string {
	return positionText(e.Source, e.Offset, 1) + e.Msg
}

type linePos struct {
	line, col  int
	start, end int // byte offsets of the line
}

// lineCol locates a byte offset.
func lineCol(src string, off int) linePos {
	off = max(0, min(off, len(src)))
	lp := linePos{line: 1}
	for i := 0; i < off; i++ {
		if src[i] == '\n' || src[i] == '\r' && (i+1 >= len(src) || src[i+1] != '\n') {
			lp.line++
			lp.start = i + 1
		}
	}
	lp.end = lp.start
	for lp.end < len(src) && src[lp.end] != '\n' && src[lp.end] != '\r' {
		lp.end++
	}
	lp.col = utf8.RuneCountInString(src[lp.start:off]) + 1
	return lp
}

// positionText is PowerShell's "At line:L char:C" block with the line
// and a mark under the fault, width characters wide.
func positionText(src string, off, width int) string {
	lp := lineCol(src, off)
	text := src[lp.start:lp.end]
	pad := strings.Repeat(" ", lp.col-1)
	width = max(1, min(width, utf8.RuneCountInString(text)-(lp.col-1)))
	return fmt.Sprintf("At line:%d char:%d\n+ %s\n+ %s%s\n", lp.line, lp.col, text, pad, strings.Repeat("~", width))
}

// CommandError is an error from running one command: the cmdlet's name,
// the message, and where the command was in the source.
type CommandError struct {
	Cmdlet string
	Err    error
	// Source, Offset and Width locate the command for the message.
	Source        string
	Offset, Width int
}

func (e *CommandError) Error() string {
	msg := e.Err.Error()
	if e.Cmdlet != "" {
		msg = e.Cmdlet + " : " + msg
	}
	if e.Source == "" {
		return msg
	}
	return msg + "\n" + strings.TrimRight(positionText(e.Source, e.Offset, e.Width), "\n")
}

func (e *CommandError) Unwrap() error { return e.Err }

// ErrFailed is returned by Run when at least one command failed; the
// errors were already written to the error stream.
var ErrFailed = errors.New("shell: a command failed")

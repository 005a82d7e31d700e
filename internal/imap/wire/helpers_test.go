package wire

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"
)

// testOpts are small limits that make the edge cases cheap to reach.
func testOpts() DecoderOptions {
	return DecoderOptions{MaxLine: 200, MaxLiteral: 1000, MaxAppendLiteral: 10000, MaxDepth: 4, MaxArgs: 8, MaxDiscard: 20000}
}

// newDec returns a decoder over in, counting continuation requests.
func newDec(in io.Reader, opts DecoderOptions, conts *int) *Decoder {
	opts.Continue = func() error {
		if conts != nil {
			*conts++
		}
		return nil
	}
	return NewDecoder(bufio.NewReaderSize(in, 16), opts)
}

// command reads one command from s with default options.
func command(t *testing.T, s string) *Command {
	t.Helper()
	cmd, err := NewDecoder(bufio.NewReader(strings.NewReader(s)), DecoderOptions{}).ReadCommand()
	if err != nil {
		t.Fatalf("ReadCommand(%q): %v", s, err)
	}
	return cmd
}

// args returns a parser over the arguments text (which may hold literals
// in IMAP syntax), as arguments of a command "a X".
func args(t *testing.T, s string) *Parser {
	t.Helper()
	return NewParser(command(t, "a X "+s+"\r\n"))
}

// argsOpts is args with options.
func argsOpts(t *testing.T, s string, opts DecoderOptions) *Parser {
	t.Helper()
	cmd, err := NewDecoder(bufio.NewReader(strings.NewReader("a X "+s+"\r\n")), opts).ReadCommand()
	if err != nil {
		t.Fatalf("ReadCommand(%q): %v", s, err)
	}
	return NewParser(cmd)
}

// cmdErr returns err as a *CommandError or fails.
func cmdErr(t *testing.T, err error) *CommandError {
	t.Helper()
	var ce *CommandError
	if !errors.As(err, &ce) {
		t.Fatalf("error %v (%T) is not a *CommandError", err, err)
	}
	return ce
}

// event is one result of a transcript: a command summary or an error.
type event struct {
	tag, name string
	uid       bool
	args      string
	lits      []string
	msg       string
	err       string
}

// transcript reads commands until a fatal error, draining APPEND literals
// with the given read size, and returns what it saw.
func transcript(d *Decoder, chunk int) []event {
	var out []event
	for i := 0; i < 1000; i++ {
		cmd, err := d.ReadCommand()
		if err != nil {
			out = append(out, event{err: err.Error()})
			if IsFatal(err) {
				return out
			}
			continue
		}
		ev := event{tag: cmd.Tag, name: cmd.Name, uid: cmd.UID, args: string(cmd.args)}
		for _, l := range cmd.lits {
			ev.lits = append(ev.lits, string(l.data))
		}
		if cmd.Literal != nil {
			r, err := cmd.Literal.Open()
			if err == nil {
				var b strings.Builder
				_, err = io.CopyBuffer(struct{ io.Writer }{&b}, struct{ io.Reader }{r}, make([]byte, chunk))
				ev.msg = b.String()
			}
			if err == nil {
				err = d.FinishCommand()
			}
			if err != nil {
				ev.err = err.Error()
				out = append(out, ev)
				if IsFatal(err) {
					return out
				}
				continue
			}
		}
		out = append(out, ev)
	}
	return out
}

package lang

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

// TestInterp runs the evaluator over a one-cmdlet table: binding,
// variables that persist between runs, pipeline input, and errors.
func TestInterp(t *testing.T) {
	t.Parallel()
	join := &Cmdlet{Name: "Join-Thing", Params: []Param{Positional("Value", KindStrings, 0), Named("Count", KindInt), Named("Upper", KindSwitch)},
		Run: func(ctx context.Context, c *Call) ([]any, error) {
			vals, _ := c.Args["Value"].([]string)
			for _, in := range c.Input {
				vals = append(vals, Display(in))
			}
			s := strings.Join(vals, "+")
			if b, _ := c.Args["Upper"].(bool); b {
				s = strings.ToUpper(s)
			}
			if n, ok := c.Args["Count"].(int64); ok {
				return []any{s, n}, nil
			}
			return []any{s}, nil
		}}
	var out, errw bytes.Buffer
	ip := New(Options{Stdout: &out, Stderr: &errw, Lookup: func(name string) (*Cmdlet, bool) {
		return join, strings.EqualFold(name, join.Name)
	}})
	run := func(src string) error {
		out.Reset()
		errw.Reset()
		return ip.Run(context.Background(), src)
	}
	if err := run(`$x = "a","b"; join-thing -val $x -C 2 -Upper`); err != nil || out.String() != "A+B\n2\n" {
		t.Errorf("binding: %v %q %q", err, out.String(), errw.String())
	}
	if err := run(`"$x" | Join-Thing c`); err != nil || out.String() != "c+a b\n" {
		t.Errorf("pipeline: %v %q %q", err, out.String(), errw.String())
	}
	if err := run(`Join-Thing -Nope 1`); !errors.Is(err, ErrFailed) ||
		!strings.HasPrefix(errw.String(), "Join-Thing : A parameter cannot be found that matches parameter name 'Nope'.\nAt line:1 char:1\n") {
		t.Errorf("unknown parameter: %v %q", err, errw.String())
	}
	if err := run(`Get-Nothing`); !errors.Is(err, ErrFailed) || !strings.Contains(errw.String(), "The term 'Get-Nothing' is not recognized") {
		t.Errorf("unknown cmdlet: %v %q", err, errw.String())
	}
	var pe *ParseError
	if err := run(`Join-Thing "a`); !errors.As(err, &pe) || !pe.Incomplete {
		t.Errorf("parse error: %v", err)
	}
}

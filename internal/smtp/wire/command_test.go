package wire

import (
	"errors"
	"testing"
)

func TestParseCommand(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want Command
		err  error
	}{
		{"NOOP", Command{"NOOP", ""}, nil},
		{"noop", Command{"NOOP", ""}, nil},
		{"Mail FROM:<a@b>", Command{"MAIL", "FROM:<a@b>"}, nil},
		{"MAIL FROM:<a@b>  ", Command{"MAIL", "FROM:<a@b>"}, nil},
		{"LHLO  x", Command{"LHLO", " x"}, nil},
		{"QUIT ", Command{"QUIT", ""}, nil},
		{"", Command{}, ErrSyntax},
		{" NOOP", Command{}, ErrSyntax},
		{"NO0P", Command{}, ErrSyntax},
		{"NOOP\x00", Command{}, ErrSyntax},
		{"MAIL FROM:<a\tb@c>", Command{}, ErrSyntax},
		{"ABCDEFGHIJKLMNOPQ", Command{}, ErrSyntax},
		{"RCPT TO:<ü@b>", Command{"RCPT", "TO:<ü@b>"}, nil},
	}
	for _, tt := range tests {
		got, err := ParseCommand([]byte(tt.in))
		if !errors.Is(err, tt.err) || got != tt.want {
			t.Errorf("ParseCommand(%q) = %+v, %v; want %+v, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

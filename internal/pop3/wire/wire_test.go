package wire

import (
	"bufio"
	"bytes"
	"errors"
	"strings"
	"testing"
	"testing/iotest"
)

func TestParse(t *testing.T) {
	t.Parallel()
	good := map[string]Command{
		"STAT":                {Name: "STAT"},
		"retr 1":              {Name: "RETR", Args: []string{"1"}, Rest: "1"},
		"TOP  1   10":         {Name: "TOP", Args: []string{"1", "10"}, Rest: " 1   10"},
		"PASS pass word":      {Name: "PASS", Args: []string{"pass", "word"}, Rest: "pass word"},
		"AUTH PLAIN AGFhAGI=": {Name: "AUTH", Args: []string{"PLAIN", "AGFhAGI="}, Rest: "PLAIN AGFhAGI="},
	}
	for in, want := range good {
		got, err := Parse([]byte(in))
		if err != nil || got.Name != want.Name || got.Rest != want.Rest || strings.Join(got.Args, "|") != strings.Join(want.Args, "|") {
			t.Errorf("Parse(%q) = %+v, %v", in, got, err)
		}
	}
	bad := map[string]error{"": ErrEmpty, "   ": ErrEmpty, "RE": ErrSyntax, "R3TR 1": ErrSyntax, "TOOLONGCMD": ErrSyntax,
		"RETR \x00": ErrSyntax, "LIST 1 2 3 4 5": ErrSyntax, "ST\xffT": ErrSyntax}
	for in, want := range bad {
		if _, err := Parse([]byte(in)); !errors.Is(err, want) {
			t.Errorf("Parse(%q) err = %v, want %v", in, err, want)
		}
	}
}

func TestNumber(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int{"0": 0, "1": 1, "007": 7, "999999999": 999999999} {
		if n, err := Number(in); err != nil || n != want {
			t.Errorf("Number(%q) = %d, %v", in, n, err)
		}
	}
	for _, in := range []string{"", "-1", "+1", "1a", "1000000000", "99999999999999999999", " 1", "0x1"} {
		if _, err := Number(in); !errors.Is(err, ErrBadNumber) {
			t.Errorf("Number(%q) accepted", in)
		}
	}
}

// unstuff reverses Body for tests: it removes the stuffed dots.
func unstuff(b []byte) []byte {
	var out []byte
	for _, l := range bytes.SplitAfter(b, []byte("\r\n")) {
		if len(l) > 0 && l[0] == '.' {
			l = l[1:]
		}
		out = append(out, l...)
	}
	return out
}

func TestBody(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"a\r\nb\r\n":         "a\r\nb\r\n",
		"a\nb":               "a\r\nb\r\n",
		".\r\n..x\r\n.":      "..\r\n...x\r\n..\r\n",
		"":                   "",
		"x\r":                "x\r\n",
		"line\r\n.\r\nafter": "line\r\n..\r\nafter\r\n",
	}
	for in, want := range cases {
		for _, oneByte := range []bool{false, true} {
			var out bytes.Buffer
			w := bufio.NewWriter(&out)
			r := strings.NewReader(in)
			var n int64
			var err error
			if oneByte {
				n, err = Body(w, iotest.OneByteReader(r))
			} else {
				n, err = Body(w, r)
			}
			w.Flush()
			if err != nil || out.String() != want || n != int64(len(in)) {
				t.Errorf("Body(%q, oneByte=%v) = %q, %d, %v; want %q", in, oneByte, out.String(), n, err, want)
			}
		}
	}
}

func TestReplyLength(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	w := bufio.NewWriter(&out)
	Err(w, strings.Repeat("x", 1000))
	w.Flush()
	if out.Len() != MaxReply {
		t.Fatalf("reply of %d bytes", out.Len())
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"STAT", "RETR 1", "TOP 1 10", "AUTH PLAIN =", "PASS a b c", "\x00", "USER \xff"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		cmd, err := Parse(line)
		if err != nil {
			return
		}
		if len(cmd.Name) < 3 || len(cmd.Args) > MaxArgs || strings.ToUpper(cmd.Name) != cmd.Name {
			t.Fatalf("bad parse %+v", cmd)
		}
		for _, a := range cmd.Args {
			if a == "" || strings.ContainsAny(a, " \r\n") {
				t.Fatalf("bad arg %q", a)
			}
		}
		if n, err := Number(cmd.Rest); err == nil && n < 0 {
			t.Fatal("negative number")
		}
	})
}

func FuzzBody(f *testing.F) {
	for _, s := range []string{"a\r\n.\r\n", ".", "\n\n", "x\r\r\n.."} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var out bytes.Buffer
		w := bufio.NewWriter(&out)
		if _, err := Body(w, bytes.NewReader(in)); err != nil {
			t.Fatal(err)
		}
		w.Flush()
		b := out.Bytes()
		if len(b) > 0 && !bytes.HasSuffix(b, []byte("\r\n")) {
			t.Fatalf("body does not end in CRLF: %q", b)
		}
		// No line of the output may be the terminator.
		if bytes.HasPrefix(b, []byte(".\r\n")) || bytes.Contains(b, []byte("\r\n.\r\n")) {
			t.Fatalf("terminator inside body: %q", b)
		}
		// Without bare LFs the unstuffed output is the input plus at most
		// a final CRLF.
		if !bytes.Contains(bytes.ReplaceAll(in, []byte("\r\n"), nil), []byte("\n")) {
			got := unstuff(b)
			if !bytes.HasPrefix(got, in) || len(got)-len(in) > 2 {
				t.Fatalf("round trip %q -> %q", in, got)
			}
		}
	})
}

package wire

import (
	"bufio"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

func TestReadCommandHead(t *testing.T) {
	t.Parallel()
	good := []struct {
		in, tag, name string
		uid           bool
		args          string
	}{
		{"a1 NOOP\r\n", "a1", "NOOP", false, ""},
		{"a1 noop\n", "a1", "NOOP", false, ""},
		{"A.2 login alice secret\r\n", "A.2", "LOGIN", false, " alice secret"},
		{"x   select    INBOX  \r\n", "x", "SELECT", false, "    INBOX  "},
		{"t uid fetch 1:* FLAGS\r\n", "t", "FETCH", true, " 1:* FLAGS"},
		{"t UID  STORE 1 +FLAGS \\Seen\r\n", "t", "STORE", true, " 1 +FLAGS \\Seen"},
		{"]tag] CAPABILITY\r\n", "]tag]", "CAPABILITY", false, ""},
	}
	for _, c := range good {
		cmd := command(t, c.in)
		if cmd.Tag != c.tag || cmd.Name != c.name || cmd.UID != c.uid || string(cmd.args) != c.args {
			t.Errorf("%q: got %q %q %v %q", c.in, cmd.Tag, cmd.Name, cmd.UID, cmd.args)
		}
	}
}

func TestReadCommandHeadErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in, tag string
		kind    error
	}{
		{"\r\n", "", ErrEmpty},
		{"   \r\n", "", ErrEmpty},
		{" a NOOP\r\n", "", ErrSyntax},
		{"a+b NOOP\r\n", "", ErrSyntax},
		{"a(b NOOP\r\n", "", ErrSyntax},
		{"a\x80 NOOP\r\n", "", ErrSyntax},
		{"a\r\n", "a", ErrSyntax},
		{"a \r\n", "a", ErrSyntax},
		{"a NO\xc3\xa9P\r\n", "a", ErrSyntax},
		{"a NOOP(x)\r\n", "a", ErrSyntax},
		{"a UID\r\n", "a", ErrSyntax},
		{"a UID  \r\n", "a", ErrSyntax},
		{"a NO\x00OP\r\n", "a", ErrSyntax},
	}
	for _, c := range cases {
		d := NewDecoder(bufio.NewReader(strings.NewReader(c.in+"b NOOP\r\n")), DecoderOptions{})
		_, err := d.ReadCommand()
		ce := cmdErr(t, err)
		if ce.Tag != c.tag || !errors.Is(err, c.kind) || ce.Status != StatusBAD || IsFatal(err) {
			t.Errorf("%q: %+v", c.in, ce)
		}
		// The stream is back in sync.
		if cmd, err := d.ReadCommand(); err != nil || cmd.Tag != "b" {
			t.Errorf("%q: next command %+v, %v", c.in, cmd, err)
		}
	}
}

func TestLineTooLong(t *testing.T) {
	t.Parallel()
	long := "a1 LOGIN " + strings.Repeat("x", 300) + "\r\n"
	var conts int
	d := newDec(strings.NewReader(long+"a2 NOOP\r\n"), testOpts(), &conts)
	_, err := d.ReadCommand()
	ce := cmdErr(t, err)
	if !errors.Is(err, ErrLineTooLong) || ce.Tag != "a1" || IsFatal(err) {
		t.Fatalf("err %v", err)
	}
	if cmd, err := d.ReadCommand(); err != nil || cmd.Tag != "a2" {
		t.Fatalf("next: %v %v", cmd, err)
	}
	// Exactly MaxLine octets is fine, one more is not.
	for n, ok := range map[int]bool{200: true, 201: false} {
		line := "a NOOP " + strings.Repeat("y", n-7)
		d := newDec(strings.NewReader(line+"\r\n"), testOpts(), nil)
		_, err := d.ReadCommand()
		if (err == nil) != ok {
			t.Errorf("line of %d: %v", n, err)
		}
	}
	// The limit counts all lines of a command, literals excluded.
	in := "a LOGIN {3+}\r\nabc " + strings.Repeat("z", 190) + "\r\nb NOOP\r\n"
	d = newDec(strings.NewReader(in), testOpts(), nil)
	if _, err := d.ReadCommand(); !errors.Is(err, ErrLineTooLong) || IsFatal(err) {
		t.Fatalf("continuation line: %v", err)
	}
	if cmd, err := d.ReadCommand(); err != nil || cmd.Tag != "b" {
		t.Fatalf("next: %v %v", cmd, err)
	}
	// An over-long line ending in a non-synchronizing literal: the literal
	// is skipped too.
	in = "a X " + strings.Repeat("q", 300) + " {5+}\r\nb NOO\r\nc NOOP\r\n"
	d = newDec(strings.NewReader(in), testOpts(), nil)
	if _, err := d.ReadCommand(); !errors.Is(err, ErrLineTooLong) {
		t.Fatalf("long with literal: %v", err)
	}
	if cmd, err := d.ReadCommand(); err != nil || cmd.Tag != "c" {
		t.Fatalf("next: %v %v", cmd, err)
	}
	// A line longer than MaxDiscard is fatal.
	o := testOpts()
	o.MaxDiscard = 1000
	d = newDec(strings.NewReader("a "+strings.Repeat("x", 5000)+"\r\n"), o, nil)
	if _, err := d.ReadCommand(); !IsFatal(err) || !errors.Is(err, ErrLineTooLong) {
		t.Fatalf("endless line: %v", err)
	}
}

// TestIDLine: ID may have MaxIDLine of command text, on its first line
// and its continuation lines, whatever MaxLine is; no other command may,
// nor ID beyond it, nor "UID ID".
func TestIDLine(t *testing.T) {
	t.Parallel()
	o := testOpts()
	o.MaxDiscard = 1 << 20
	big := `("n" "` + strings.Repeat("v", MaxIDLine-100) + `")`
	in := "a ID " + big + "\r\n" +
		"b ID (\"x\" {1+}\r\ny \"z\" \"" + strings.Repeat("w", MaxIDLine-100) + "\")\r\n" +
		"c NOOP " + strings.Repeat("x", 300) + "\r\n" +
		"d ID " + strings.Repeat("x", MaxIDLine) + "\r\n" +
		"e UID ID " + strings.Repeat("x", 300) + "\r\n" +
		"f NOOP\r\n"
	d := newDec(strings.NewReader(in), o, nil)
	for _, tag := range []string{"a", "b"} {
		cmd, err := d.ReadCommand()
		if err != nil || cmd.Tag != tag || cmd.Name != "ID" {
			t.Fatalf("%s: %v %v", tag, cmd, err)
		}
		if params := NewParser(cmd).IDParams(); len(params) != 1 && len(params) != 2 {
			t.Errorf("%s: %d params", tag, len(params))
		}
	}
	for _, tag := range []string{"c", "d", "e"} {
		_, err := d.ReadCommand()
		if ce := cmdErr(t, err); !errors.Is(err, ErrLineTooLong) || ce.Tag != tag || IsFatal(err) {
			t.Fatalf("%s: %v", tag, err)
		}
	}
	if cmd, err := d.ReadCommand(); err != nil || cmd.Tag != "f" {
		t.Fatalf("next: %v %v", cmd, err)
	}
}

func TestLiterals(t *testing.T) {
	t.Parallel()
	in := "a LOGIN {5}\r\nalice {6+}\r\nsecret\r\nb NOOP\r\n"
	var conts int
	d := newDec(strings.NewReader(in), testOpts(), &conts)
	cmd, err := d.ReadCommand()
	if err != nil {
		t.Fatal(err)
	}
	p := NewParser(cmd)
	user, pass := p.AString(), p.AString()
	p.End()
	if p.Err() != nil || user != "alice" || pass != "secret" || conts != 1 {
		t.Fatalf("got %q %q %v conts=%d", user, pass, p.Err(), conts)
	}
	if cmd, err := d.ReadCommand(); err != nil || cmd.Tag != "b" {
		t.Fatalf("next: %v %v", cmd, err)
	}
	// Literal octets are opaque: CRLF, braces and 8-bit inside.
	cmd = command(t, "a LOGIN {9}\r\n{1}\r\n\xff\"x) \"p w\"\r\n")
	p = NewParser(cmd)
	if u, pw := p.AString(), p.AString(); p.Err() != nil || u != "{1}\r\n\xff\"x)" || pw != "p w" {
		t.Fatalf("got %q %q %v", u, pw, p.Err())
	}
	// Zero-length literal.
	p = args(t, "{0}\r\n {0+}\r\n")
	if a, b := p.StringArg(), p.StringArg(); p.Err() != nil || a != "" || b != "" {
		t.Fatalf("empty literals: %q %q %v", a, b, p.Err())
	}
}

func TestLiteralTooBig(t *testing.T) {
	t.Parallel()
	// Synchronizing: refused before the continuation, nothing to skip.
	var conts int
	d := newDec(strings.NewReader("a LOGIN {1001}\r\nb NOOP\r\n"), testOpts(), &conts)
	_, err := d.ReadCommand()
	ce := cmdErr(t, err)
	if !errors.Is(err, ErrLiteralTooBig) || ce.Code != CodeTooBig || ce.Status != StatusBAD || ce.Tag != "a" || IsFatal(err) || conts != 0 {
		t.Fatalf("sync: %v conts=%d", err, conts)
	}
	if cmd, err := d.ReadCommand(); err != nil || cmd.Tag != "b" {
		t.Fatalf("next: %v %v", cmd, err)
	}
	// The limit is on the sum of a command's literals.
	d = newDec(strings.NewReader("a LOGIN {600}\r\n"+strings.Repeat("u", 600)+" {600}\r\nb NOOP\r\n"), testOpts(), &conts)
	if _, err := d.ReadCommand(); !errors.Is(err, ErrLiteralTooBig) || IsFatal(err) {
		t.Fatalf("sum: %v", err)
	}
	if cmd, err := d.ReadCommand(); err != nil || cmd.Tag != "b" {
		t.Fatalf("next: %v %v", cmd, err)
	}
	// Non-synchronizing: the octets are discarded, with any further
	// literals of the command.
	in := "a LOGIN {1500+}\r\n" + strings.Repeat("p", 1500) + " {3+}\r\nabc\r\nb NOOP\r\n"
	d = newDec(strings.NewReader(in), testOpts(), &conts)
	if _, err := d.ReadCommand(); !errors.Is(err, ErrLiteralTooBig) || IsFatal(err) {
		t.Fatalf("non-sync: %v", err)
	}
	if cmd, err := d.ReadCommand(); err != nil || cmd.Tag != "b" {
		t.Fatalf("next: %v %v", cmd, err)
	}
	// Beyond MaxDiscard the connection must be dropped.
	d = newDec(strings.NewReader("a LOGIN {99999999999+}\r\nxxxx"), testOpts(), &conts)
	_, err = d.ReadCommand()
	if ce := cmdErr(t, err); !ce.Fatal || ce.Code != CodeTooBig || !IsFatal(err) {
		t.Fatalf("huge non-sync: %v", err)
	}
	// A huge synchronizing literal is just refused.
	conts = 0
	d = newDec(strings.NewReader("a LOGIN {99999999999999999999999}\r\nb NOOP\r\n"), testOpts(), &conts)
	if _, err := d.ReadCommand(); !errors.Is(err, ErrLiteralTooBig) || IsFatal(err) {
		t.Fatalf("huge sync: %v", err)
	}
	if cmd, err := d.ReadCommand(); err != nil || cmd.Tag != "b" || conts != 0 {
		t.Fatalf("next: %v %v %d", cmd, err, conts)
	}
}

func TestInvalidLiteralSyntax(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"a LOGIN {-1}\r\n", "a LOGIN {12x}\r\n", "a LOGIN {}\r\n", "a LOGIN {+}\r\n", "a LOGIN {5} x\r\n", "a LOGIN x{5}\r\n", "a LOGIN {5}\r\nabcde x y\r\n", "a LOGIN (x{5}\r\n", "a LOGIN x{5+}\r\nabcde\r\n"} {
		var conts int
		d := newDec(strings.NewReader(in+"b NOOP\r\n"), testOpts(), &conts)
		cmd, err := d.ReadCommand()
		if err == nil {
			p := NewParser(cmd)
			p.AString()
			p.AString()
			p.End()
			err = p.Err()
		}
		if ce := cmdErr(t, err); ce.Status != StatusBAD || ce.Tag != "a" || IsFatal(err) {
			t.Errorf("%q: %v", in, err)
		}
		if cmd, err := d.ReadCommand(); err != nil || cmd.Tag != "b" {
			t.Errorf("%q: next %v %v", in, cmd, err)
		}
	}
}

func TestTooManyLiterals(t *testing.T) {
	t.Parallel()
	in := "a X" + strings.Repeat(" {1+}\r\nx", 9) + "\r\nb NOOP\r\n"
	d := newDec(strings.NewReader(in), testOpts(), nil)
	if _, err := d.ReadCommand(); !errors.Is(err, ErrTooMany) || IsFatal(err) {
		t.Fatalf("err %v", err)
	}
	if cmd, err := d.ReadCommand(); err != nil || cmd.Tag != "b" {
		t.Fatalf("next: %v %v", cmd, err)
	}
	in = "a X" + strings.Repeat(" {1+}\r\nx", 8) + "\r\n"
	if _, err := newDec(strings.NewReader(in), testOpts(), nil).ReadCommand(); err != nil {
		t.Fatalf("8 literals: %v", err)
	}
}

func TestEndOfInput(t *testing.T) {
	t.Parallel()
	cases := map[string]error{
		"":                              io.EOF,
		"a NOOP":                        io.ErrUnexpectedEOF,
		"a LOGIN {5}\r\nab":             io.ErrUnexpectedEOF,
		"a LOGIN {5}\r\nabcde":          io.ErrUnexpectedEOF,
		"a LOGIN {5+}\r\nabcde ":        io.ErrUnexpectedEOF,
		"a LOGIN {5000+}\r\nab":         io.ErrUnexpectedEOF,
		"a " + strings.Repeat("x", 300): io.ErrUnexpectedEOF,
	}
	for in, want := range cases {
		_, err := newDec(strings.NewReader(in), testOpts(), nil).ReadCommand()
		if !errors.Is(err, want) || !IsFatal(err) {
			t.Errorf("%q: %v, want %v", in, err, want)
		}
	}
}

func TestContinueError(t *testing.T) {
	t.Parallel()
	boom := errors.New("write failed")
	o := testOpts()
	o.Continue = func() error { return boom }
	d := NewDecoder(bufio.NewReader(strings.NewReader("a LOGIN {1}\r\nx y\r\n")), o)
	if _, err := d.ReadCommand(); err != boom || !IsFatal(err) {
		t.Fatalf("err %v", err)
	}
}

func TestReadLine(t *testing.T) {
	t.Parallel()
	d := newDec(strings.NewReader("dGVzdA==\r\nDONE\n"+strings.Repeat("x", 300)+"\r\n{5}\r\na NOOP\r\n"), testOpts(), nil)
	for _, want := range []string{"dGVzdA==", "DONE"} {
		if l, err := d.ReadLine(); err != nil || string(l) != want {
			t.Fatalf("ReadLine = %q, %v", l, err)
		}
	}
	if _, err := d.ReadLine(); !errors.Is(err, ErrLineTooLong) || IsFatal(err) {
		t.Fatalf("long: %v", err)
	}
	if l, err := d.ReadLine(); err != nil || string(l) != "{5}" {
		t.Fatalf("no literal processing: %q %v", l, err)
	}
	if cmd, err := d.ReadCommand(); err != nil || cmd.Name != "NOOP" {
		t.Fatalf("next: %v %v", cmd, err)
	}
}

func TestIsFatal(t *testing.T) {
	t.Parallel()
	if IsFatal(nil) || !IsFatal(io.EOF) || IsFatal(badError("a", ErrSyntax, "x")) || !IsFatal(&CommandError{Fatal: true}) {
		t.Fatal("IsFatal")
	}
	ce := &CommandError{Tag: "a", Status: StatusNO, Code: CodeTooBig, Text: "Message too big", Err: ErrLiteralTooBig}
	if ce.Error() != "imap: a NO [TOOBIG] Message too big" || !errors.Is(ce, ErrLiteralTooBig) {
		t.Fatal(ce.Error())
	}
}

func TestOptions(t *testing.T) {
	t.Parallel()
	if (DecoderOptions{}).Validate() != nil || (DecoderOptions{MaxLine: -1}).Validate() == nil {
		t.Fatal("Validate")
	}
	o := DecoderOptions{}.withDefaults()
	if o.MaxLine != 10240 || o.MaxDepth != 16 || o.MaxDiscard != o.MaxAppendLiteral || o.MaxLiteral != 64<<10 {
		t.Fatalf("defaults %+v", o)
	}
}

// sessionInput exercises every decoder path; the transcript must be the
// same whatever the read sizes.
const sessionInput = "a1 CAPABILITY\r\n" +
	"a2 LOGIN {5}\r\nalice {6+}\r\nsecret\r\n" +
	"\r\n" +
	"a3 SELECT   \"INBOX\"\n" +
	"a4 APPEND INBOX (\\Seen) {12}\r\nHello\r\nWorld\r\n" +
	"a5 APPEND {5}\r\nDraft {3+}\r\nabc\r\n" +
	"a6 LOGIN {2000}\r\n" +
	"a7 LOGIN {2000+}\r\n" + "0123456789" + "\r\n" +
	"a8 UID FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (From)])\r\n" +
	"a9 APPEND INBOX {3}\r\nabc junk\r\n" +
	"b1 NOOP {12x}\r\n" +
	"b2 " + "LONGLINE" + "\r\n" +
	"b3 APPEND INBOX {20000}\r\n" +
	"b4 LOGOUT\r\n"

func sessionBytes() string {
	s := strings.Replace(sessionInput, "0123456789", strings.Repeat("z", 2000), 1)
	return strings.Replace(s, "LONGLINE", strings.Repeat("L", 400), 1)
}

func TestByteAtATime(t *testing.T) {
	t.Parallel()
	in := sessionBytes()
	var c1, c2, c3 int
	whole := transcript(newDec(strings.NewReader(in), testOpts(), &c1), 4096)
	one := transcript(newDec(iotest.OneByteReader(strings.NewReader(in)), testOpts(), &c2), 1)
	half := transcript(newDec(iotest.HalfReader(strings.NewReader(in)), testOpts(), &c3), 7)
	if !reflect.DeepEqual(whole, one) || !reflect.DeepEqual(whole, half) || c1 != c2 || c1 != c3 {
		t.Fatalf("whole:\n%+v\none byte:\n%+v\nhalf:\n%+v", whole, one, half)
	}
	var tags []string
	for _, ev := range whole {
		if ev.err != "" {
			tags = append(tags, "ERR:"+ev.err)
		} else {
			tags = append(tags, ev.tag)
		}
	}
	want := []string{"a1", "a2", "ERR:imap: BAD Empty command line", "a3", "a4", "a5",
		"ERR:imap: a6 BAD [TOOBIG] Literal too big", "ERR:imap: a7 BAD [TOOBIG] Literal too big", "a8",
		"ERR:imap: a9 BAD Unexpected data after message literal", "b1", "ERR:imap: b2 BAD Command line too long",
		"ERR:imap: b3 NO [TOOBIG] Message too big", "b4", "ERR:EOF"}
	if !reflect.DeepEqual(tags, want) {
		t.Fatalf("transcript\n%q\nwant\n%q", tags, want)
	}
	// Continuations: a2's {5}, a4's message, a5's mailbox literal; not a6,
	// not b3, and not a9's message (opened by transcript, so yes: a9).
	if c1 != 4 {
		t.Fatalf("continuations %d", c1)
	}
	if whole[4].msg != "Hello\r\nWorld" || whole[5].msg != "abc" || whole[5].lits[0] != "Draft" {
		t.Fatalf("append events %+v %+v", whole[4], whole[5])
	}
}

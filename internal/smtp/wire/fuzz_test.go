package wire

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"
)

func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"NOOP", "mail FROM:<a@b> SIZE=1", "", " ", "RCPT TO:<\"x y\"@z>  ", "\x00", "ABCDEFGHIJKLMNOPQRS"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		c, err := ParseCommand(line)
		if err != nil {
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("error kind: %v", err)
			}
			return
		}
		if c.Verb == "" || len(c.Verb) > maxVerb || strings.ToUpper(c.Verb) != c.Verb || strings.HasSuffix(c.Arg, " ") {
			t.Fatalf("bad command %+v", c)
		}
		for _, b := range []byte(c.Verb + c.Arg) {
			if b < ' ' || b == 0x7f {
				t.Fatalf("control character passed: %q", line)
			}
		}
		again, err := ParseCommand([]byte(c.Verb + " " + c.Arg))
		if err != nil || again != c {
			t.Fatalf("re-parse %+v: %+v, %v", c, again, err)
		}
	})
}

func FuzzParsePath(f *testing.F) {
	for _, s := range []string{"<a@b>", "<>", "<Postmaster>", `<"a b"@[IPv6:::1]> X=1`, "<@r,@s:a@b> SIZE=10 BODY=8BITMIME", "<a@[1.2.3.4]", "<ü@ü>"} {
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, forward bool) {
		kind := ReversePath
		if forward {
			kind = ForwardPath
		}
		p, err := ParsePath(s, kind)
		if err != nil {
			if !errors.Is(err, ErrSyntax) && !errors.Is(err, ErrBadAddress) && !errors.Is(err, ErrBadParam) {
				t.Fatalf("error kind: %v", err)
			}
			return
		}
		if len(p.Addr) > maxAddress || !utf8.ValidString(p.Addr) {
			t.Fatalf("bad address %q", p.Addr)
		}
		for _, b := range []byte(p.Addr) {
			if b < ' ' || b == 0x7f {
				t.Fatalf("control character passed: %q", s)
			}
		}
		if p.IsNull() && kind != ReversePath {
			t.Fatalf("null forward path from %q", s)
		}
		// The canonical form parses to itself.
		again, err := ParsePath("<"+p.Addr+">", kind)
		if err != nil || again.Addr != p.Addr || again.Local != p.Local || again.Domain != p.Domain || again.UTF8 != p.UTF8 {
			t.Fatalf("canonical %q of %q re-parsed as %+v, %v", p.Addr, s, again, err)
		}
		seen := map[string]bool{}
		for _, pr := range p.Params {
			if seen[pr.Key] || strings.ToUpper(pr.Key) != pr.Key {
				t.Fatalf("params %+v", p.Params)
			}
			seen[pr.Key] = true
		}
		if kind == ReversePath {
			_, _ = ParseMailFrom("FROM:" + s)
		}
	})
}

func FuzzReadLine(f *testing.F) {
	for _, s := range []string{"NOOP\r\nQUIT\n", "a\rb\r\n", strings.Repeat("x", 40) + "\r\nok\r\n", "x"} {
		f.Add([]byte(s), uint8(16))
	}
	f.Fuzz(func(t *testing.T, in []byte, max uint8) {
		whole := readAllLines(bufio.NewReaderSize(bytes.NewReader(in), 16), int(max))
		one := readAllLines(bufio.NewReaderSize(iotest.OneByteReader(bytes.NewReader(in)), 16), int(max))
		if !equalLines(whole, one) {
			t.Fatalf("whole %v != one-byte %v", whole, one)
		}
		for _, l := range whole {
			if len(l.line) > int(max) || strings.ContainsAny(l.line, "\r\n") {
				t.Fatalf("line %q", l.line)
			}
		}
	})
}

// refData is a whole-buffer reference decoder for DataReader: the body
// ends at the first <CRLF>.<CRLF> (or ".<CRLF>" at the start); lines are
// split at CRLF only and lose one leading dot each. It reports every
// problem it finds; DataReader reports the first.
func refData(in []byte, max int64) (body, rest []byte, errs []error) {
	var end int
	if bytes.HasPrefix(in, []byte(".\r\n")) {
		end = 3
	} else if i := bytes.Index(in, []byte("\r\n.\r\n")); i >= 0 {
		end = i + 5
	} else {
		return nil, nil, []error{io.ErrUnexpectedEOF}
	}
	content := in[:end-3]
	for i, c := range content {
		if c == '\r' && (i+1 == len(content) || content[i+1] != '\n') ||
			c == '\n' && (i == 0 || content[i-1] != '\r') {
			errs = append(errs, ErrBareLineEnding)
			break
		}
	}
	lines := bytes.SplitAfter(content, []byte("\r\n"))
	for _, l := range lines {
		body = append(body, bytes.TrimPrefix(l, []byte("."))...)
	}
	if max > 0 && int64(len(body)) > max {
		errs = append(errs, ErrTooBig)
	}
	return body, in[end:], errs
}

func FuzzDataReader(f *testing.F) {
	for _, s := range []string{
		"a\r\n.\r\nNOOP\r\n", ".\r\n", "..x\r\n.\r\n", "a\n.\nb\r\n.\r\n", "a\r.\r\n.\r\n",
		"\r\n.\r\n", ".\r\r\n.\r\n", "abc", "x\r\n..\r\n.\r\nQUIT\r\n",
	} {
		f.Add([]byte(s), uint16(0))
		f.Add([]byte(s), uint16(3))
	}
	f.Fuzz(func(t *testing.T, in []byte, max16 uint16) {
		max := int64(max16)
		got := readData(bytes.NewReader(in), max, 16)
		one := readData(iotest.OneByteReader(bytes.NewReader(in)), max, 16)
		if got.body != one.body || got.rest != one.rest || got.err != one.err {
			t.Fatalf("whole %+v != one-byte %+v", got, one)
		}
		wantBody, wantRest, wantErrs := refData(in, max)
		if got.rest != string(wantRest) {
			t.Fatalf("rest %q, want %q (input %q)", got.rest, wantRest, in)
		}
		if len(wantErrs) == 0 {
			if got.err != nil || got.body != string(wantBody) {
				t.Fatalf("got %q, %v; want %q (input %q)", got.body, got.err, wantBody, in)
			}
			return
		}
		found := false
		for _, e := range wantErrs {
			found = found || got.err == e
		}
		if !found {
			t.Fatalf("err %v, want one of %v (input %q)", got.err, wantErrs, in)
		}
	})
}

// FuzzDataRoundTrip checks that whatever DataWriter sends, DataReader
// reads back as the same text with line endings made CRLF, and stops
// exactly at the end.
func FuzzDataRoundTrip(f *testing.F) {
	for _, s := range []string{"", ".", "a\n.\n", "\r", "x\r\n.\r\n", "..\r\r\n."} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var wire bytes.Buffer
		w := NewDataWriter(&wire)
		w.Write(in)
		w.Close()
		wire.WriteString("NEXT")
		got := readData(&wire, 0, 16)
		want := normaliseEndings(in)
		if got.err != nil || got.body != want || got.rest != "NEXT" {
			t.Fatalf("round trip of %q: %+v, want body %q", in, got, want)
		}
	})
}

// normaliseEndings turns CRLF, bare CR and bare LF into CRLF and ends a
// non-empty text with CRLF.
func normaliseEndings(in []byte) string {
	s := strings.ReplaceAll(string(in), "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.ReplaceAll(s, "\n", "\r\n")
	if s != "" && !strings.HasSuffix(s, "\r\n") {
		s += "\r\n"
	}
	return s
}

package wire

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

func encode(f func(e *Encoder)) (string, error) {
	var buf bytes.Buffer
	e := NewEncoder(bufio.NewWriter(&buf))
	f(e)
	err := e.Flush()
	return buf.String(), err
}

func TestEncoder(t *testing.T) {
	t.Parallel()
	date := time.Date(1994, 2, 1, 21, 35, 11, 0, time.FixedZone("", -8*3600))
	set, _ := ParseSeqSet("1:*,3")
	cases := []struct {
		f    func(e *Encoder)
		want string
	}{
		{func(e *Encoder) { e.Status("", StatusOK, "", "The Postern IMAP4 service is ready.") }, "* OK The Postern IMAP4 service is ready.\r\n"},
		{func(e *Encoder) { e.Status("a1", StatusOK, "READ-WRITE", "SELECT completed.") }, "a1 OK [READ-WRITE] SELECT completed.\r\n"},
		{func(e *Encoder) { e.Status("a1", StatusBAD, "", "Command Argument Error. 11") }, "a1 BAD Command Argument Error. 11\r\n"},
		{func(e *Encoder) { e.Status("a", StatusNO, CodeTooBig, "bad\r\ntext") }, "a NO [TOOBIG] bad  text\r\n"},
		{func(e *Encoder) {
			e.Untagged().Atom("OK").SP().CodeStart("UIDVALIDITY").SP().Number(3857529045).CodeEnd().SP().Text("UIDs valid").CRLF()
		}, "* OK [UIDVALIDITY 3857529045] UIDs valid\r\n"},
		{func(e *Encoder) { e.Untagged().Number(172).SP().Atom("EXISTS").CRLF() }, "* 172 EXISTS\r\n"},
		{func(e *Encoder) { e.Untagged().Atom("FLAGS").SP().Flags([]string{FlagSeen, "$MDNSent"}).CRLF() }, "* FLAGS (\\Seen $MDNSent)\r\n"},
		{func(e *Encoder) { e.Flags(nil) }, "()"},
		{func(e *Encoder) { e.Continue("Ready for literal data") }, "+ Ready for literal data\r\n"},
		{func(e *Encoder) { e.ContinueBase64([]byte("hi")) }, "+ aGk=\r\n"},
		{func(e *Encoder) { e.ContinueBase64(nil) }, "+ \r\n"},
		{func(e *Encoder) { e.String(`a "b" \c`) }, `"a \"b\" \\c"`},
		{func(e *Encoder) { e.String("") }, `""`},
		{func(e *Encoder) { e.String("a\r\nb") }, "{4}\r\na\r\nb"},
		{func(e *Encoder) { e.String("café") }, "{5}\r\ncafé"},
		{func(e *Encoder) { e.String(strings.Repeat("x", 1025)) }, "{1025}\r\n" + strings.Repeat("x", 1025)},
		{func(e *Encoder) { e.String(strings.Repeat("x", 1024)) }, `"` + strings.Repeat("x", 1024) + `"`},
		{func(e *Encoder) { e.NString(""); e.SP(); e.NString("x"); e.SP(); e.Nil() }, `NIL "x" NIL`},
		{func(e *Encoder) {
			e.AString("From")
			e.SP()
			e.AString("nil")
			e.SP()
			e.AString("a b")
			e.SP()
			e.AString("")
		}, `From "nil" "a b" ""`},
		{func(e *Encoder) { e.Mailbox("INBOX"); e.SP(); e.Mailbox("Entwürfe"); e.SP(); e.Mailbox(`a"b`) }, `"INBOX" "Entw&APw-rfe" "a\"b"`},
		{func(e *Encoder) { e.DateTime(date) }, `"01-Feb-1994 21:35:11 -0800"`},
		{func(e *Encoder) { e.SeqSet(set) }, "1:*,3"},
		{func(e *Encoder) { e.Number64(1 << 40) }, "1099511627776"},
		{func(e *Encoder) { e.ListStart().Atom("a").ListEnd().SP().Code("ALERT") }, "(a) [ALERT]"},
		{func(e *Encoder) { e.Literal(5, strings.NewReader("hello world")) }, "{5}\r\nhello"},
	}
	for i, c := range cases {
		if got, err := encode(c.f); err != nil || got != c.want {
			t.Errorf("case %d: %q, %v; want %q", i, got, err, c.want)
		}
	}
}

// failWriter fails every write.
type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

func TestEncoderErrors(t *testing.T) {
	t.Parallel()
	if _, err := encode(func(e *Encoder) { e.Literal(10, strings.NewReader("short")) }); err != ErrShortLiteral {
		t.Fatalf("short literal: %v", err)
	}
	boom := errors.New("disk")
	if _, err := encode(func(e *Encoder) { e.Literal(10, io.MultiReader(strings.NewReader("ab"), iotestErr{boom})) }); err != boom {
		t.Fatalf("reader error: %v", err)
	}
	// Sticky: the first error is kept and later calls do nothing.
	e := NewEncoder(bufio.NewWriterSize(failWriter{}, 16))
	e.Atom(strings.Repeat("x", 100)).CRLF()
	first := e.Err()
	if first == nil || e.Flush() != first || e.Status("a", StatusOK, "", "x").Err() != first {
		t.Fatalf("sticky: %v", first)
	}
}

type iotestErr struct{ err error }

func (r iotestErr) Read([]byte) (int, error) { return 0, r.err }

func TestEncoderLiteralStreams(t *testing.T) {
	t.Parallel()
	const size = 5 << 20
	var sink checkWriter
	w := bufio.NewWriterSize(&sink, 4096)
	e := NewEncoder(w)
	e.Literal(size, &patternReader{size: size})
	if err := e.Flush(); err != nil {
		t.Fatal(err)
	}
	// The header "{5242880}\r\n" shifts the pattern; only count octets.
	if sink.off != size+int64(len("{5242880}\r\n")) || sink.writes < size/4096 {
		t.Fatalf("wrote %d in %d writes", sink.off, sink.writes)
	}
}

// The encoder's output parses back with the decoder.
func TestEncoderRoundTrip(t *testing.T) {
	t.Parallel()
	values := []string{"", "x", `a"b\c`, "line\r\nbreak", "8\xffbit", strings.Repeat("L", 2000), "NIL", "(x)"}
	var buf bytes.Buffer
	e := NewEncoder(bufio.NewWriter(&buf))
	e.Atom("a X")
	for _, v := range values {
		e.SP().String(v).SP().AString(v)
	}
	e.CRLF().Flush()
	cmd, err := NewDecoder(bufio.NewReader(&buf), DecoderOptions{}).ReadCommand()
	if err != nil {
		t.Fatal(err)
	}
	p := NewParser(cmd)
	for _, v := range values {
		if s, a := p.StringArg(), p.AString(); s != v || a != v {
			t.Errorf("%q: %q %q %v", v, s, a, p.Err())
		}
	}
	p.End()
	if p.Err() != nil {
		t.Fatal(p.Err())
	}
}

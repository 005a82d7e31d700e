package wire

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"
)

// countingReader counts the octets taken from the connection.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// patternReader yields size octets of a repeating pattern without holding
// them.
type patternReader struct{ off, size int64 }

func (r *patternReader) Read(p []byte) (int, error) {
	if r.off == r.size {
		return 0, io.EOF
	}
	if rest := r.size - r.off; int64(len(p)) > rest {
		p = p[:rest]
	}
	for i := range p {
		p[i] = byte('a' + (r.off+int64(i))%26)
	}
	r.off += int64(len(p))
	return len(p), nil
}

// checkWriter verifies the pattern written to it, holding nothing.
type checkWriter struct {
	off    int64
	bad    bool
	writes int
}

func (w *checkWriter) Write(p []byte) (int, error) {
	for i, c := range p {
		if c != byte('a'+(w.off+int64(i))%26) {
			w.bad = true
		}
	}
	w.off += int64(len(p))
	w.writes++
	return len(p), nil
}

func TestAppendStreams5MB(t *testing.T) {
	const size = 5 << 20
	head := "A003 APPEND saved-messages (\\Seen) \"07-Feb-1994 21:52:25 -0800\" {5242880}\r\n"
	src := &countingReader{r: io.MultiReader(strings.NewReader(head), &patternReader{size: size}, strings.NewReader("\r\nA004 NOOP\r\n"))}
	const bufSize = 4096
	opts := DecoderOptions{MaxAppendLiteral: 36 << 20}
	conts := 0
	opts.Continue = func() error { conts++; return nil }
	d := NewDecoder(bufio.NewReaderSize(src, bufSize), opts)

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)

	cmd, err := d.ReadCommand()
	if err != nil {
		t.Fatal(err)
	}
	// The decoder stopped at the literal: it has read at most the command
	// line and one buffer, and sent no continuation yet.
	if src.n > int64(len(head))+bufSize || conts != 0 || cmd.Literal == nil || cmd.Literal.Size != size || cmd.Literal.NonSync {
		t.Fatalf("read %d octets before the literal, conts=%d, literal %+v", src.n, conts, cmd.Literal)
	}
	p := NewParser(cmd)
	mbox, flags := p.Mailbox(), p.FlagList()
	date := p.DateTime()
	p.End()
	if p.Err() != nil || mbox != "saved-messages" || len(flags) != 1 || flags[0] != FlagSeen || !date.Equal(time.Date(1994, 2, 8, 5, 52, 25, 0, time.UTC)) {
		t.Fatalf("args %q %q %v %v", mbox, flags, date, p.Err())
	}
	r, err := cmd.Literal.Open()
	if err != nil || conts != 1 {
		t.Fatalf("Open: %v conts=%d", err, conts)
	}
	w := &checkWriter{}
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		w.Write(buf[:n])
		// Never ahead of the consumer by more than one buffer.
		if got := src.n - int64(len(head)) - w.off; got > bufSize {
			t.Fatalf("decoder read %d octets ahead", got)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if w.off != size || w.bad || w.writes < size/len(buf) {
		t.Fatalf("copied %d octets in %d writes, bad=%v", w.off, w.writes, w.bad)
	}
	if err := d.FinishCommand(); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
		t.Fatalf("allocated %d octets for a %d-octet APPEND", alloc, size)
	}
	if cmd, err := d.ReadCommand(); err != nil || cmd.Tag != "A004" {
		t.Fatalf("next: %v %v", cmd, err)
	}
}

func TestAppendNonSync(t *testing.T) {
	t.Parallel()
	conts := 0
	d := newDec(strings.NewReader("a APPEND INBOX {5+}\r\nhello\r\nb NOOP\r\n"), testOpts(), &conts)
	cmd, err := d.ReadCommand()
	if err != nil || cmd.Literal == nil || !cmd.Literal.NonSync || cmd.Literal.Size != 5 {
		t.Fatalf("%+v %v", cmd, err)
	}
	r, _ := cmd.Literal.Open()
	msg, err := io.ReadAll(r)
	if err != nil || string(msg) != "hello" || conts != 0 {
		t.Fatalf("%q %v conts=%d", msg, err, conts)
	}
	if err := d.FinishCommand(); err != nil {
		t.Fatal(err)
	}
	if cmd, err := d.ReadCommand(); err != nil || cmd.Tag != "b" {
		t.Fatalf("next: %v %v", cmd, err)
	}
}

func TestAppendRefused(t *testing.T) {
	t.Parallel()
	// Synchronizing, refused (e.g. no such mailbox): no continuation, and
	// the client sends nothing more.
	conts := 0
	d := newDec(strings.NewReader("a APPEND nosuch {500}\r\nb NOOP\r\n"), testOpts(), &conts)
	cmd, err := d.ReadCommand()
	if err != nil || cmd.Literal == nil {
		t.Fatal(err)
	}
	if _, err := d.ReadCommand(); err != ErrLiteralPending || !IsFatal(err) {
		t.Fatalf("pending: %v", err)
	}
	if _, err := d.ReadLine(); err != ErrLiteralPending {
		t.Fatalf("pending: %v", err)
	}
	if err := d.FinishCommand(); err != nil || conts != 0 {
		t.Fatalf("%v conts=%d", err, conts)
	}
	if cmd, err := d.ReadCommand(); err != nil || cmd.Tag != "b" {
		t.Fatalf("next: %v %v", cmd, err)
	}
	// Non-synchronizing, refused: the octets are discarded, and whatever
	// follows on the line too.
	d = newDec(strings.NewReader("a APPEND nosuch {5+}\r\nhello junk {2+}\r\nxy\r\nb NOOP\r\n"), testOpts(), &conts)
	if cmd, err = d.ReadCommand(); err != nil {
		t.Fatal(err)
	}
	if err := d.FinishCommand(); err != nil {
		t.Fatal(err)
	}
	if cmd, err := d.ReadCommand(); err != nil || cmd.Tag != "b" {
		t.Fatalf("next: %v %v", cmd, err)
	}
	// Accepted but partly read: FinishCommand discards the rest.
	d = newDec(strings.NewReader("a APPEND x {10}\r\n0123456789\r\nb NOOP\r\n"), testOpts(), &conts)
	cmd, _ = d.ReadCommand()
	r, _ := cmd.Literal.Open()
	io.ReadFull(r, make([]byte, 3))
	if err := d.FinishCommand(); err != nil {
		t.Fatal(err)
	}
	if n, err := r.Read(make([]byte, 3)); n != 0 || err != io.EOF {
		t.Fatalf("read after finish: %d %v", n, err)
	}
	if cmd, err := d.ReadCommand(); err != nil || cmd.Tag != "b" {
		t.Fatalf("next: %v %v", cmd, err)
	}
}

func TestAppendTooBig(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"a APPEND INBOX {10001}\r\n", "a APPEND INBOX {10001+}\r\n" + strings.Repeat("m", 10001) + "\r\n"} {
		conts := 0
		d := newDec(strings.NewReader(in+"b NOOP\r\n"), testOpts(), &conts)
		_, err := d.ReadCommand()
		ce := cmdErr(t, err)
		if ce.Status != StatusNO || ce.Code != CodeTooBig || ce.Tag != "a" || IsFatal(err) || conts != 0 {
			t.Fatalf("%.30q: %v", in, err)
		}
		if cmd, err := d.ReadCommand(); err != nil || cmd.Tag != "b" {
			t.Fatalf("next: %v %v", cmd, err)
		}
	}
	// Beyond MaxDiscard: fatal.
	d := newDec(strings.NewReader("a APPEND INBOX {30000+}\r\n"), testOpts(), nil)
	if _, err := d.ReadCommand(); !IsFatal(err) || !errors.Is(err, ErrLiteralTooBig) {
		t.Fatalf("%v", err)
	}
}

func TestAppendShapes(t *testing.T) {
	t.Parallel()
	// A mailbox name sent as a literal is read into memory; the message
	// literal after it is streamed.
	cmd := command(t, "a APPEND {5}\r\nDraft {3}\r\n")
	p := NewParser(cmd)
	m := p.Mailbox()
	p.End()
	if p.Err() != nil || m != "Draft" || cmd.Literal == nil || cmd.Literal.Size != 3 {
		t.Fatalf("%q %v %+v", m, p.Err(), cmd.Literal)
	}
	// UID APPEND does not exist: no streaming, an ordinary literal.
	cmd = command(t, "a UID APPEND x {3}\r\nabc\r\n")
	if cmd.Literal != nil || len(cmd.lits) != 1 {
		t.Fatalf("%+v", cmd)
	}
	// Trailing data after an accepted message: BAD, back in sync.
	d := newDec(strings.NewReader("a APPEND x {3}\r\nabc {2}\r\nb NOOP\r\n"), testOpts(), nil)
	cmd, _ = d.ReadCommand()
	r, _ := cmd.Literal.Open()
	io.Copy(io.Discard, r)
	if err := d.FinishCommand(); !errors.Is(err, ErrSyntax) || IsFatal(err) || cmdErr(t, err).Tag != "a" {
		t.Fatalf("%v", err)
	}
	if cmd, err := d.ReadCommand(); err != nil || cmd.Tag != "b" {
		t.Fatalf("next: %v %v", cmd, err)
	}
	// The connection ends inside the message.
	d = newDec(strings.NewReader("a APPEND x {30}\r\nabc"), testOpts(), nil)
	cmd, _ = d.ReadCommand()
	r, _ = cmd.Literal.Open()
	if _, err := io.Copy(io.Discard, r); err != io.ErrUnexpectedEOF {
		t.Fatalf("%v", err)
	}
	if err := d.FinishCommand(); !IsFatal(err) {
		t.Fatalf("%v", err)
	}
	// Open is idempotent and sends one continuation.
	conts := 0
	d = newDec(bytes.NewReader([]byte("a APPEND x {1}\r\nz\r\n")), testOpts(), &conts)
	cmd, _ = d.ReadCommand()
	cmd.Literal.Open()
	cmd.Literal.Open()
	if conts != 1 || d.FinishCommand() != nil {
		t.Fatalf("conts %d", conts)
	}
}

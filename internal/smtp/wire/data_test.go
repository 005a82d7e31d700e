package wire

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

// dataResult is what a DataReader run yields: the body, the error, and
// what was left in the bufio.Reader.
type dataResult struct {
	body, rest string
	err        error
}

func readData(r io.Reader, max int64, bufSize int) dataResult {
	br := bufio.NewReaderSize(r, bufSize)
	body, err := io.ReadAll(NewDataReader(br, max))
	rest, _ := io.ReadAll(br)
	return dataResult{string(body), string(rest), err}
}

func TestDataReader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		max  int64
		want dataResult
	}{
		{"simple", "a\r\nb\r\n.\r\nQUIT\r\n", 0, dataResult{"a\r\nb\r\n", "QUIT\r\n", nil}},
		{"empty body at very start", ".\r\nNOOP\r\n", 0, dataResult{"", "NOOP\r\n", nil}},
		{"empty line body", "\r\n.\r\n", 0, dataResult{"\r\n", "", nil}},
		{"unstuff", "..a\r\n..\r\n...\r\n.x\r\n.\r\n", 0, dataResult{".a\r\n.\r\n..\r\nx\r\n", "", nil}},
		{"dot mid line kept", "a.b\r\na.\r\n.\r\n", 0, dataResult{"a.b\r\na.\r\n", "", nil}},
		{"no final CRLF is not an end", "a\r\n.x.\r\n.\r\n", 0, dataResult{"a\r\nx.\r\n", "", nil}},
		{"LF dot LF never ends", "a\n.\nb\r\n.\r\nNOOP\r\n", 0, dataResult{"", "NOOP\r\n", ErrBareLineEnding}},
		{"CR dot CR never ends", "a\r.\rb\r\n.\r\nNOOP\r\n", 0, dataResult{"", "NOOP\r\n", ErrBareLineEnding}},
		{"CRLF dot LF never ends", "a\r\n.\nb\r\n.\r\nNOOP\r\n", 0, dataResult{"", "NOOP\r\n", ErrBareLineEnding}},
		{"LF dot CRLF never ends", "a\n.\r\nb\r\n.\r\nNOOP\r\n", 0, dataResult{"", "NOOP\r\n", ErrBareLineEnding}},
		{"CR dot CRLF never ends", "a\r.\r\nb\r\n.\r\nNOOP\r\n", 0, dataResult{"", "NOOP\r\n", ErrBareLineEnding}},
		{"dot LF at start", ".\nb\r\n.\r\n", 0, dataResult{"", "", ErrBareLineEnding}},
		{"dot CR at start", ".\rb\r\n.\r\n", 0, dataResult{"", "", ErrBareLineEnding}},
		{"dot CR CR LF", "a\r\n.\r\r\n.\r\nX", 0, dataResult{"", "X", ErrBareLineEnding}},
		{"bare LF in line", "ab\ncd\r\n.\r\n", 0, dataResult{"", "", ErrBareLineEnding}},
		{"bare CR in line", "ab\rcd\r\n.\r\n", 0, dataResult{"", "", ErrBareLineEnding}},
		{"LF at start", "\n.\r\n", 0, dataResult{"", "", io.ErrUnexpectedEOF}},
		{"LF at start, later end", "\n.\r\nx\r\n.\r\n", 0, dataResult{"", "", ErrBareLineEnding}},
		{"CR CR LF", "ab\r\r\n.\r\n", 0, dataResult{"", "", ErrBareLineEnding}},
		{"unterminated", "a\r\nb\r\n", 0, dataResult{"", "", io.ErrUnexpectedEOF}},
		{"unterminated dot", "a\r\n.\r", 0, dataResult{"", "", io.ErrUnexpectedEOF}},
		{"exactly max", "abc\r\n.\r\n", 5, dataResult{"abc\r\n", "", nil}},
		{"max plus one", "abcd\r\n.\r\nNOOP\r\n", 5, dataResult{"", "NOOP\r\n", ErrTooBig}},
		{"stuffing not counted", "..a\r\n.\r\n", 4, dataResult{".a\r\n", "", nil}},
		{"too big then bare LF", "abcdefgh\n\r\n.\r\n", 3, dataResult{"", "", ErrTooBig}},
		{"bare LF then too big", "a\nbcdefgh\r\n.\r\n", 3, dataResult{"", "", ErrBareLineEnding}},
		{"long line allowed", strings.Repeat("x", 5000) + "\r\n.\r\n", 0, dataResult{strings.Repeat("x", 5000) + "\r\n", "", nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, shape := range readerShapes {
				got := readData(shape.wrap(strings.NewReader(tt.in)), tt.max, 16)
				if tt.want.err != nil {
					got.body = "" // a rejected body is thrown away
				}
				if got.body != tt.want.body || got.rest != tt.want.rest || !errors.Is(got.err, tt.want.err) {
					t.Errorf("%s: got %+v, want %+v", shape.name, got, tt.want)
				}
			}
		})
	}
}

// TestDataReaderSmallReads reads through a 1-octet p, which must work
// the same as a large one.
func TestDataReaderSmallReads(t *testing.T) {
	t.Parallel()
	in := "..a\r\nbb\r\n\r\n.\r\nREST"
	d := NewDataReader(bufio.NewReaderSize(strings.NewReader(in), 16), 0)
	var got []byte
	p := make([]byte, 1)
	for {
		n, err := d.Read(p)
		got = append(got, p[:n]...)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if string(got) != ".a\r\nbb\r\n\r\n" || d.Size() != int64(len(got)) {
		t.Errorf("got %q size %d", got, d.Size())
	}
}

func TestDataWriter(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ".\r\n"},
		{"a", "a\r\n.\r\n"},
		{"a\r\n", "a\r\n.\r\n"},
		{"a\n.b\n.\n", "a\r\n..b\r\n..\r\n.\r\n"},
		{".", "..\r\n.\r\n"},
		{"a\rb\r", "a\r\nb\r\n.\r\n"},
		{"a\r\r\n.", "a\r\n\r\n..\r\n.\r\n"},
	}
	for _, tt := range tests {
		for _, chunk := range []int{1, 2, 1000} {
			var b bytes.Buffer
			w := NewDataWriter(&b)
			for s := tt.in; s != ""; {
				n := min(chunk, len(s))
				if _, err := w.Write([]byte(s[:n])); err != nil {
					t.Fatal(err)
				}
				s = s[n:]
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("DataWriter(%q) chunk %d = %q, want %q", tt.in, chunk, b.String(), tt.want)
			}
		}
	}
}

func BenchmarkDataReader(b *testing.B) {
	line := strings.Repeat("x", 76) + "\r\n"
	msg := strings.Repeat(line, 1<<20/len(line)) + ".\r\n"
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		d := NewDataReader(bufio.NewReader(strings.NewReader(msg)), 0)
		if _, err := io.Copy(io.Discard, d); err != nil {
			b.Fatal(err)
		}
	}
}

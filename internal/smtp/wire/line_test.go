package wire

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// lineResult is one ReadLine outcome, comparable across reader shapes.
type lineResult struct {
	line string
	err  error
}

// readAllLines calls ReadLine until an error that is not a per-line one.
func readAllLines(r *bufio.Reader, max int) []lineResult {
	var out []lineResult
	for {
		line, err := ReadLine(r, max)
		out = append(out, lineResult{string(line), err})
		if err != nil && err != ErrLineTooLong && err != ErrBareCR {
			return out
		}
	}
}

func TestReadLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		max      int
		want     []lineResult
	}{
		{"crlf", "NOOP\r\nQUIT\r\n", 10, []lineResult{{"NOOP", nil}, {"QUIT", nil}, {"", io.EOF}}},
		{"bare LF normalised", "NOOP\nQUIT\r\n", 10, []lineResult{{"NOOP", nil}, {"QUIT", nil}, {"", io.EOF}}},
		{"empty line", "\r\n", 10, []lineResult{{"", nil}, {"", io.EOF}}},
		{"exactly max", "12345\r\n", 5, []lineResult{{"12345", nil}, {"", io.EOF}}},
		{"max plus one", "123456\r\nNOOP\r\n", 5, []lineResult{{"", ErrLineTooLong}, {"NOOP", nil}, {"", io.EOF}}},
		{"max plus one bare LF", "123456\nNOOP\n", 5, []lineResult{{"", ErrLineTooLong}, {"NOOP", nil}, {"", io.EOF}}},
		{"bare CR inside", "NO\rOP\r\nQUIT\r\n", 10, []lineResult{{"", ErrBareCR}, {"QUIT", nil}, {"", io.EOF}}},
		{"CR CR LF", "NOOP\r\r\n", 10, []lineResult{{"", ErrBareCR}, {"", io.EOF}}},
		{"bare CR never ends a line", "NOOP\rQUIT", 20, []lineResult{{"", io.ErrUnexpectedEOF}}},
		{"partial line", "NOOP", 10, []lineResult{{"", io.ErrUnexpectedEOF}}},
		{"partial too long", strings.Repeat("x", 50), 10, []lineResult{{"", io.ErrUnexpectedEOF}}},
		{"very long", strings.Repeat("x", 100000) + "\r\nNOOP\r\n", 512, []lineResult{{"", ErrLineTooLong}, {"NOOP", nil}, {"", io.EOF}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, shape := range readerShapes {
				got := readAllLines(bufio.NewReaderSize(shape.wrap(strings.NewReader(tt.in)), 16), tt.max)
				if !equalLines(got, tt.want) {
					t.Errorf("%s: got %v, want %v", shape.name, got, tt.want)
				}
			}
		})
	}
}

func equalLines(a, b []lineResult) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].line != b[i].line || !errors.Is(a[i].err, b[i].err) {
			return false
		}
	}
	return true
}

// readerShapes feed the same input in different chunkings; every parser
// must give the same result for all of them.
var readerShapes = []struct {
	name string
	wrap func(io.Reader) io.Reader
}{
	{"whole", func(r io.Reader) io.Reader { return r }},
	{"one byte", iotest.OneByteReader},
	{"half", iotest.HalfReader},
}

// TestReadLineBounded checks that an over-long line is not accumulated.
func TestReadLineBounded(t *testing.T) {
	in := strings.Repeat("x", 1<<20) + "\r\n"
	allocs := testing.AllocsPerRun(5, func() {
		r := bufio.NewReader(strings.NewReader(in))
		if _, err := ReadLine(r, 512); err != ErrLineTooLong {
			t.Fatalf("err = %v", err)
		}
	})
	if allocs > 10 {
		t.Errorf("allocs = %v; an over-long line must not be buffered", allocs)
	}
}

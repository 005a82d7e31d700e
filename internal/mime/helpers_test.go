package mime

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// mustParse parses msg with default options and checks the invariants.
func mustParse(t testing.TB, msg []byte) *Part {
	t.Helper()
	p, err := Parse(bytes.NewReader(msg), Options{})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if err := checkInvariants(p, int64(len(msg))); err != nil {
		t.Fatalf("invariants: %v", err)
	}
	return p
}

// checkInvariants verifies offsets: in bounds, ordered, nested.
func checkInvariants(root *Part, size int64) error {
	if root.HeaderStart != 0 || root.BodyEnd != size {
		return fmt.Errorf("root spans [%d,%d), message is %d bytes", root.HeaderStart, root.BodyEnd, size)
	}
	return checkPart(root, 0, size, 0)
}

func checkPart(p *Part, lo, hi int64, depth int) error {
	if depth > maxUnmarshalDepth {
		return fmt.Errorf("tree deeper than %d", maxUnmarshalDepth)
	}
	if !(lo <= p.HeaderStart && p.HeaderStart <= p.HeaderEnd && p.HeaderEnd <= p.BodyEnd && p.BodyEnd <= hi) {
		return fmt.Errorf("part [%d,%d,%d) outside [%d,%d)", p.HeaderStart, p.HeaderEnd, p.BodyEnd, lo, hi)
	}
	if p.IsMultipart() != (len(p.Children) > 0) || p.IsMessage() != (p.Message != nil) {
		return fmt.Errorf("part %s/%s with %d children, message %v", p.Type, p.Subtype, len(p.Children), p.Message != nil)
	}
	if p.Lines < 0 || p.Lines > p.Size() {
		return fmt.Errorf("part %s/%s: %d lines in %d bytes", p.Type, p.Subtype, p.Lines, p.Size())
	}
	if m := p.Message; m != nil {
		if m.HeaderStart != p.HeaderEnd || m.BodyEnd != p.BodyEnd || m.Envelope == nil {
			return fmt.Errorf("message [%d,%d) in body [%d,%d)", m.HeaderStart, m.BodyEnd, p.HeaderEnd, p.BodyEnd)
		}
		if err := checkPart(m, p.HeaderEnd, p.BodyEnd, depth+1); err != nil {
			return err
		}
	}
	cursor := p.HeaderEnd
	for _, c := range p.Children {
		if err := checkPart(c, cursor, p.BodyEnd, depth+1); err != nil {
			return err
		}
		cursor = c.BodyEnd
	}
	return nil
}

// describe renders everything the IMAP layer uses from a parse, one item
// a line, for golden files.
func describe(p *Part) string {
	var b strings.Builder
	fmt.Fprintf(&b, "BODYSTRUCTURE %s\n", visible(AppendBodyStructure(nil, p)))
	fmt.Fprintf(&b, "BODY %s\n", visible(AppendBody(nil, p)))
	fmt.Fprintf(&b, "ENVELOPE %s\n", visible(AppendEnvelope(nil, p.Envelope)))
	fmt.Fprintf(&b, "message header=[%d,%d) body=[%d,%d)\n", p.HeaderStart, p.HeaderEnd, p.HeaderEnd, p.BodyEnd)
	p.Walk(func(sec []int, q *Part) bool {
		fmt.Fprintf(&b, "part %s %s/%s header=[%d,%d) body=[%d,%d) size=%d lines=%d\n",
			sectionString(sec), q.Type, q.Subtype, q.HeaderStart, q.HeaderEnd, q.HeaderEnd, q.BodyEnd, q.Size(), q.Lines)
		if q.Message != nil {
			fmt.Fprintf(&b, "  message header=[%d,%d) ENVELOPE %s\n", q.Message.HeaderStart, q.Message.HeaderEnd,
				visible(AppendEnvelope(nil, q.Message.Envelope)))
		}
		return true
	})
	return b.String()
}

func sectionString(sec []int) string {
	s := make([]string, len(sec))
	for i, n := range sec {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, ".")
}

// visible shows CR and LF as \r and \n so literals fit on one line.
func visible(b []byte) string {
	return strings.NewReplacer("\r", `\r`, "\n", `\n`).Replace(string(b))
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// corpus lists the messages in testdata.
func corpus(t testing.TB) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join("testdata", "*.eml"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no corpus: %v", err)
	}
	for i, n := range names {
		names[i] = filepath.Base(n)
	}
	return names
}

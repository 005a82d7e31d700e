package mime

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"testing/iotest"
)

func crlf(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }

func TestParseReadError(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	r := iotest.DataErrReader(iotest.ErrReader(boom))
	if _, err := Parse(r, Options{}); !errors.Is(err, boom) {
		t.Errorf("Parse = %v, want %v", err, boom)
	}
	half := iotest.TimeoutReader(bytes.NewReader(bytes.Repeat([]byte("Subject: x\r\n"), 10000)))
	if _, err := Parse(half, Options{}); !errors.Is(err, iotest.ErrTimeout) {
		t.Errorf("Parse = %v, want timeout", err)
	}
}

func TestOptionsValidate(t *testing.T) {
	t.Parallel()
	for _, o := range []Options{{MaxDepth: -1}, {MaxDepth: 1001}, {MaxParts: -1}, {MaxHeaderBytes: -1}, {MaxTotalHeaderBytes: -5}} {
		if o.Validate() == nil {
			t.Errorf("%+v accepted", o)
		}
		if _, err := Parse(strings.NewReader(""), o); err == nil {
			t.Errorf("Parse accepted %+v", o)
		}
	}
	if err := (Options{MaxDepth: 1000}).Validate(); err != nil {
		t.Error(err)
	}
}

// TestLongLines crosses the scanner buffer with header and body lines,
// including a CRLF split across two reads of the buffer.
func TestLongLines(t *testing.T) {
	t.Parallel()
	for _, n := range []int{scanBufSize - 2, scanBufSize - 1, scanBufSize, scanBufSize + 1, 3*scanBufSize + 7} {
		long := strings.Repeat("a", n)
		msg := crlf("Subject: " + long + "\n  folded\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\n" + long + "\n--b\nContent-Type: text/plain\n\n" + long + "x\n--b--\n")
		root := mustParse(t, msg)
		if got := root.Envelope.Subject; got != long+"  folded" {
			t.Errorf("n=%d: subject of %d bytes", n, len(got))
		}
		if len(root.Children) != 2 {
			t.Fatalf("n=%d: %d children", n, len(root.Children))
		}
		for i, want := range []string{long, long + "x"} {
			c := root.Children[i]
			if got := string(msg[c.HeaderEnd:c.BodyEnd]); got != want || c.Lines != 1 {
				t.Errorf("n=%d part %d: body of %d bytes, %d lines", n, i+1, len(got), c.Lines)
			}
		}
		p, err := Parse(iotest.OneByteReader(bytes.NewReader(msg)), Options{})
		if err != nil || describe(p) != describe(root) {
			t.Errorf("n=%d: one-byte parse differs", n)
		}
	}
}

// TestHeaderLimit: fields past MaxHeaderBytes are ignored, but offsets
// still cover the whole header block.
func TestHeaderLimit(t *testing.T) {
	t.Parallel()
	filler := strings.Repeat("X-Filler: "+strings.Repeat("f", 90)+"\n", 100) // ~10 KB
	msg := crlf("Subject: early\n" + filler + "Content-Type: text/html\nFrom: late@example.com\n\nbody\n")
	root, err := Parse(bytes.NewReader(msg), Options{MaxHeaderBytes: 4096})
	if err != nil {
		t.Fatal(err)
	}
	if root.Envelope.Subject != "early" || root.Envelope.From != nil || root.Subtype != "plain" {
		t.Errorf("limit not applied: subject %q from %v type %s", root.Envelope.Subject, root.Envelope.From, root.Subtype)
	}
	if got := string(msg[root.HeaderEnd:root.BodyEnd]); got != "body\r\n" {
		t.Errorf("body = %q", got)
	}
	// A single field straddling the limit is dropped, not truncated.
	msg = crlf("Subject: " + strings.Repeat("s", 5000) + "\nTo: a@b\n\n")
	root, _ = Parse(bytes.NewReader(msg), Options{MaxHeaderBytes: 4096})
	if root.Envelope.Subject != "" || root.Envelope.To != nil {
		t.Errorf("straddling field kept: %d bytes", len(root.Envelope.Subject))
	}
	// The total budget.
	msg = crlf("Subject: " + strings.Repeat("s", 100) + "\nTo: a@b\n\n")
	root, _ = Parse(bytes.NewReader(msg), Options{MaxTotalHeaderBytes: 50})
	if root.Envelope.Subject != "" || len(root.Envelope.To) != 1 {
		t.Errorf("budget: subject %d bytes, to %v", len(root.Envelope.Subject), root.Envelope.To)
	}
}

// TestMaxParts: the last child takes the rest of its multipart, opaque.
func TestMaxParts(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("Content-Type: multipart/mixed; boundary=b\n\n")
	for i := 0; i < 50; i++ {
		b.WriteString("--b\nContent-Type: text/plain\n\npart\n")
	}
	b.WriteString("--b--\nepilogue\n")
	msg := crlf(b.String())
	root, err := Parse(bytes.NewReader(msg), Options{MaxParts: 10})
	if err != nil {
		t.Fatal(err)
	}
	if err := checkInvariants(root, int64(len(msg))); err != nil {
		t.Fatal(err)
	}
	if n := len(root.Children); n != 10 {
		t.Fatalf("%d children, want 10", n)
	}
	last := root.Children[9]
	if last.Type != "application" || last.BodyEnd != int64(len(msg)) {
		t.Errorf("last child %s/%s ends at %d of %d", last.Type, last.Subtype, last.BodyEnd, len(msg))
	}
}

// TestDeepNesting: beyond MaxDepth containers become opaque leaves; the
// tree depth and the recursion are bounded.
func TestDeepNesting(t *testing.T) {
	t.Parallel()
	msg := readTestdata(t, "deep-nesting.eml")
	for _, depth := range []int{1, 5, 32, 200} {
		root, err := Parse(bytes.NewReader(msg), Options{MaxDepth: depth})
		if err != nil {
			t.Fatal(err)
		}
		if err := checkInvariants(root, int64(len(msg))); err != nil {
			t.Fatal(err)
		}
		levels, q := 0, root
		for q.IsMultipart() {
			q, levels = q.Children[0], levels+1
		}
		want := min(depth, 101)
		if levels != want {
			t.Errorf("MaxDepth %d: %d multipart levels, want %d", depth, levels, want)
		}
		if depth > 101 && string(msg[q.HeaderEnd:q.BodyEnd]) != "deepest" {
			t.Errorf("MaxDepth %d: deepest body %q", depth, msg[q.HeaderEnd:q.BodyEnd])
		}
	}
	// Nested message/rfc822 is bounded the same way.
	var b strings.Builder
	for i := 0; i < 500; i++ {
		b.WriteString("Content-Type: message/rfc822\n\n")
	}
	b.WriteString("Subject: bottom\n\nbottom\n")
	mustParse(t, crlf(b.String()))
}

// TestBoundaryEdgeCases covers boundaries met inside headers, blank lines
// shared with a delimiter, padding and look-alike boundaries.
func TestBoundaryEdgeCases(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, msg string
		bodies    []string // body of each child of the root
	}{
		{"boundary in header", "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n--b\n\nsecond\n--b--\n",
			[]string{"", "second"}},
		{"padding and prefix", "Content-Type: multipart/mixed; boundary=b\n\n--b \t\n\none\n--bb\n--b--x\n--b--  \n",
			[]string{"one\r\n--bb\r\n--b--x"}},
		{"nested same boundary", "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\ninner\n--b--\n--b\n\nafter\n--b--\n",
			[]string{"", "after"}},
		{"outer boundary closes inner", "Content-Type: multipart/mixed; boundary=o\n\n--o\nContent-Type: multipart/alternative; boundary=i\n\n--i\n\nin\n--o\n\nout\n--o--\n",
			[]string{"--i\r\n\r\nin", "out"}},
		{"no boundary param", "Content-Type: multipart/mixed\n\n--b\n\nx\n", []string{""}},
		{"close at once", "Content-Type: multipart/mixed; boundary=b\n\n--b--\n--b\n\nx\n", []string{""}},
	} {
		msg := crlf(tc.msg)
		root := mustParse(t, msg)
		if len(root.Children) != len(tc.bodies) {
			t.Errorf("%s: %d children, want %d", tc.name, len(root.Children), len(tc.bodies))
			continue
		}
		for i, c := range root.Children {
			if got := string(msg[c.HeaderEnd:c.BodyEnd]); got != tc.bodies[i] && !(c.IsMultipart() && tc.bodies[i] == "") {
				t.Errorf("%s: part %d body %q, want %q", tc.name, i+1, got, tc.bodies[i])
			}
		}
	}
}

// TestMessageBlankLineAtBoundary: an encapsulated message whose header
// ends right at a boundary keeps its blank line, and the message/rfc822
// part spans it.
func TestMessageBlankLineAtBoundary(t *testing.T) {
	t.Parallel()
	msg := crlf("Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: message/rfc822\n\nSubject: s\n\n--b--\n")
	root := mustParse(t, msg)
	q := root.Children[0]
	if got := string(msg[q.HeaderEnd:q.BodyEnd]); got != "Subject: s\r\n\r\n" || q.Lines != 2 {
		t.Errorf("rfc822 body %q, %d lines", got, q.Lines)
	}
	if q.Message.Envelope.Subject != "s" || q.Message.Size() != 0 {
		t.Errorf("encapsulated message: %+v", q.Message)
	}
}

func TestLinesCount(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		body  string
		lines int64
	}{
		{"", 0}, {"a", 1}, {"a\r\n", 1}, {"a\r\nb", 2}, {"\r\n", 1}, {"\r\n\r\n", 2}, {"a\nb\n", 2}, {"a\rb", 1},
	} {
		msg := []byte("Subject: x\r\n\r\n" + tc.body)
		if got := mustParse(t, msg).Lines; got != tc.lines {
			t.Errorf("%q: %d lines, want %d", tc.body, got, tc.lines)
		}
		// The same body inside a multipart, before a delimiter.
		mp := []byte("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\n" + tc.body + "\r\n--b--\r\n")
		if got := mustParse(t, mp).Children[0].Lines; got != tc.lines {
			t.Errorf("%q in multipart: %d lines, want %d", tc.body, got, tc.lines)
		}
	}
}

func TestContentType(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, typ, sub, params string }{
		{"text/plain", "text", "plain", ""},
		{" TEXT / HTML ; Charset = \"UTF-8\" ", "text", "html", "charset=UTF-8"},
		{"text/plain charset=utf-8", "text", "plain", "charset=utf-8"},
		{"text/plain (comment); format=flowed", "text", "plain", "format=flowed"},
		{"text", "text", "plain", ""},
		{"image", "text", "plain", "charset=us-ascii"},
		{"", "text", "plain", "charset=us-ascii"},
		{"/plain", "text", "plain", "charset=us-ascii"},
		{"te\"xt/plain", "text", "plain", "charset=us-ascii"},
		{"application/x-foo;;name=a b.txt;bare;=x", "application", "x-foo", "name=a b.txt"},
		{`application/x; name="unterminated`, "application", "x", "name=unterminated"},
		{`application/x; a=1; A=2; b="q\"uote"`, "application", "x", `a=1 b=q"uote`},
	} {
		msg := []byte("Content-Type: " + tc.in + "\r\n\r\n")
		p := mustParse(t, msg)
		var ps []string
		for _, x := range p.Params {
			ps = append(ps, x.Name+"="+x.Value)
		}
		if p.Type != tc.typ || p.Subtype != tc.sub || strings.Join(ps, " ") != tc.params {
			t.Errorf("%q: %s/%s %q, want %s/%s %q", tc.in, p.Type, p.Subtype, ps, tc.typ, tc.sub, tc.params)
		}
	}
}

func TestRFC2231(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{`; title*=us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A`, "This is ***fun***"},
		{`; title*0*=us-ascii'en'This%20is%20even%20more%20; title*1*=%2A%2A%2Afun%2A%2A%2A%20; title*2="isn't it!"`, "This is even more ***fun*** isn't it!"},
		{`; title*1="b"; title*0="a"`, "ab"},
		{`; title*0*=utf-8''%E2%82%AC; title*0*=utf-8''x`, "€"},
		{`; title*=utf-8''bad%zzescape%`, "bad%zzescape%"},
		{`; title*=iso-8859-1''%E9t%E9`, "été"},
		{`; title*=''plain`, "plain"},
		{`; title*=noquotes%41`, "noquotesA"},
		{`; title="plain"; title*=utf-8''ext`, "ext"},
		{`; title*x=weird`, ""},
	} {
		ps := parseParams(tc.in)
		got, _ := lookupParam(ps, "title")
		if got != tc.want {
			t.Errorf("%s: %q, want %q (%v)", tc.in, got, tc.want, ps)
		}
	}
}

package mime

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// splitParts is an independent, naive multipart splitter for tests: the
// text of each body part between delimiter lines, with the line break
// before each delimiter removed (RFC 2046 §5.1.1).
func splitParts(body, boundary, eol string) []string {
	delim := eol + "--" + boundary
	pieces := strings.Split(eol+body, delim)
	var parts []string
	for _, p := range pieces[1:] {
		if strings.HasPrefix(p, "--") {
			break
		}
		parts = append(parts, strings.TrimPrefix(p, eol))
	}
	return parts
}

// splitEntity splits an entity into header (with its blank line) and body.
func splitEntity(s, eol string) (string, string) {
	if i := strings.Index(s, eol+eol); i >= 0 {
		return s[:i+2*len(eol)], s[i+2*len(eol):]
	}
	return s, ""
}

// TestManualSplit checks that part ranges equal what splitting the raw
// text by hand gives, for the MIME and body of every part.
func TestManualSplit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		file, boundary, eol string
		section             []int // multipart whose body is split; nil = root
	}{
		{"mixed-attachment.eml", "outer-b", "\r\n", nil},
		{"alternative.eml", "alt42", "\r\n", nil},
		{"bare-lf.eml", "lf", "\n", nil},
		{"no-close-boundary.eml", "nc", "\r\n", nil},
		{"related-in-mixed.eml", "mix", "\r\n", nil},
		{"related-in-mixed.eml", "rel", "\r\n", []int{1}},
		{"rfc822-nested.eml", "L0", "\r\n", nil},
		{"rfc822-nested.eml", "L1", "\r\n", []int{2, 1}},
		{"rfc2231.eml", "b2231", "\r\n", nil},
	} {
		msg := string(readTestdata(t, tc.file))
		root := mustParse(t, []byte(msg))
		mp := root
		if tc.section != nil {
			q, ok := root.Find(tc.section)
			if !ok {
				t.Fatalf("%s: no part %v", tc.file, tc.section)
			}
			mp = q
			if len(tc.section) == 2 { // the multipart is the body of a message
				mp = root.Children[tc.section[0]-1].Message
			}
		}
		_, body := splitEntity(msg[mp.HeaderStart:mp.BodyEnd], tc.eol)
		want := splitParts(body, tc.boundary, tc.eol)
		if len(want) != len(mp.Children) {
			t.Fatalf("%s %s: %d parts by hand, %d parsed", tc.file, tc.boundary, len(want), len(mp.Children))
		}
		for i, c := range mp.Children {
			wh, wb := splitEntity(want[i], tc.eol)
			if gh, gb := msg[c.HeaderStart:c.HeaderEnd], msg[c.HeaderEnd:c.BodyEnd]; gh != wh || gb != wb {
				t.Errorf("%s part %d:\n got header %q body %q\nwant header %q body %q", tc.file, i+1, gh, gb, wh, wb)
			}
		}
	}
}

// TestFind checks RFC 3501 §6.4.5 part numbering against the example
// structure of rfc822-nested.eml and non-multipart messages.
func TestFind(t *testing.T) {
	t.Parallel()
	msg := readTestdata(t, "rfc822-nested.eml")
	root := mustParse(t, msg)
	body := func(sec ...int) string {
		q, ok := root.Find(sec)
		if !ok {
			return "<none>"
		}
		return string(msg[q.HeaderEnd:q.BodyEnd])
	}
	for _, tc := range []struct {
		sec  []int
		want string
	}{
		{[]int{1}, "See below."},
		{[]int{2, 1}, "Middle text."},
		{[]int{2, 2, 1}, "Innermost body.\r\nSecond line."},
		{[]int{2, 2, 2}, "<none>"},
		{[]int{2, 2, 1, 1}, "<none>"}, // a text leaf has no sub-parts
		{[]int{3}, "<none>"},
		{[]int{0}, "<none>"},
		{[]int{1, 1}, "<none>"},
	} {
		if got := body(tc.sec...); got != tc.want {
			t.Errorf("BODY[%s] = %q, want %q", sectionString(tc.sec), got, tc.want)
		}
	}
	if q, _ := root.Find([]int{2}); !q.IsMessage() || !strings.HasPrefix(string(msg[q.Message.HeaderStart:q.Message.HeaderEnd]), "From: Middle") {
		t.Errorf("part 2 is not the forwarded message")
	}
	if q, _ := root.Find(nil); q != root {
		t.Errorf("empty section is not the message")
	}

	// A non-multipart message has exactly a part 1: itself.
	plain := mustParse(t, readTestdata(t, "plain.eml"))
	if q, ok := plain.Find([]int{1}); !ok || q != plain {
		t.Errorf("part 1 of a plain message = %v, %v", q, ok)
	}
	if _, ok := plain.Find([]int{2}); ok {
		t.Errorf("plain message has a part 2")
	}

	// Top-level message/rfc822: part 1 is its body, 1.1 the body of the
	// encapsulated (non-multipart) message.
	top := []byte("Content-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\ninner body\r\n")
	tp := mustParse(t, top)
	if q, ok := tp.Find([]int{1, 1}); !ok || string(top[q.HeaderEnd:q.BodyEnd]) != "inner body\r\n" {
		t.Errorf("BODY[1.1] of a message/rfc822 message: %v", ok)
	}
}

// TestWalkMatchesFind checks that Walk numbers every part as Find resolves it.
func TestWalkMatchesFind(t *testing.T) {
	t.Parallel()
	for _, name := range corpus(t) {
		root := mustParse(t, readTestdata(t, name))
		n := 0
		root.Walk(func(sec []int, q *Part) bool {
			n++
			if got, ok := root.Find(sec); !ok || got != q {
				t.Errorf("%s: Walk gives %s, Find does not agree", name, sectionString(sec))
			}
			return true
		})
		if n == 0 {
			t.Errorf("%s: Walk visited nothing", name)
		}
	}
}

func TestHeaderFields(t *testing.T) {
	t.Parallel()
	msg := readTestdata(t, "plain.eml")
	root := mustParse(t, msg)
	r := bytes.NewReader(msg)
	got, err := HeaderFields(r, root, []string{"subject", "FROM", "x-absent"}, false)
	if err != nil {
		t.Fatal(err)
	}
	want := "From: Alice Example <alice@example.org>\r\nSubject: Hello\r\n world\r\n\r\n"
	if string(got) != want {
		t.Errorf("HEADER.FIELDS = %q, want %q", got, want)
	}
	got, _ = HeaderFields(r, root, []string{"Received", "return-path", "date", "message-id", "to", "from"}, true)
	if want := "Subject: Hello\r\n world\r\n\r\n"; string(got) != want {
		t.Errorf("HEADER.FIELDS.NOT = %q, want %q", got, want)
	}

	// No blank line: none is added (RFC 3501 §6.4.5).
	only := readTestdata(t, "headers-only.eml")
	got, _ = HeaderFields(bytes.NewReader(only), mustParse(t, only), []string{"subject"}, false)
	if want := "Subject: only headers"; string(got) != want {
		t.Errorf("headers-only HEADER.FIELDS = %q, want %q", got, want)
	}

	// Encapsulated message header, duplicates kept, malformed line.
	nested := readTestdata(t, "rfc822-nested.eml")
	q, _ := mustParse(t, nested).Find([]int{2, 2})
	got, _ = HeaderFields(bytes.NewReader(nested), q.Message, []string{"subject"}, false)
	if want := "Subject: original\r\n\r\n"; string(got) != want {
		t.Errorf("2.2.HEADER.FIELDS = %q, want %q", got, want)
	}
	dup := readTestdata(t, "duplicate-headers.eml")
	got, _ = HeaderFields(bytes.NewReader(dup), mustParse(t, dup), []string{"subject"}, false)
	if want := "Subject: first subject\r\nSubject: second subject\r\n\r\n"; string(got) != want {
		t.Errorf("duplicates = %q, want %q", got, want)
	}
	bad := readTestdata(t, "header-no-colon.eml")
	got, _ = HeaderFields(bytes.NewReader(bad), mustParse(t, bad), []string{"from", "to"}, true)
	if want := "This line has no colon\r\nSubject: still a header\r\n\r\n"; string(got) != want {
		t.Errorf("no-colon NOT = %q, want %q", got, want)
	}
}

func TestHeaderFieldsReadError(t *testing.T) {
	t.Parallel()
	p := &Part{HeaderStart: 0, HeaderEnd: 10, BodyEnd: 10}
	if _, err := HeaderFields(errReaderAt{}, p, []string{"a"}, false); err == nil {
		t.Error("read error not returned")
	}
}

type errReaderAt struct{}

func (errReaderAt) ReadAt([]byte, int64) (int, error) { return 0, io.ErrUnexpectedEOF }

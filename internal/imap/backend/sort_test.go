package backend

import (
	"net/mail"
	"strconv"
	"strings"
	"testing"
)

// TestBaseSubject follows RFC 5256 §2.1 step by step.
func TestBaseSubject(t *testing.T) {
	for _, tc := range []struct {
		in    string
		base  string
		reply bool
	}{
		{"Hello", "HELLO", false},
		{"Re: Hello", "HELLO", true},
		{"RE:  re: Fwd:hello", "HELLO", true},
		{"Fw: hello (fwd)", "HELLO", true},
		{"hello (FWD) (fwd)  ", "HELLO", true},
		{"[list] Re: hello", "HELLO", true},
		{"Re [2]: hello", "HELLO", true},
		{"[list] [other] hello", "HELLO", false},
		{"[list]", "[LIST]", false},
		{"[fwd: Re: hello]", "HELLO", true},
		{"[Fwd: [fwd: hello]]", "HELLO", true},
		{"Re:", "", true},
		{"  hello \t world  ", "HELLO WORLD", false},
		{"=?UTF-8?Q?R=C3=A9sum=C3=A9?=", "RéSUMé", false},
		{"Re: =?UTF-8?B?SGVsbG8=?=", "HELLO", true},
		{"Reply: hello", "REPLY: HELLO", false},
		{"[unterminated hello", "[UNTERMINATED HELLO", false},
		{"", "", false},
	} {
		base, reply := baseSubject(tc.in)
		if base != tc.base || reply != tc.reply {
			t.Errorf("%q: %q %v, want %q %v", tc.in, base, reply, tc.base, tc.reply)
		}
	}
}

func render(roots []*node) string {
	s := &session{}
	var b strings.Builder
	for _, r := range roots {
		b.WriteByte('(')
		s.writeThreadSeq(&b, r)
		b.WriteByte(')')
	}
	return b.String()
}

// writeThreadSeq is writeThread without a view: sequence numbers.
func (s *session) writeThreadSeq(b *strings.Builder, n *node) {
	if !n.dummy() {
		b.WriteString(strconv.Itoa(n.seq))
		switch len(n.children) {
		case 0:
			return
		case 1:
			b.WriteByte(' ')
			s.writeThreadSeq(b, n.children[0])
			return
		}
		b.WriteByte(' ')
	} else if len(n.children) == 1 {
		s.writeThreadSeq(b, n.children[0])
		return
	}
	for _, c := range n.children {
		b.WriteByte('(')
		s.writeThreadSeq(b, c)
		b.WriteByte(')')
	}
}

func keys(specs ...string) []sortKeys {
	// spec: "id refs... | subject" ; the date is the position
	var out []sortKeys
	for i, sp := range specs {
		ids, subj, _ := strings.Cut(sp, "|")
		f := strings.Fields(ids)
		k := sortKeys{seq: i + 1, date: int64(i)}
		if len(f) > 0 && f[0] != "-" {
			k.msgID = f[0]
		}
		if len(f) > 1 {
			k.refs = f[1:]
		}
		k.subject, k.reply = baseSubject(subj)
		out = append(out, k)
	}
	return out
}

// TestReferences covers the REFERENCES algorithm's corners (RFC 5256
// §3): loops, duplicate and missing Message-IDs, dummies pruned or kept,
// subject gathering.
func TestReferences(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []string
		want string
	}{
		{"chain", []string{"a|x", "b a|Re: x", "c a b|Re: x"}, "(1 2 3)"},
		{"siblings", []string{"a|x", "b a|Re: x", "c a|Re: x"}, "(1 (2)(3))"},
		{"loop", []string{"a b|p", "b a|q"}, "(2 1)"},
		{"self reference", []string{"a a|p"}, "(1)"},
		{"duplicate id", []string{"a|p", "a|q", "b a|r"}, "(1 3)(2)"},
		{"no id", []string{"-|p", "-|q"}, "(1)(2)"},
		{"dummy root kept", []string{"b m|p", "c m|q"}, "((1)(2))"},
		{"dummy one child", []string{"b m|p"}, "(1)"},
		{"nested dummy promoted", []string{"a|p", "c a m|q"}, "(1 2)"},
		{"subject: reply under original", []string{"a|hello", "b|Re: hello"}, "(1 2)"},
		{"subject: original first", []string{"b|Re: hello", "a|hello"}, "(2 1)"},
		{"subject: both replies", []string{"a|Re: hello", "b|Re: hello"}, "((1)(2))"},
		{"subject: empty not gathered", []string{"a|", "b|"}, "(1)(2)"},
		{"truncated references", []string{"a|p", "b|q", "c a|r", "d b c|s"}, "(1 3 4)(2)"},
	} {
		if got := render(references(keys(tc.in...))); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}

// TestReferencesDeep: a 20,000-message chain threads and prints without
// deep recursion.
func TestReferencesDeep(t *testing.T) {
	var specs []string
	prev := ""
	for i := range 20000 {
		id := "m" + strconv.Itoa(i)
		specs = append(specs, id+" "+prev+"|s")
		prev = id
	}
	roots := references(keys(specs...))
	if len(roots) != 1 {
		t.Fatalf("%d roots", len(roots))
	}
}

func TestOrderedSubject(t *testing.T) {
	got := render(orderedSubject(keys("|b", "|Re: a", "|a", "|Fwd: b", "|c")))
	if got != "(1 4)(2 3)(5)" {
		t.Errorf("%s", got)
	}
}

func TestSentDate(t *testing.T) {
	for _, v := range []string{
		"Sat, 3 Jan 2026 10:00:00 +0000", "3 Jan 2026 10:00 -0130", "Mon, 05 jan 2026 23:59:60 +1400",
		"Sun, 4 Jan 2026 10:00:00 -0100 (CET)", "Tue, 29 Feb 2028 00:00:00 +0000", "Fri, 30 Feb 2026 00:00:00 +0000",
		"Sat, 3 Jan 26 10:00:00 GMT", "garbage", "", "3 Jan 2026 10:00:00 EST",
	} {
		want, werr := mail.ParseDate(v)
		got, ok := sentDate(v)
		if ok != (werr == nil) || ok && got != want.Unix() {
			t.Errorf("%q: %d %v, want %v %v", v, got, ok, want, werr)
		}
	}
}

func TestReferencesOf(t *testing.T) {
	raw := []byte("Subject: x\r\nX-References: <no@x>\r\nreferences: <a@x>\r\n\t<b@x> <c@x>\r\n <d@x>\r\nReferences: <later@x>\r\n\r\n")
	if got := strings.Join(referencesOf(raw), " "); got != "a@x b@x c@x d@x" {
		t.Errorf("%q", got)
	}
	if got := referencesOf([]byte("References: <a@x> <b@x")); len(got) != 1 || got[0] != "a@x" {
		t.Errorf("%q", got)
	}
}

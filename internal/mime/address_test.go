package mime

import (
	"strings"
	"testing"
)

func TestParseAddressList(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"a@b.example", `((NIL NIL "a" "b.example"))`},
		{"John Q. Public <JQP@x.example>", `(("John Q. Public" NIL "JQP" "x.example"))`},
		{`"Joe Q. Public" <john.q.public@example.com>, Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>`,
			`(("Joe Q. Public" NIL "john.q.public" "example.com")("Mary Smith" NIL "mary" "x.test")(NIL NIL "jdoe" "example.org")("Who?" NIL "one" "y.test"))`},
		{`<boss@nil.test>, "Giant; \"Big\" Box" <sysservices@example.net>`,
			`((NIL NIL "boss" "nil.test")("Giant; \"Big\" Box" NIL "sysservices" "example.net"))`},
		{"A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;",
			`((NIL NIL "A Group" NIL)("Ed Jones" NIL "c" "a.test")(NIL NIL "joe" "where.test")("John" NIL "jdoe" "one.test")(NIL NIL NIL NIL))`},
		{"Undisclosed recipients:;", `((NIL NIL "Undisclosed recipients" NIL)(NIL NIL NIL NIL))`},
		{"Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>", `(("Pete" NIL "pete" "silly.test"))`},
		{"jdoe@machine.example (John Doe)", `(("John Doe" NIL "jdoe" "machine.example"))`},
		{"<@r1.test,@r2.test:user@host.test>", `((NIL "@r1.test,@r2.test" "user" "host.test"))`},
		{"Mary Smith <@node.test:mary@example.net>, , jdoe@test  . example", `(("Mary Smith" "@node.test" "mary" "example.net")(NIL NIL "jdoe" "test.example"))`},
		{"=?utf-8?q?J=C3=BCrgen?= <j@x.de>", `(("=?utf-8?q?J=C3=BCrgen?=" NIL "j" "x.de"))`},
		{`"unclosed <a@b>`, `((NIL NIL "unclosed <a@b>" ""))`},
		{"group: a@b.c, d@e.f", `((NIL NIL "group" NIL)(NIL NIL "a" "b.c")(NIL NIL "d" "e.f")(NIL NIL NIL NIL))`},
		{"a@b;c@d", `((NIL NIL "a" "b")(NIL NIL "c" "d"))`},
		{"x@y>", `((NIL NIL "x" "y"))`},
		{"(only a comment)", `NIL`},
		{"", `NIL`},
		{"@", `((NIL NIL "" ""))`},
		{"a@b@c", `((NIL NIL "a@b" "c"))`},
	} {
		got := string(appendAddresses(nil, ParseAddressList(tc.in)))
		if got != tc.want {
			t.Errorf("%s\n got %s\nwant %s", tc.in, got, tc.want)
		}
	}
}

func TestDecodeHeader(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"plain text", "plain text"},
		{"=?ISO-8859-1?Q?a?=", "a"},
		{"=?ISO-8859-1?Q?a?= b", "a b"},
		{"=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=", "ab"},
		{"=?ISO-8859-1?Q?a?=  \r\n  =?ISO-8859-1?Q?b?=", "ab"},
		{"=?ISO-8859-1?Q?a_b?=", "a b"},
		{"=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=", "a=?ISO-8859-2?Q?_b?="},
		{"=?UTF-8?B?SGVsbG8g5LiW55WM?= =?UTF-8?Q?_and_caf=C3=A9?=", "Hello 世界 and café"},
		{"=?iso-8859-1?q?caf=E9?=", "café"},
		{"=?latin1?q?caf=E9?=", "café"},
		{"Re:=?utf-8?q?glued?=text", "Re:gluedtext"},
		{"=?utf-8?q?bad word?=", "=?utf-8?q?bad word?="},
		{"=?utf-8?x?abc?=", "=?utf-8?x?abc?="},
		{"=?", "=?"},
		{"a =? b", "a =? b"},
		{"raw 8-bit \xe9", "raw 8-bit \xe9"},
	} {
		if got := DecodeHeader(tc.in); got != tc.want {
			t.Errorf("DecodeHeader(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestAppendString(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"", `""`},
		{`a "b" \c`, `"a \"b\" \\c"`},
		{"line\r\nbreak", "{11}\r\nline\r\nbreak"},
		{"caf\u00e9", "{5}\r\ncaf\u00e9"},
		{"nul\x00byte", `"nulbyte"`},
	} {
		if got := string(appendString(nil, tc.in)); got != tc.want {
			t.Errorf("appendString(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := string(appendNString(nil, "")); got != "NIL" {
		t.Errorf("empty nstring = %s", got)
	}
	if !strings.HasPrefix(string(AppendEnvelope(nil, nil)), "(NIL NIL NIL") {
		t.Error("nil envelope")
	}
}

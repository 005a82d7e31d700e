package wire

import (
	"errors"
	"reflect"
	"testing"
)

// parseOne runs f on the arguments s followed by End, and returns its
// result and error.
func parseOne[T any](t *testing.T, s string, f func(*Parser) T) (T, error) {
	t.Helper()
	p := args(t, s)
	v := f(p)
	p.End()
	return v, p.Err()
}

func TestAtomAStringString(t *testing.T) {
	t.Parallel()
	type tc struct {
		in   string
		want string
		ok   bool
	}
	check := func(name string, f func(*Parser) string, cases []tc) {
		for _, c := range cases {
			got, err := parseOne(t, c.in, f)
			if (err == nil) != c.ok || c.ok && got != c.want {
				t.Errorf("%s(%q) = %q, %v", name, c.in, got, err)
			}
			if err != nil {
				if ce := cmdErr(t, err); ce.Tag != "a" || ce.Status != StatusBAD || IsFatal(err) {
					t.Errorf("%s(%q): error %+v", name, c.in, ce)
				}
			}
		}
	}
	check("Atom", (*Parser).Atom, []tc{
		{"abc", "abc", true}, {"a.b-c+d", "a.b-c+d", true}, {"  x  ", "x", true}, {"[x", "[x", true},
		{"", "", false}, {"a]", "", false}, {"\"q\"", "", false}, {"a\x80", "", false}, {"a%", "", false},
		{"a*", "", false}, {"(a", "", false}, {"{1}\r\nx", "", false}, {"a\\", "", false}, {"a\x01", "", false},
	})
	check("AString", (*Parser).AString, []tc{
		{"abc", "abc", true}, {"a]b", "a]b", true}, {`"a b"`, "a b", true}, {`""`, "", true},
		{`"a\"b\\c"`, `a"b\c`, true}, {"{3}\r\nx y", "x y", true}, {"{3+}\r\nx y", "x y", true},
		{`"caf` + "\xc3\xa9" + `"`, "caf\xc3\xa9", true},
		{"", "", false}, {`"abc`, "", false}, {`"a\b"`, "", false}, {`"a\`, "", false}, {"a\"b", "", false},
		{"\xc3\xa9", "", false}, {"a(", "", false}, {`"a" b`, "", false}, {"{2}\r\na\x00", "", false},
		{`"a` + "\x00" + `"`, "", false},
	})
	check("StringArg", (*Parser).StringArg, []tc{
		{`"x"`, "x", true}, {"{1}\r\n)", ")", true}, {"x", "", false}, {"NIL", "", false},
		{`"a {3}` + "\r\nabc\"", "", false},
	})
}

func TestNString(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]struct {
		s  string
		ok bool
	}{"NIL": {"", false}, "nil": {"", false}, `"NIL"`: {"NIL", true}, `""`: {"", true}, "{2}\r\nab": {"ab", true}} {
		p := args(t, in)
		s, ok := p.NString()
		p.End()
		if p.Err() != nil || s != want.s || ok != want.ok {
			t.Errorf("NString(%q) = %q, %v, %v", in, s, ok, p.Err())
		}
	}
	for _, in := range []string{"NILL", "abc", "NIL)", ""} {
		p := args(t, in)
		p.NString()
		p.End()
		if p.Err() == nil {
			t.Errorf("NString(%q) accepted", in)
		}
	}
}

func TestNumbers(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]uint32{"0": 0, "1": 1, "007": 7, "4294967295": 4294967295} {
		if n, err := parseOne(t, in, (*Parser).Number); err != nil || n != want {
			t.Errorf("Number(%q) = %d, %v", in, n, err)
		}
	}
	for _, in := range []string{"", "-1", "+1", "1a", "4294967296", "99999999999", "0x1", "1.5", "*"} {
		if _, err := parseOne(t, in, (*Parser).Number); err == nil {
			t.Errorf("Number(%q) accepted", in)
		}
	}
	if _, err := parseOne(t, "0", (*Parser).NzNumber); err == nil {
		t.Error("NzNumber(0) accepted")
	}
	if n, err := parseOne(t, "12", (*Parser).NzNumber); err != nil || n != 12 {
		t.Errorf("NzNumber(12) = %d, %v", n, err)
	}
}

func TestSpacing(t *testing.T) {
	t.Parallel()
	p := args(t, "  alice    secret   ")
	u, pw := p.AString(), p.AString()
	p.End()
	if p.Err() != nil || u != "alice" || pw != "secret" {
		t.Fatalf("%q %q %v", u, pw, p.Err())
	}
	// A space is required between arguments.
	p = args(t, `"alice""secret"`)
	p.AString()
	p.AString()
	if p.Err() == nil {
		t.Fatal("missing space accepted")
	}
	// Missing argument, extra argument.
	p = args(t, "alice")
	p.AString()
	p.AString()
	if !errors.Is(p.Err(), ErrSyntax) {
		t.Fatal("missing argument accepted")
	}
	p = args(t, "a b")
	p.AString()
	p.End()
	if p.Err() == nil {
		t.Fatal("extra argument accepted")
	}
	// The error is sticky: the first one is kept.
	p = args(t, "(x")
	p.Atom()
	first := p.Err()
	p.Number()
	p.End()
	if p.Err() != first || p.Peek() != 0 || p.More() {
		t.Fatal("error not sticky")
	}
	// Peek and More.
	p = args(t, "  (x)")
	if p.Peek() != '(' || !p.More() {
		t.Fatal("Peek")
	}
	p = args(t, "   ")
	if p.Peek() != 0 || p.More() {
		t.Fatal("Peek at end")
	}
}

func TestFlags(t *testing.T) {
	t.Parallel()
	good := map[string][]string{
		`()`:                       {},
		`( )`:                      {},
		`(\Seen)`:                  {FlagSeen},
		`(\SEEN \answered $Label)`: {FlagSeen, FlagAnswered, "$Label"},
		`( \Draft  Junk )`:         {FlagDraft, "Junk"},
		`(\Flagged \Deleted \X)`:   {FlagFlagged, FlagDeleted, `\X`},
	}
	for in, want := range good {
		if got, err := parseOne(t, in, (*Parser).FlagList); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("FlagList(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{`\Seen`, `(\Seen`, `(\*)`, `(\)`, `(a\b)`, `("x")`, `(\Seen)x`, `(%)`, `(a]`, `(\Seen` + "\x80)"} {
		if _, err := parseOne(t, in, (*Parser).FlagList); err == nil {
			t.Errorf("FlagList(%q) accepted", in)
		}
	}
	if got, err := parseOne(t, "(a b c d e f g h i)", (*Parser).FlagList); err != nil || len(got) != 9 {
		t.Errorf("9 flags: %v", err)
	}
	p := argsOpts(t, "(a b c d e f g h i)", testOpts())
	if p.FlagList(); !errors.Is(p.Err(), ErrTooMany) {
		t.Errorf("MaxArgs: %v", p.Err())
	}
}

func TestStoreFlags(t *testing.T) {
	t.Parallel()
	good := map[string]StoreFlags{
		`FLAGS (\Seen)`:               {StoreReplace, false, []string{FlagSeen}},
		`+FLAGS \Seen \Deleted`:       {StoreAdd, false, []string{FlagSeen, FlagDeleted}},
		`-flags.silent ($Junk)`:       {StoreRemove, true, []string{"$Junk"}},
		`FLAGS.SILENT ()`:             {StoreReplace, true, []string{}},
		`+FLAGS.SILENT   \Answered  `: {StoreAdd, true, []string{FlagAnswered}},
	}
	for in, want := range good {
		if got, err := parseOne(t, in, (*Parser).StoreFlags); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("StoreFlags(%q) = %+v, %v", in, got, err)
		}
	}
	for _, in := range []string{``, `FLAGS`, `*FLAGS (\Seen)`, `+FLAG \Seen`, `FLAGS.LOUD \Seen`, `FLAGS (\Seen) x`, `FLAGS "x"`, `++FLAGS x`} {
		if _, err := parseOne(t, in, (*Parser).StoreFlags); err == nil {
			t.Errorf("StoreFlags(%q) accepted", in)
		}
	}
}

func TestStatusItems(t *testing.T) {
	t.Parallel()
	p := args(t, "INBOX (messages UIDNEXT  uidvalidity UNSEEN Recent)")
	m, items := p.Mailbox(), p.StatusItems()
	p.End()
	if p.Err() != nil || m != "INBOX" || !reflect.DeepEqual(items, []string{"MESSAGES", "UIDNEXT", "UIDVALIDITY", "UNSEEN", "RECENT"}) {
		t.Fatalf("%q %q %v", m, items, p.Err())
	}
	for _, in := range []string{"()", "(BIGNESS)", "MESSAGES", "(MESSAGES", `("MESSAGES")`} {
		if _, err := parseOne(t, in, (*Parser).StatusItems); err == nil {
			t.Errorf("StatusItems(%q) accepted", in)
		}
	}
}

func TestIDParams(t *testing.T) {
	t.Parallel()
	good := map[string][]IDParam{
		"NIL":                                  nil,
		"()":                                   {},
		`("name" "Thunderbird" "version" NIL)`: {{Name: "name", Value: "Thunderbird"}, {Name: "version", Nil: true}},
		"({4}\r\nname {2}\r\nMe)":              {{Name: "name", Value: "Me"}},
	}
	for in, want := range good {
		if got, err := parseOne(t, in, (*Parser).IDParams); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("IDParams(%q) = %+v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", `("name")`, `(name "x")`, `("a" "b"`, `"a"`, "NILX", `("a" b)`} {
		if _, err := parseOne(t, in, (*Parser).IDParams); err == nil {
			t.Errorf("IDParams(%q) accepted", in)
		}
	}
}

func TestInitialResponse(t *testing.T) {
	t.Parallel()
	p := args(t, "PLAIN AGFsaWNlAHNlY3JldA==")
	mech := p.Atom()
	ir, ok := p.InitialResponse()
	p.End()
	if p.Err() != nil || mech != "PLAIN" || !ok || string(ir) != "\x00alice\x00secret" {
		t.Fatalf("%q %q %v %v", mech, ir, ok, p.Err())
	}
	p = args(t, "PLAIN =")
	p.Atom()
	if ir, ok := p.InitialResponse(); p.Err() != nil || !ok || ir == nil || len(ir) != 0 {
		t.Fatalf("empty: %q %v %v", ir, ok, p.Err())
	}
	p = args(t, "PLAIN")
	p.Atom()
	if _, ok := p.InitialResponse(); ok || p.Err() != nil {
		t.Fatal("absent")
	}
	p = args(t, "PLAIN !!!")
	p.Atom()
	if p.InitialResponse(); p.Err() == nil {
		t.Fatal("bad base64 accepted")
	}
}

func TestMailboxArgs(t *testing.T) {
	t.Parallel()
	good := map[string]string{
		"INBOX": "INBOX", "inbox": "INBOX", `"InBoX"`: "INBOX", "INBOX/Sub": "INBOX/Sub", "inbox.x": "inbox.x",
		`"~peter/mail/&U,BTFw-/&ZeVnLIqe-"`: "~peter/mail/台北/日本語", "Tom&-Jerry": "Tom&Jerry", `""`: "",
		"{5}\r\nDraft": "Draft", "a]b": "a]b",
	}
	for in, want := range good {
		if got, err := parseOne(t, in, (*Parser).Mailbox); err != nil || got != want {
			t.Errorf("Mailbox(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "&", "a&Jjo", `"caf` + "\xc3\xa9" + `"`, "a%", "a*", "&AGE-"} {
		if _, err := parseOne(t, in, (*Parser).Mailbox); err == nil {
			t.Errorf("Mailbox(%q) accepted", in)
		}
	}
	for in, want := range map[string]string{"*": "*", "%": "%", "INBOX/%": "INBOX/%", `"a b*"`: "a b*", "&ZeVnLIqe-/*": "日本語/*", "]x": "]x"} {
		if got, err := parseOne(t, in, (*Parser).ListMailbox); err != nil || got != want {
			t.Errorf("ListMailbox(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "a(", "&-&", "x\x80"} {
		if _, err := parseOne(t, in, (*Parser).ListMailbox); err == nil {
			t.Errorf("ListMailbox(%q) accepted", in)
		}
	}
}

package wire

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestSearchKeys(t *testing.T) {
	t.Parallel()
	good := map[string]SearchKey{
		"ALL":    {Op: SearchAll},
		"unseen": {Op: SearchUnseen},
		"FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"": {Op: SearchAnd, Keys: []SearchKey{
			{Op: SearchFlagged}, {Op: SearchSince, Date: day(1994, 2, 1)}, {Op: SearchNot, Keys: []SearchKey{{Op: SearchFrom, Value: "Smith"}}}}},
		"OR BODY x (SUBJECT {3}\r\na b  TO y)": {Op: SearchOr, Keys: []SearchKey{{Op: SearchBody, Value: "x"},
			{Op: SearchAnd, Keys: []SearchKey{{Op: SearchSubject, Value: "a b"}, {Op: SearchTo, Value: "y"}}}}},
		"1:*,3 UID 5:7":                  {Op: SearchAnd, Keys: []SearchKey{{Op: SearchSeq, Set: SeqSet{{1, 0}, {3, 3}}}, {Op: SearchUID, Set: SeqSet{{5, 7}}}}},
		"HEADER Message-ID \"<a@b>\"":    {Op: SearchHeader, Field: "Message-ID", Value: "<a@b>"},
		"LARGER 100 SMALLER 4294967295":  {Op: SearchAnd, Keys: []SearchKey{{Op: SearchLarger, Number: 100}, {Op: SearchSmaller, Number: 4294967295}}},
		"KEYWORD $Label1 UNKEYWORD Junk": {Op: SearchAnd, Keys: []SearchKey{{Op: SearchKeyword, Value: "$Label1"}, {Op: SearchUnkeyword, Value: "Junk"}}},
		"SENTBEFORE \"2-Mar-2020\" SENTON 3-Mar-2020 SENTSINCE 4-Mar-2020 BEFORE 5-Mar-2020 ON 6-Mar-2020": {Op: SearchAnd, Keys: []SearchKey{
			{Op: SearchSentBefore, Date: day(2020, 3, 2)}, {Op: SearchSentOn, Date: day(2020, 3, 3)}, {Op: SearchSentSince, Date: day(2020, 3, 4)},
			{Op: SearchBefore, Date: day(2020, 3, 5)}, {Op: SearchOn, Date: day(2020, 3, 6)}}},
		"(SEEN)":          {Op: SearchAnd, Keys: []SearchKey{{Op: SearchSeen}}},
		"( ( DELETED ) )": {Op: SearchAnd, Keys: []SearchKey{{Op: SearchAnd, Keys: []SearchKey{{Op: SearchDeleted}}}}},
		"ANSWERED DRAFT NEW OLD RECENT UNANSWERED UNDELETED UNDRAFT UNFLAGGED": {Op: SearchAnd, Keys: []SearchKey{
			{Op: SearchAnswered}, {Op: SearchDraft}, {Op: SearchNew}, {Op: SearchOld}, {Op: SearchRecent},
			{Op: SearchUnanswered}, {Op: SearchUndeleted}, {Op: SearchUndraft}, {Op: SearchUnflagged}}},
		"BCC a CC b TEXT c": {Op: SearchAnd, Keys: []SearchKey{{Op: SearchBcc, Value: "a"}, {Op: SearchCc, Value: "b"}, {Op: SearchText, Value: "c"}}},
		"*":                 {Op: SearchSeq, Set: SeqSet{{0, 0}}},
	}
	for in, want := range good {
		got, err := parseOne(t, in, (*Parser).SearchKeys)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("SearchKeys(%q) =\n%+v, %v\nwant %+v", in, got, err, want)
		}
	}
	bad := []string{
		"", "()", "(", ")", "ALL)", "(ALL", "FOO", "FROM", "SINCE", "SINCE 30-Feb-2000", "LARGER x", "LARGER -1", "LARGER 4294967296",
		"OR ALL", "NOT", "UID", "UID x", "HEADER", "HEADER x", "HEADER \"a:b\" x", "HEADER \"\" x", "KEYWORD \\Seen", "KEYWORD \"x\"",
		"NOT(SEEN)", "ALL(SEEN)", "0", "1:0", "\"ALL\"", "{3}\r\nALL", "SUBJECT x)", "CHARSET UTF-8 ALL", "ALL\x80",
	}
	for _, in := range bad {
		if got, err := parseOne(t, in, (*Parser).SearchKeys); err == nil {
			t.Errorf("SearchKeys(%q) accepted: %+v", in, got)
		}
	}
}

func TestSearchCharset(t *testing.T) {
	t.Parallel()
	p := args(t, "CHARSET UTF-8 SUBJECT {4}\r\n\xc3\xa9t\xc3")
	cs := p.SearchCharset()
	k := p.SearchKeys()
	p.End()
	if p.Err() != nil || cs != "UTF-8" || k.Op != SearchSubject || k.Value != "\xc3\xa9t\xc3" {
		t.Fatalf("%q %+v %v", cs, k, p.Err())
	}
	p = args(t, "charset \"us-ascii\" ALL")
	if cs := p.SearchCharset(); cs != "us-ascii" || p.SearchKeys().Op != SearchAll || p.Err() != nil {
		t.Fatalf("%q %v", cs, p.Err())
	}
	p = args(t, "ALL")
	if cs := p.SearchCharset(); cs != "" || p.SearchKeys().Op != SearchAll || p.Err() != nil {
		t.Fatal("no charset")
	}
	p = args(t, "CHARSET")
	if p.SearchCharset(); p.Err() == nil {
		t.Fatal("CHARSET without value accepted")
	}
}

func TestSearchDepth(t *testing.T) {
	t.Parallel()
	o := testOpts() // MaxDepth 4
	o.MaxLine = 1 << 20
	nest := func(n int) string { return strings.Repeat("(", n) + "ALL" + strings.Repeat(")", n) }
	p := argsOpts(t, nest(4), o)
	if p.SearchKeys(); p.Err() != nil {
		t.Fatalf("depth 4: %v", p.Err())
	}
	p = argsOpts(t, nest(5), o)
	if p.SearchKeys(); !errors.Is(p.Err(), ErrTooDeep) || IsFatal(p.Err()) {
		t.Fatalf("depth 5: %v", p.Err())
	}
	// Very deep input is rejected without deep recursion.
	for _, in := range []string{nest(100000), strings.Repeat("NOT ", 100000) + "ALL", strings.Repeat("OR ", 100000) + "ALL"} {
		p = argsOpts(t, in, o)
		if p.SearchKeys(); !errors.Is(p.Err(), ErrTooDeep) {
			t.Fatalf("deep: %v", p.Err())
		}
	}
	// NOT/OR chains may go 8×MaxDepth deep.
	p = argsOpts(t, strings.Repeat("NOT ", 31)+"ALL", o)
	if p.SearchKeys(); p.Err() != nil {
		t.Fatalf("31 NOTs: %v", p.Err())
	}
	p = argsOpts(t, strings.Repeat("NOT ", 32)+"ALL", o)
	if p.SearchKeys(); !errors.Is(p.Err(), ErrTooDeep) {
		t.Fatalf("32 NOTs: %v", p.Err())
	}
	// Too many keys in one group.
	p = argsOpts(t, "("+strings.Repeat("ALL ", 9)+")", o)
	if p.SearchKeys(); !errors.Is(p.Err(), ErrTooMany) {
		t.Fatalf("9 keys: %v", p.Err())
	}
	p = argsOpts(t, strings.Repeat("ALL ", 9), o)
	if p.SearchKeys(); !errors.Is(p.Err(), ErrTooMany) {
		t.Fatalf("9 top keys: %v", p.Err())
	}
}

func TestSearchKeyString(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"ALL":                                    "ALL",
		"flagged since 1-feb-1994 not from x":    `(FLAGGED SINCE 1-Feb-1994 NOT FROM "x")`,
		"OR (1:*,3 UID *) HEADER X-A \"b\\\"c\"": `OR (1:*,3 UID *) HEADER "X-A" "b\"c"`,
		"SUBJECT {2}\r\n\r\n":                    "SUBJECT {2+}\r\n\r\n",
		"KEYWORD $x LARGER 5":                    "(KEYWORD $x LARGER 5)",
	}
	for in, want := range cases {
		k, err := parseOne(t, in, (*Parser).SearchKeys)
		if err != nil || k.String() != want {
			t.Errorf("%q: %q, %v", in, k.String(), err)
			continue
		}
		again, err := parseOne(t, k.String(), (*Parser).SearchKeys)
		if err != nil || !reflect.DeepEqual(again, k) {
			t.Errorf("%q: re-parse %+v, %v", in, again, err)
		}
	}
}

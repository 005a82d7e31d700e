package wire

import (
	"reflect"
	"strings"
	"testing"
)

func TestFetchItems(t *testing.T) {
	t.Parallel()
	fast := []FetchItem{{Attr: FetchFlags}, {Attr: FetchInternalDate}, {Attr: FetchRFC822Size}}
	good := map[string][]FetchItem{
		"ALL":                  append(fast[:3:3], FetchItem{Attr: FetchEnvelope}),
		"fast":                 fast,
		"FULL":                 append(fast[:3:3], FetchItem{Attr: FetchEnvelope}, FetchItem{Attr: FetchBody}),
		"FLAGS":                {{Attr: FetchFlags}},
		"(uid FLAGS)":          {{Attr: FetchUID}, {Attr: FetchFlags}},
		"( UID  RFC822.SIZE )": {{Attr: FetchUID}, {Attr: FetchRFC822Size}},
		"(ENVELOPE INTERNALDATE RFC822 RFC822.HEADER RFC822.TEXT BODY BODYSTRUCTURE)": {
			{Attr: FetchEnvelope}, {Attr: FetchInternalDate}, {Attr: FetchRFC822}, {Attr: FetchRFC822Header},
			{Attr: FetchRFC822Text}, {Attr: FetchBody}, {Attr: FetchBodyStructure}},
		"BODY[]":                          {{Attr: FetchBodySection}},
		"body.peek[]":                     {{Attr: FetchBodySection, Peek: true}},
		"BODY[]<0.100>":                   {{Attr: FetchBodySection, Partial: &Partial{0, 100}}},
		"BODY[1.2.3]":                     {{Attr: FetchBodySection, Section: Section{Part: []uint32{1, 2, 3}}}},
		"BODY[HEADER]":                    {{Attr: FetchBodySection, Section: Section{Spec: SectionHeader}}},
		"BODY[text]":                      {{Attr: FetchBodySection, Section: Section{Spec: SectionText}}},
		"BODY[1.MIME]":                    {{Attr: FetchBodySection, Section: Section{Part: []uint32{1}, Spec: SectionMIME}}},
		"BODY[4.2.HEADER]<10.4294967295>": {{Attr: FetchBodySection, Section: Section{Part: []uint32{4, 2}, Spec: SectionHeader}, Partial: &Partial{10, 4294967295}}},
		"BODY.PEEK[HEADER.FIELDS (From To \"Message-ID\")]": {{Attr: FetchBodySection, Peek: true,
			Section: Section{Spec: SectionHeaderFields, Fields: []string{"From", "To", "Message-ID"}}}},
		"(UID BODY.PEEK[2.header.fields.not  ( X-Spam )]<5.6> FLAGS)": {{Attr: FetchUID}, {Attr: FetchBodySection, Peek: true,
			Section: Section{Part: []uint32{2}, Spec: SectionHeaderFieldsNot, Fields: []string{"X-Spam"}}, Partial: &Partial{5, 6}}, {Attr: FetchFlags}},
		"BODY[HEADER.FIELDS ({7}\r\nSubject)]": {{Attr: FetchBodySection, Section: Section{Spec: SectionHeaderFields, Fields: []string{"Subject"}}}},
	}
	for in, want := range good {
		got, err := parseOne(t, in, (*Parser).FetchItems)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("FetchItems(%q) = %+v, %v", in, got, err)
		}
	}
	bad := []string{
		"", "()", "(ALL)", "(FLAGS", "FLAGS)", "FLAG", "BODY.PEEK", "BODY[", "BODY[]x", "BODY[0]", "BODY[1.]", "BODY[.1]",
		"BODY[MIME]", "BODY[HEADER.FIELDS]", "BODY[HEADER.FIELDS ()]", "BODY[HEADER.FIELDS(From)]", "BODY[HEADER.FIELDS (From]",
		"BODY[HEADER.FIELDS (From:)]", "BODY[HEADER.FIELDS (\"\")]", "BODY[TEXT.MIME]", "BODY[1.TEXT.x]", "BODY[]<0>", "BODY[]<0.0>",
		"BODY[]<.1>", "BODY[]<1.2", "BODY[]<4294967296.1>", "BODY<0.1>", "RFC822.PEEK", "BODY[4294967296]", "BODY[HEADER] x]",
		"FLAGS UID", "(FLAGS)(UID)", "BODY[1 ]", "BODY[ 1]", "BODY[HEADER.FIELDS (From)] ]", "BODYSTRUCTURE[]", "UID[]",
		"BODY.PEEK[]<0.1>x", "BODY[HEADER.FIELDS (a b c d e f g h i j)]x",
	}
	for _, in := range bad {
		if got, err := parseOne(t, in, (*Parser).FetchItems); err == nil {
			t.Errorf("FetchItems(%q) accepted: %+v", in, got)
		}
	}
}

func TestFetchItemNames(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, str, resp string }{
		{"RFC822.SIZE", "RFC822.SIZE", "RFC822.SIZE"},
		{"BODY", "BODY", "BODY"},
		{"body.peek[]", "BODY.PEEK[]", "BODY[]"},
		{"BODY[1.2.mime]", "BODY[1.2.MIME]", "BODY[1.2.MIME]"},
		{"BODY.PEEK[header.fields (From \"X(y)\")]<0.1024>", `BODY.PEEK[HEADER.FIELDS (From "X(y)")]<0.1024>`, `BODY[HEADER.FIELDS (From "X(y)")]<0>`},
		{"BODY[3.TEXT]<100.5>", "BODY[3.TEXT]<100.5>", "BODY[3.TEXT]<100>"},
	}
	for _, c := range cases {
		items, err := parseOne(t, c.in, (*Parser).FetchItems)
		if err != nil || len(items) != 1 || items[0].String() != c.str || items[0].ResponseName() != c.resp {
			t.Errorf("%q: %v %q %q", c.in, err, items[0].String(), items[0].ResponseName())
		}
	}
	if FetchAttr(99).String() != "FetchAttr(99)" {
		t.Error("unknown attr")
	}
	// Bounded: part numbers count against MaxArgs.
	p := argsOpts(t, "BODY["+strings.Repeat("1.", 9)+"1]", testOpts())
	if p.FetchItems(); p.Err() == nil {
		t.Error("deep part accepted")
	}
}

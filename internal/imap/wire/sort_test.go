package wire

import (
	"bufio"
	"reflect"
	"strings"
	"testing"
)

func TestSearchReturn(t *testing.T) {
	for _, tc := range []struct {
		in      string
		opts    []string
		present bool
		bad     bool
	}{
		{"ALL", nil, false, false},
		{"RETURN () ALL", []string{}, true, false},
		{"return (min MAX count all save) ALL", []string{"MIN", "MAX", "COUNT", "ALL", "SAVE"}, true, false},
		{"RETURN (MIN MIN) ALL", []string{"MIN"}, true, false},
		{"RETURN (PARTIAL 1:5) ALL", nil, false, true},
		{"RETURN MIN ALL", nil, false, true},
		{"RETURN (MIN ALL", nil, false, true},
		{"RETURNX ALL", nil, false, false},
	} {
		p := args(t, tc.in)
		opts, present := p.SearchReturn()
		if tc.bad {
			if p.Err() == nil {
				t.Errorf("%q: no error", tc.in)
			}
			continue
		}
		if p.Err() != nil || present != tc.present || !reflect.DeepEqual(opts, tc.opts) {
			t.Errorf("%q: %v %v %v", tc.in, opts, present, p.Err())
		}
	}
}

func TestSortCriteria(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []SortCriterion
	}{
		{"(SUBJECT)", []SortCriterion{{"SUBJECT", false}}},
		{"(reverse date Arrival)", []SortCriterion{{"DATE", true}, {"ARRIVAL", false}}},
		{"(DISPLAYFROM REVERSE DISPLAYTO CC TO FROM SIZE)", []SortCriterion{{"DISPLAYFROM", false}, {"DISPLAYTO", true}, {"CC", false}, {"TO", false}, {"FROM", false}, {"SIZE", false}}},
		{"()", nil}, {"(REVERSE)", nil}, {"(REVERSE REVERSE DATE)", nil}, {"(FOO)", nil}, {"DATE", nil}, {"(DATE", nil}, {`("DATE")`, nil},
	} {
		p := args(t, tc.in)
		got := p.SortCriteria()
		p.End()
		if tc.want == nil {
			if p.Err() == nil {
				t.Errorf("%q: no error, %v", tc.in, got)
			}
			continue
		}
		if p.Err() != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: %v %v", tc.in, got, p.Err())
		}
	}
}

func TestSavedSet(t *testing.T) {
	p := args(t, "$ (UID)")
	if set, saved := p.SeqSetOrSaved(); !saved || set != nil || p.Err() != nil {
		t.Fatalf("$: %v %v %v", set, saved, p.Err())
	}
	p = args(t, "1:3")
	if set, saved := p.SeqSetOrSaved(); saved || set.String() != "1:3" {
		t.Fatalf("1:3: %v %v", set, saved)
	}
	for _, bad := range []string{"$$", "$1", "1,$", "$:3"} {
		p := args(t, bad)
		p.SeqSetOrSaved()
		p.End()
		if p.Err() == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	for in, want := range map[string]SearchKey{
		"$":            {Op: SearchSaved},
		"UID $":        {Op: SearchSaved},
		"NOT $":        {Op: SearchNot, Keys: []SearchKey{{Op: SearchSaved}}},
		"(UID $ SEEN)": {Op: SearchAnd, Keys: []SearchKey{{Op: SearchSaved}, {Op: SearchSeen}}},
	} {
		_, k, err := searchCommand(in)
		if err != nil || !reflect.DeepEqual(k, want) {
			t.Errorf("%q: %+v %v", in, k, err)
		}
	}
}

// sortCommand reads "a SORT <s>" as SORT's arguments: [RETURN (...)]
// criteria charset keys.
func sortCommand(s string) (ret []string, esort bool, crit []SortCriterion, cs string, k SearchKey, err error) {
	d := NewDecoder(bufio.NewReader(strings.NewReader("a SORT "+s+"\r\n")), DecoderOptions{MaxDepth: 6})
	cmd, err := d.ReadCommand()
	if err != nil {
		return nil, false, nil, "", SearchKey{}, err
	}
	p := NewParser(cmd)
	ret, esort = p.SearchReturn()
	crit = p.SortCriteria()
	cs = p.AString()
	k = p.SearchKeys()
	p.End()
	return ret, esort, crit, cs, k, p.Err()
}

// FuzzSortCommand: SORT's arguments parse or fail with a BAD carrying the
// tag, never panic, and what parses prints back to the same values.
func FuzzSortCommand(f *testing.F) {
	for _, s := range []string{
		"(SUBJECT) UTF-8 ALL", "RETURN (MIN MAX ALL COUNT SAVE) (REVERSE DATE ARRIVAL) US-ASCII $",
		"(DISPLAYFROM DISPLAYTO) {5+}\r\nUTF-8 OR UID $ NOT 1:*", "RETURN () (CC) UTF-8 SUBJECT \"x\"", "(REVERSE) UTF-8 ALL",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ret, esort, crit, cs, k, err := sortCommand(s)
		if err != nil {
			if ce, ok := err.(*CommandError); ok && (ce.Status != StatusBAD || (ce.Tag != "a" && ce.Tag != "")) {
				t.Fatalf("%q: %+v", s, ce)
			}
			return
		}
		var b strings.Builder
		if esort {
			b.WriteString("RETURN (" + strings.Join(ret, " ") + ") ")
		}
		b.WriteByte('(')
		for i, c := range crit {
			if i > 0 {
				b.WriteByte(' ')
			}
			if c.Reverse {
				b.WriteString("REVERSE ")
			}
			b.WriteString(c.Key)
		}
		b.WriteString(") " + stringText(cs) + " " + k.String())
		ret2, esort2, crit2, cs2, k2, err := sortCommand(b.String())
		if err != nil || esort2 != esort || !reflect.DeepEqual(ret2, ret) || !reflect.DeepEqual(crit2, crit) || cs2 != cs || !reflect.DeepEqual(k2, k) {
			t.Fatalf("%q -> %q: %v", s, b.String(), err)
		}
	})
}

// FuzzThreadCommand: THREAD's arguments (algorithm charset keys) and the
// "$" sequence set never panic.
func FuzzThreadCommand(f *testing.F) {
	for _, s := range []string{"REFERENCES UTF-8 ALL", "ORDEREDSUBJECT US-ASCII UID $", "X Y $ $", "$ (UID)", "$$"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d := NewDecoder(bufio.NewReader(strings.NewReader("a THREAD "+s+"\r\n")), DecoderOptions{MaxDepth: 6})
		cmd, err := d.ReadCommand()
		if err != nil {
			return
		}
		for _, h := range []func(p *Parser){
			func(p *Parser) { p.Atom(); p.AString(); p.SearchKeys() },
			func(p *Parser) { p.SeqSetOrSaved(); p.FetchItems() },
			func(p *Parser) { p.SearchReturn(); p.SearchCharset(); p.SearchKeys() },
		} {
			p := NewParser(cmd)
			h(p)
			p.End()
			if err := p.Err(); err != nil {
				ce := cmdErr(t, err)
				if ce.Tag != cmd.Tag || ce.Status != StatusBAD || ce.Fatal {
					t.Fatalf("parser error %+v", ce)
				}
			}
		}
	})
}

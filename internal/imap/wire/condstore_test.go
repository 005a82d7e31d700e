package wire

import (
	"bufio"
	"reflect"
	"strings"
	"testing"
)

// condCommand reads "a <verb> <s>" and parses it with parse.
func condCommand(line string, parse func(p *Parser)) error {
	d := NewDecoder(bufio.NewReader(strings.NewReader(line+"\r\n")), DecoderOptions{})
	cmd, err := d.ReadCommand()
	if err != nil {
		return err
	}
	p := NewParser(cmd)
	parse(p)
	p.End()
	return p.Err()
}

func selectParams(s string) (SelectParams, error) {
	var sp SelectParams
	err := condCommand("a SELECT INBOX"+s, func(p *Parser) { p.Mailbox(); sp = p.SelectParams() })
	return sp, err
}

func fetchModifiers(s string) (FetchModifiers, error) {
	var m FetchModifiers
	err := condCommand("a FETCH 1:* FLAGS"+s, func(p *Parser) { p.SeqSet(); p.FetchItems(); m = p.FetchModifiers() })
	return m, err
}

func storeModifiers(s string) (StoreModifiers, error) {
	var m StoreModifiers
	err := condCommand("a STORE 1"+s+" +FLAGS (\\Seen)", func(p *Parser) { p.SeqSet(); m = p.StoreModifiers(); p.StoreFlags() })
	return m, err
}

func TestSelectParams(t *testing.T) {
	for in, want := range map[string]SelectParams{
		"":              {},
		" (CONDSTORE)":  {CondStore: true},
		" (condstore )": {CondStore: true},
		" (QRESYNC (67890007 20050715194045000 41,43:211,214:541))": {QResync: &QResync{UIDValidity: 67890007, ModSeq: 20050715194045000,
			KnownUIDs: SeqSet{{41, 41}, {43, 211}, {214, 541}}}},
		" (QRESYNC (1 2 1:9 (3,5 7,9)))": {QResync: &QResync{UIDValidity: 1, ModSeq: 2, KnownUIDs: SeqSet{{1, 9}}, SeqMatch: SeqSet{{3, 3}, {5, 5}}, UIDMatch: SeqSet{{7, 7}, {9, 9}}}},
		" (QRESYNC (1 2 (3 7)))":         {QResync: &QResync{UIDValidity: 1, ModSeq: 2, SeqMatch: SeqSet{{3, 3}}, UIDMatch: SeqSet{{7, 7}}}},
	} {
		got, err := selectParams(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%q: %+v, %v", in, got, err)
		}
		if again, err := selectParams(got.String()); err != nil || !reflect.DeepEqual(again, want) {
			t.Errorf("%q -> %q: %+v, %v", in, got.String(), again, err)
		}
	}
	for _, in := range []string{" ()", " (CONDSTORE CONDSTORE)", " (QRESYNC)", " (QRESYNC (1))", " (QRESYNC (0 1))", " (QRESYNC (1 0))",
		" (QRESYNC (1 9223372036854775808))", " (QRESYNC (1 2 1:*))", " (QRESYNC (1 2 (1)))", " (QRESYNC (1 2 (1 2 3)))", " (QRESYNC (1 2 (1 2) 3))",
		" (QRESYNC (1 2 3 4))", " (QRESYNC (1 2 (1 *)))", " (FOO)", " (QRESYNC (1 2x))", " (QRESYNC (1 2) QRESYNC (1 2))"} {
		if got, err := selectParams(in); err == nil {
			t.Errorf("%q accepted: %+v", in, got)
		}
	}
}

func TestFetchStoreModifiers(t *testing.T) {
	for in, want := range map[string]FetchModifiers{
		"": {}, " (CHANGEDSINCE 12345)": {ChangedSince: 12345}, " (changedsince 1 vanished)": {ChangedSince: 1, Vanished: true},
		" (VANISHED CHANGEDSINCE 9223372036854775807)": {ChangedSince: MaxModSeq, Vanished: true},
	} {
		if got, err := fetchModifiers(in); err != nil || got != want {
			t.Errorf("%q: %+v, %v", in, got, err)
		}
	}
	for _, in := range []string{" ()", " (CHANGEDSINCE 0)", " (CHANGEDSINCE)", " (CHANGEDSINCE -1)", " (CHANGEDSINCE 9223372036854775808)",
		" (VANISHED)", " (CHANGEDSINCE 1 CHANGEDSINCE 2)", " (CHANGEDSINCE 1 VANISHED VANISHED)", " (FOO 1)", " (CHANGEDSINCE 1x)"} {
		if got, err := fetchModifiers(in); err == nil {
			t.Errorf("%q accepted: %+v", in, got)
		}
	}
	for in, want := range map[string]StoreModifiers{
		"": {}, " (UNCHANGEDSINCE 0)": {Unchanged: true}, " (unchangedsince 320162338)": {Unchanged: true, UnchangedSince: 320162338},
	} {
		if got, err := storeModifiers(in); err != nil || got != want {
			t.Errorf("%q: %+v, %v", in, got, err)
		}
	}
	for _, in := range []string{" ()", " (UNCHANGEDSINCE)", " (UNCHANGEDSINCE 1 UNCHANGEDSINCE 2)", " (CHANGEDSINCE 1)", " (UNCHANGEDSINCE 99999999999999999999)"} {
		if got, err := storeModifiers(in); err == nil {
			t.Errorf("%q accepted: %+v", in, got)
		}
	}
}

func TestCapabilitiesAndModSeqSearch(t *testing.T) {
	var caps []string
	if err := condCommand("a ENABLE condstore  QRESYNC X-FOO", func(p *Parser) { caps = p.Capabilities() }); err != nil ||
		!reflect.DeepEqual(caps, []string{"CONDSTORE", "QRESYNC", "X-FOO"}) {
		t.Errorf("ENABLE: %q, %v", caps, err)
	}
	if err := condCommand("a ENABLE", func(p *Parser) { p.Capabilities() }); err == nil {
		t.Error("ENABLE without a capability accepted")
	}
	_, k, err := searchCommand(`MODSEQ "/flags/\\draft" all 620162338`)
	if want := (SearchKey{Op: SearchModSeq, Field: `/flags/\draft`, Value: "ALL", ModSeq: 620162338}); err != nil || !reflect.DeepEqual(k, want) {
		t.Errorf("MODSEQ: %+v, %v", k, err)
	}
	for _, in := range []string{"MODSEQ", "MODSEQ x", `MODSEQ "/flags/x" 5`, `MODSEQ "/other/x" all 5`, `MODSEQ "/flags/" all 5`, `MODSEQ "/flags/x" none 5`, "MODSEQ 9223372036854775808"} {
		if _, k, err := searchCommand(in); err == nil {
			t.Errorf("%q accepted: %+v", in, k)
		}
	}
}

// FuzzCondStoreArgs: the SELECT parameters and the FETCH and STORE
// modifiers never panic, and what parses prints back to the same value.
func FuzzCondStoreArgs(f *testing.F) {
	for _, s := range []string{" (CONDSTORE)", " (QRESYNC (1 2 1:9 (3,5 7,9)))", " (CHANGEDSINCE 1 VANISHED)", " (UNCHANGEDSINCE 0)",
		" (QRESYNC (67890007 20050715194045000 41,43:211,214:541) CONDSTORE)", " (CHANGEDSINCE 9223372036854775807)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if sp, err := selectParams(s); err == nil {
			if again, err := selectParams(sp.String()); err != nil || !reflect.DeepEqual(sp, again) {
				t.Fatalf("select %q -> %q -> %+v, %v", s, sp.String(), again, err)
			}
		}
		if m, err := fetchModifiers(s); err == nil {
			if again, err := fetchModifiers(m.String()); err != nil || again != m {
				t.Fatalf("fetch %q -> %q -> %+v, %v", s, m.String(), again, err)
			}
		}
		if m, err := storeModifiers(s); err == nil {
			if again, err := storeModifiers(m.String()); err != nil || again != m {
				t.Fatalf("store %q -> %q -> %+v, %v", s, m.String(), again, err)
			}
		}
	})
}

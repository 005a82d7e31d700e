package wire

import (
	"bufio"
	"reflect"
	"strings"
	"testing"
)

// listCommand reads "a LIST <s>" and parses it.
func listCommand(s string) (ListArgs, error) {
	d := NewDecoder(bufio.NewReader(strings.NewReader("a LIST "+s+"\r\n")), DecoderOptions{})
	cmd, err := d.ReadCommand()
	if err != nil {
		return ListArgs{}, err
	}
	p := NewParser(cmd)
	a := p.ListArgs()
	p.End()
	return a, p.Err()
}

// String renders a in the extended syntax, for round trips.
func (a ListArgs) text() string {
	var b strings.Builder
	if a.Select != nil {
		b.WriteString("(" + strings.Join(a.Select, " ") + ") ")
	}
	b.WriteString(stringText(EncodeMailboxName(a.Ref)) + " ")
	pats := make([]string, len(a.Patterns))
	for i, p := range a.Patterns {
		pats[i] = stringText(EncodeMailboxName(p))
	}
	if a.Extended {
		b.WriteString("(" + strings.Join(pats, " ") + ")")
	} else {
		b.WriteString(pats[0])
	}
	if a.Return != nil {
		opts := append([]string{}, a.Return...)
		if a.Status != nil {
			opts = append(opts, "STATUS ("+strings.Join(a.Status, " ")+")")
		}
		b.WriteString(" RETURN (" + strings.Join(opts, " ") + ")")
	}
	return b.String()
}

func TestListArgs(t *testing.T) {
	t.Parallel()
	good := []struct {
		in   string
		want ListArgs
	}{
		{`"" *`, ListArgs{Patterns: []string{"*"}}},
		{`~/Mail/ %`, ListArgs{Ref: "~/Mail/", Patterns: []string{"%"}}},
		{`(subscribed Remote) "" ("INBOX" Sent* {4+}\r\na&-b) return (children STATUS (messages size) Special-Use)`, ListArgs{
			Select: []string{"SUBSCRIBED", "REMOTE"}, Patterns: []string{"INBOX", "Sent*", "a&b"},
			Return: []string{"CHILDREN", "SPECIAL-USE"}, Status: []string{"MESSAGES", "SIZE"}, Extended: true}},
		{`() "" % RETURN ()`, ListArgs{Select: []string{}, Patterns: []string{"%"}, Return: []string{}, Extended: true}},
		{`(RECURSIVEMATCH SPECIAL-USE) "" *`, ListArgs{Select: []string{"RECURSIVEMATCH", "SPECIAL-USE"}, Patterns: []string{"*"}, Extended: true}},
		{`"" ""`, ListArgs{Patterns: []string{""}}},
	}
	for _, tc := range good {
		got, err := listCommand(strings.ReplaceAll(tc.in, `\r\n`, "\r\n"))
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %+v, %v", tc.in, got, err)
		}
	}
	for _, in := range []string{
		`(RECURSIVEMATCH) "" *`, `(RECURSIVEMATCH REMOTE) "" *`, `(X) "" *`, `("SUBSCRIBED") "" *`,
		`"" ()`, `"" (a`, `"" * RETURN`, `"" * RETURN (X)`, `"" * RETURN (STATUS)`, `"" * RETURN (STATUS ())`,
		`"" * RETURN (STATUS (X))`, `"" * RETURN (STATUS (UNSEEN) STATUS (UNSEEN))`, `"" * RETURNS ()`, `"" * RETURN () x`,
		`"" "&Jjo"`, `(SUBSCRIBED)`, `""`, ``,
	} {
		if a, err := listCommand(in); err == nil {
			t.Errorf("%s accepted: %+v", in, a)
		}
	}
}

func TestCreateParams(t *testing.T) {
	t.Parallel()
	uses, use, err := createCommand(`x (use (\archive \Sent \X-Y))`)
	if err != nil || !use || !reflect.DeepEqual(uses, []string{UseArchive, UseSent, `\X-Y`}) {
		t.Errorf("%q %v %v", uses, use, err)
	}
	if uses, use, err := createCommand(`x (USE ())`); err != nil || !use || len(uses) != 0 {
		t.Errorf("USE (): %q %v %v", uses, use, err)
	}
	if uses, use, err := createCommand(`x`); err != nil || use || uses != nil {
		t.Errorf("none: %q %v %v", uses, use, err)
	}
	for _, in := range []string{`x ()`, `x (USE)`, `x (USE Archive)`, `x (USE (Archive))`, `x (USE (\))`, `x (COLOR (red))`,
		`x (USE () USE ())`, `x (USE (\Archive)`, `x (USE (\Archive)) y`} {
		if uses, _, err := createCommand(in); err == nil {
			t.Errorf("%s accepted: %q", in, uses)
		}
	}
}

// createCommand reads "a CREATE <s>" and parses it.
func createCommand(s string) ([]string, bool, error) {
	d := NewDecoder(bufio.NewReader(strings.NewReader("a CREATE "+s+"\r\n")), DecoderOptions{})
	cmd, err := d.ReadCommand()
	if err != nil {
		return nil, false, err
	}
	p := NewParser(cmd)
	p.Mailbox()
	uses, use := p.CreateParams()
	p.End()
	return uses, use, p.Err()
}

func FuzzListArgs(f *testing.F) {
	for _, s := range []string{
		`"" *`, `(SUBSCRIBED RECURSIVEMATCH) "" ("INBOX" "Sent*") RETURN (CHILDREN STATUS (MESSAGES SIZE))`,
		`() "" % RETURN ()`, `(SPECIAL-USE) "" * RETURN (SPECIAL-USE SUBSCRIBED)`, `ref {2+}\r\na*`, `"" ("a" {1+}` + "\r\nb)",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := listCommand(s)
		if err != nil {
			return
		}
		if len(a.Patterns) == 0 {
			t.Fatalf("%q: no pattern", s)
		}
		again, err := listCommand(a.text())
		if err != nil || !reflect.DeepEqual(a, again) {
			t.Fatalf("%q -> %q -> %+v, %v", s, a.text(), again, err)
		}
	})
}

func FuzzCreateParams(f *testing.F) {
	for _, s := range []string{`x (USE (\Archive))`, `x (USE ())`, `x`, `{1+}\r\nx (use (\Drafts \x))`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		uses, use, err := createCommand(s)
		if err != nil {
			return
		}
		if !use {
			if uses != nil {
				t.Fatalf("%q: uses without USE", s)
			}
			return
		}
		again, use2, err := createCommand("x (USE (" + strings.Join(uses, " ") + "))")
		if err != nil || !use2 || !reflect.DeepEqual(uses, again) {
			t.Fatalf("%q -> %q -> %q, %v", s, uses, again, err)
		}
	})
}

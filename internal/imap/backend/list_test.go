package backend

import (
	"strings"
	"testing"

	"github.com/postern/postern/internal/store"
)

func TestMatchPattern(t *testing.T) {
	t.Parallel()
	cases := []struct {
		pattern, name string
		want          bool
	}{
		{"*", "a/b/c", true}, {"%", "a", true}, {"%", "a/b", false}, {"a/%", "a/b", true}, {"a/%", "a/b/c", false},
		{"a/*", "a/b/c", true}, {"inbox", "INBOX", true}, {"Inbox/%", "INBOX/x", false}, {"*b", "a/b", true},
		{"%b", "a/b", false}, {"S%", "Sent Items", true}, {"x", "y", false}, {"", "a", false}, {"a%c", "abbc", true},
		{"a%c", "ab/c", false}, {"**", "a/b", true},
	}
	for _, c := range cases {
		if got := matchPattern(c.pattern, c.name); got != c.want {
			t.Errorf("matchPattern(%q, %q) = %v", c.pattern, c.name, got)
		}
	}
}

func TestListEntries(t *testing.T) {
	t.Parallel()
	fs := []store.Folder{{Name: "INBOX", Subscribed: true}, {Name: "a/b", Subscribed: true}, {Name: "a/b/c"}, {Name: "Drafts"}}
	render := func(es []listEntry) string {
		var out []string
		for _, e := range es {
			out = append(out, e.name+"("+strings.Join(e.attrs, " ")+")")
		}
		return strings.Join(out, ";")
	}
	if got := render(listEntries(fs, "*", false)); got != `INBOX(\HasNoChildren);Drafts(\HasNoChildren);a/b(\HasChildren);a/b/c(\HasNoChildren)` {
		t.Errorf("LIST *: %s", got)
	}
	if got := render(listEntries(fs, "%", false)); got != `INBOX(\HasNoChildren);Drafts(\HasNoChildren);a(\Noselect \HasChildren)` {
		t.Errorf("LIST %%: %s", got)
	}
	if got := render(listEntries(fs, "*", true)); got != `INBOX(\HasNoChildren);a/b(\HasChildren)` {
		t.Errorf("LSUB *: %s", got)
	}
	// A parent is \Noselect in LSUB only above a subscribed folder.
	fs = append(fs, store.Folder{Name: "p/q/r"}, store.Folder{Name: "p/q"}, store.Folder{Name: "p"})
	if got := render(listEntries(fs, "%", true)); got != `INBOX(\HasNoChildren);a(\Noselect \HasChildren)` {
		t.Errorf("LSUB %%: %s", got)
	}
	if got := render(listEntries(fs, "p/%", true)); got != `` {
		t.Errorf("LSUB p/%%: %s", got)
	}
}

func TestQuote(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"a": `"a"`, `a"b\`: `"a\"b\\"`, "x\r\ny": "{4}\r\nx\r\ny", "é": "{2}\r\né"} {
		if got := quote(in); got != want {
			t.Errorf("quote(%q) = %q, want %q", in, got, want)
		}
	}
}

package config

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"testing"
)

func TestCASMailboxDefaults(t *testing.T) {
	t.Parallel()
	m := DefaultCASMailbox()
	want := []Field{
		{"ImapEnabled", "True"},
		{"ImapUseProtocolDefaults", "True"},
		{"ImapMessagesRetrievalMimeFormat", "BestBodyFormat"},
		{"ImapEnableExactRFC822Size", "False"},
		{"ImapSuppressReadReceipt", "False"},
		{"ImapForceICalForCalendarRetrievalOption", "False"},
		{"PopEnabled", "True"},
		{"PopUseProtocolDefaults", "True"},
		{"PopMessagesRetrievalMimeFormat", "BestBodyFormat"},
		{"PopEnableExactRFC822Size", "False"},
		{"PopSuppressReadReceipt", "False"},
		{"PopForceICalForCalendarRetrievalOption", "False"},
	}
	if got := m.Fields(); !slices.Equal(got, want) {
		t.Errorf("Fields =\n%v\nwant\n%v", got, want)
	}
	names := m.Names()
	if len(names) != 12 || names[0] != "ImapEnabled" || names[11] != "PopForceICalForCalendarRetrievalOption" {
		t.Errorf("Names = %v", names)
	}
	if err := m.Validate(); err != nil {
		t.Error(err)
	}
	if !m.UsesProtocolDefaults("POP3") || !m.UsesProtocolDefaults("imap4") {
		t.Error("defaults do not use the protocol defaults")
	}
}

func TestCASMailboxSet(t *testing.T) {
	t.Parallel()
	m := DefaultCASMailbox()
	for _, c := range []struct{ name, text, disp string }{
		{"PopEnabled", "$false", "False"},
		{"imapenabled", "0", "False"},
		{"PopUseProtocolDefaults", "$false", "False"},
		{"ImapMessagesRetrievalMimeFormat", "HtmlOnly", "HtmlOnly"},
		{"PopMessagesRetrievalMimeFormat", "0", "TextOnly"},
		{"PopEnableExactRFC822Size", "true", "True"},
		{"ImapSuppressReadReceipt", "$TRUE", "True"},
		{"PopForceICalForCalendarRetrievalOption", "1", "True"},
	} {
		if err := m.Set(c.name, c.text); err != nil {
			t.Errorf("Set(%s, %q): %v", c.name, c.text, err)
		}
		if got, err := m.Get(c.name); err != nil || got != c.disp {
			t.Errorf("Get(%s) = %q, %v; want %q", c.name, got, err, c.disp)
		}
	}
	if m.UsesProtocolDefaults("POP3") || !m.UsesProtocolDefaults("IMAP4") {
		t.Error("UsesProtocolDefaults does not follow the Pop/Imap switches")
	}
	before := m
	for _, c := range []struct {
		name, text string
		kind       error
	}{
		{"PopEnabled", "maybe", ErrSyntax},
		{"ImapMessagesRetrievalMimeFormat", "7", ErrSyntax},
		{"ImapMessagesRetrievalMimeFormat", "-1", ErrSyntax},
		{"OWAEnabled", "$true", ErrUnknownParameter},
	} {
		err := m.Set(c.name, c.text)
		if !errors.Is(err, c.kind) || !reflect.DeepEqual(m, before) {
			t.Errorf("Set(%s, %q) = %v, changed %v", c.name, c.text, err, !reflect.DeepEqual(m, before))
		}
	}
	err := m.Apply(Change{Name: "PopEnabled", Values: []string{"$true"}}, Change{Name: "ImapEnabled", Values: []string{"x"}})
	if !errors.Is(err, ErrSyntax) || !reflect.DeepEqual(m, before) {
		t.Errorf("failed Apply = %v, changed %v", err, !reflect.DeepEqual(m, before))
	}
	if err := m.Apply(Change{Name: "PopEnabled", Op: OpAdd, Values: []string{"$true"}}); !errors.Is(err, ErrNotMultiValued) {
		t.Errorf("Add on a Boolean: %v", err)
	}
}

func TestCASMailboxJSON(t *testing.T) {
	t.Parallel()
	m := DefaultCASMailbox()
	if err := m.Apply(Change{Name: "PopEnabled", Values: []string{"$false"}},
		Change{Name: "ImapMessagesRetrievalMimeFormat", Values: []string{"Tnef"}}); err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	back, err := LoadCASMailbox(data)
	if err != nil || back != m {
		t.Errorf("round trip = %+v, %v", back, err)
	}
	// Missing fields keep their defaults (true for the switches).
	back, err = LoadCASMailbox([]byte(`{"PopEnabled":false,"Unknown":1}`))
	want := DefaultCASMailbox()
	want.PopEnabled = false
	if err != nil || back != want {
		t.Errorf("Load partial = %+v, %v", back, err)
	}
	if _, err := LoadCASMailbox([]byte(`{"PopMessagesRetrievalMimeFormat":"Rtf"}`)); err == nil {
		t.Error("Load of a bad format succeeded")
	}
	m.PopMessagesRetrievalMimeFormat = 9
	if err := m.Validate(); !errors.Is(err, ErrOutOfRange) {
		t.Errorf("Validate of format 9 = %v", err)
	}
}

package config

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestProtocolJSONRoundTrip(t *testing.T) {
	t.Parallel()
	for _, base := range []ProtocolSettings{DefaultPopSettings(fqdn), DefaultImapSettings(fqdn)} {
		s := base
		err := s.Apply(
			Change{Name: "Banner", Values: []string{"Hello \"world\" ünïcode"}},
			Change{Name: "ExternalConnectionSettings", Values: []string{"mail.contoso.com:995:SSL", "[2001:db8::1]:110"}},
			Change{Name: "SSLBindings", Values: []string{"[::1]:10995", "127.0.0.1:10995"}},
			Change{Name: "UnencryptedOrTLSBindings", Values: nil},
			Change{Name: "LoginType", Values: []string{"PlainTextLogin"}},
			Change{Name: "AuthenticatedConnectionTimeout", Values: []string{"1.00:00:00"}},
			Change{Name: "LogPerFileSizeQuota", Values: []string{"unlimited"}},
			Change{Name: "CalendarItemRetrievalOption", Values: []string{"Custom"}},
			Change{Name: "OwaServerUrl", Values: []string{"https://OwaServer01/owa"}},
			Change{Name: "EnableGSSAPIAndNTLMAuth", Values: []string{"$false"}},
			Change{Name: "MaxConnectionsPerUser", Values: []string{"3"}},
		)
		if err != nil {
			t.Fatal(err)
		}
		if base.Protocol == ProtocolPOP3 {
			err = s.Set("MessageRetrievalSortOrder", "Descending")
		} else {
			err = s.Set("ShowHiddenFoldersEnabled", "$true")
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		back, err := LoadProtocolSettings(data, strings.ToLower(s.Protocol), "other.example")
		if err != nil {
			t.Fatalf("%s: Load: %v\n%s", s.Protocol, err, data)
		}
		if !reflect.DeepEqual(back, s) {
			t.Errorf("%s: round trip\n got %+v\nwant %+v", s.Protocol, back, s)
		}
	}
}

func TestProtocolJSONOtherProtocolFieldOmitted(t *testing.T) {
	t.Parallel()
	pop, _ := json.Marshal(DefaultPopSettings(fqdn))
	imap, _ := json.Marshal(DefaultImapSettings(fqdn))
	if strings.Contains(string(pop), "ShowHiddenFoldersEnabled") {
		t.Errorf("POP JSON holds the IMAP field: %s", pop)
	}
	if strings.Contains(string(imap), "MessageRetrievalSortOrder") {
		t.Errorf("IMAP JSON holds the POP field: %s", imap)
	}
}

func TestLoadProtocolSettings(t *testing.T) {
	t.Parallel()
	// Missing fields keep their defaults; unknown fields are ignored.
	s, err := LoadProtocolSettings([]byte(`{"Protocol":"POP3","Banner":"Hi","FutureSetting":42}`), "POP3", fqdn)
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultPopSettings(fqdn)
	want.Banner = "Hi"
	if !reflect.DeepEqual(s, want) {
		t.Errorf("Load = %+v", s)
	}
	// An empty document is the defaults.
	if s, err := LoadProtocolSettings([]byte(`{}`), "IMAP4", fqdn); err != nil || !reflect.DeepEqual(s, DefaultImapSettings(fqdn)) {
		t.Errorf("Load({}) = %+v, %v", s, err)
	}
	// A cleared list stays cleared rather than returning to its default.
	s, err = LoadProtocolSettings([]byte(`{"InternalConnectionSettings":null,"SSLBindings":[]}`), "POP3", fqdn)
	if err != nil || s.InternalConnectionSettings != nil || len(s.SSLBindings) != 0 {
		t.Errorf("cleared lists = %v, %v, %v", s.InternalConnectionSettings, s.SSLBindings, err)
	}
	bad := []struct {
		doc  string
		kind error
	}{
		{`{"Protocol":"IMAP4"}`, nil},
		{`{"MaxCommandSize":10240}`, ErrOutOfRange},
		{`{"LoginType":"Sometimes"}`, ErrSyntax},
		{`{"SSLBindings":["mail:995"]}`, ErrSyntax},
		{`{"ShowHiddenFoldersEnabled":true}`, ErrWrongProtocol},
		{`{"CalendarItemRetrievalOption":"Custom"}`, ErrInvalid},
		{`not json`, nil},
	}
	for _, tc := range bad {
		_, err := LoadProtocolSettings([]byte(tc.doc), "POP3", fqdn)
		if err == nil || (tc.kind != nil && !errors.Is(err, tc.kind)) {
			t.Errorf("Load(%s) error = %v, want %v", tc.doc, err, tc.kind)
		}
	}
	if _, err := LoadProtocolSettings([]byte(`{}`), "NNTP", fqdn); err == nil {
		t.Error("Load for an unknown protocol succeeded")
	}
}

package config

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestParseConnectionSetting(t *testing.T) {
	t.Parallel()
	good := []struct {
		in   string
		want ConnectionSetting
		disp string
	}{
		{"mail.contoso.com:995:SSL", ConnectionSetting{"mail.contoso.com", 995, EncryptionSSL}, "mail.contoso.com:995:SSL"},
		{"mail.contoso.com:110:TLS", ConnectionSetting{"mail.contoso.com", 110, EncryptionTLS}, "mail.contoso.com:110:TLS"},
		{"mail.contoso.com:110:tls", ConnectionSetting{"mail.contoso.com", 110, EncryptionTLS}, "mail.contoso.com:110:TLS"},
		{"Mail.Contoso.com:993:sSl", ConnectionSetting{"Mail.Contoso.com", 993, EncryptionSSL}, "Mail.Contoso.com:993:SSL"},
		{"mail:110", ConnectionSetting{"mail", 110, EncryptionNone}, "mail:110"},
		{"mail:110:", ConnectionSetting{"mail", 110, EncryptionNone}, "mail:110"},
		{" mail:1 ", ConnectionSetting{"mail", 1, EncryptionNone}, "mail:1"},
		{"mail:65535:SSL", ConnectionSetting{"mail", 65535, EncryptionSSL}, "mail:65535:SSL"},
		{"192.0.2.1:995:SSL", ConnectionSetting{"192.0.2.1", 995, EncryptionSSL}, "192.0.2.1:995:SSL"},
		{"[2001:db8::1]:995:SSL", ConnectionSetting{"2001:db8::1", 995, EncryptionSSL}, "[2001:db8::1]:995:SSL"},
		{"[2001:DB8:0::1]:143", ConnectionSetting{"2001:db8::1", 143, EncryptionNone}, "[2001:db8::1]:143"},
		{"my_host-1.example:143:TLS", ConnectionSetting{"my_host-1.example", 143, EncryptionTLS}, "my_host-1.example:143:TLS"},
		{strings.Repeat("a", 63) + ".com:1", ConnectionSetting{strings.Repeat("a", 63) + ".com", 1, ""}, strings.Repeat("a", 63) + ".com:1"},
	}
	for _, tc := range good {
		got, err := ParseConnectionSetting(tc.in)
		if err != nil {
			t.Errorf("ParseConnectionSetting(%q): %v", tc.in, err)
			continue
		}
		if got != tc.want || got.String() != tc.disp {
			t.Errorf("ParseConnectionSetting(%q) = %#v (%s), want %#v (%s)", tc.in, got, got, tc.want, tc.disp)
		}
	}
	bad := []string{
		"", "mail", "mail:", ":995:SSL", "mail:0:SSL", "mail:65536:SSL", "mail:99999", "mail:-1",
		"mail:+995", "mail:995:STARTTLS", "mail:995:SSL:x", "mail :995", "ma il:995", "mail.:995",
		".mail:995", "a..b:995", "mail,b:995", "[2001:db8::1:995:SSL", "[2001:db8::1]995", "[192.0.2.1]:995",
		"[fe80::1%eth0]:995", "2001:db8::1:995", "[]:995", "mail:995 SSL", "mail:abc",
		strings.Repeat("a", 64) + ".com:1", strings.Repeat("a.", 127) + "ab:1", "mail:0995x",
	}
	for _, in := range bad {
		_, err := ParseConnectionSetting(in)
		if !errors.Is(err, ErrSyntax) {
			t.Errorf("ParseConnectionSetting(%q) error = %v, want ErrSyntax", in, err)
		}
	}
}

func TestConnectionSettingJSON(t *testing.T) {
	t.Parallel()
	in := []ConnectionSetting{{"mail.contoso.com", 995, EncryptionSSL}, {"2001:db8::1", 110, EncryptionNone}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `["mail.contoso.com:995:SSL","[2001:db8::1]:110"]` {
		t.Errorf("Marshal = %s", b)
	}
	var out []ConnectionSetting
	if err := json.Unmarshal(b, &out); err != nil || len(out) != 2 || out[0] != in[0] || out[1] != in[1] {
		t.Errorf("Unmarshal = %v, %v", out, err)
	}
}

func TestParseBinding(t *testing.T) {
	t.Parallel()
	good := []struct{ in, disp string }{
		{"0.0.0.0:995", "0.0.0.0:995"},
		{"[::]:995", "[::]:995"},
		{"127.0.0.1:11995", "127.0.0.1:11995"},
		{" 0.0.0.0:110 ", "0.0.0.0:110"},
		{"0.0.0.0:0", "0.0.0.0:0"},
		{"127.0.0.1:65535", "127.0.0.1:65535"},
		{"[0:0::0]:143", "[::]:143"},
		{"[fe80::1%eth0]:993", "[fe80::1%eth0]:993"},
		{"[::ffff:192.0.2.1]:995", "[::ffff:192.0.2.1]:995"},
	}
	for _, tc := range good {
		got, err := ParseBinding(tc.in)
		if err != nil {
			t.Errorf("ParseBinding(%q): %v", tc.in, err)
			continue
		}
		if got.String() != tc.disp {
			t.Errorf("ParseBinding(%q) = %s, want %s", tc.in, got, tc.disp)
		}
	}
	bad := []string{
		"", "995", ":995", "0.0.0.0", "0.0.0.0:", "0.0.0.0:65536", "0.0.0.0:-1", "0.0.0.0:+1",
		"::995", ":::995", "[::]", "[::]:", "localhost:995", "mail.contoso.com:995",
		"256.0.0.1:995", "[fe80::1%a,b]:995", "[fe80::1%]:995", "0.0.0.0:995:SSL",
	}
	for _, in := range bad {
		_, err := ParseBinding(in)
		if !errors.Is(err, ErrSyntax) {
			t.Errorf("ParseBinding(%q) error = %v, want ErrSyntax", in, err)
		}
	}
}

func TestBindingJSON(t *testing.T) {
	t.Parallel()
	b0, _ := ParseBinding("[::]:995")
	b, err := json.Marshal([]Binding{b0})
	if err != nil || string(b) != `["[::]:995"]` {
		t.Fatalf("Marshal = %s, %v", b, err)
	}
	var out []Binding
	if err := json.Unmarshal(b, &out); err != nil || len(out) != 1 || out[0] != b0 {
		t.Errorf("Unmarshal = %v, %v", out, err)
	}
	if b0.Port() != 995 || !b0.Addr().IsUnspecified() || !b0.IsValid() || b0.AddrPort().String() != "[::]:995" {
		t.Errorf("accessors disagree with %s", b0)
	}
	if (Binding{}).IsValid() {
		t.Error("zero Binding is valid")
	}
}

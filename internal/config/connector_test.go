package config

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestConnectorDefaults(t *testing.T) {
	t.Parallel()
	list := DefaultConnectors("EX01", fqdn)
	if len(list) != 2 {
		t.Fatalf("%d default connectors", len(list))
	}
	client, dflt := list[0], list[1]
	want := []Field{
		{"AuthMechanism", "Tls, Integrated, BasicAuth, BasicAuthRequireTLS"},
		{"Banner", ""},
		{"Bindings", "{[::]:587, 0.0.0.0:587}"},
		{"ImplicitTls", "False"},
		{"AdvertiseClientSettings", "False"},
		{"Fqdn", fqdn},
		{"TlsCertificateName", ""},
		{"Enabled", "True"},
		{"ConnectionTimeout", "00:10:00"},
		{"ConnectionInactivityTimeout", "00:05:00"},
		{"MaxInboundConnection", "5000"},
		{"MaxInboundConnectionPerSource", "20"},
		{"MaxLogonFailures", "3"},
		{"MaxMessageSize", "36 MB (37,748,736 bytes)"},
		{"MaxProtocolErrors", "5"},
		{"MaxRecipientsPerMessage", "200"},
		{"PermissionGroups", "ExchangeUsers"},
		{"ProtocolLoggingLevel", "None"},
		{"RequireTLS", "False"},
		{"AuthTarpitInterval", "00:00:05"},
		{"Name", "Client Frontend EX01"},
	}
	if got := client.Fields(); !slices.Equal(got, want) {
		t.Errorf("Client Frontend fields\n%v\nwant\n%v", got, want)
	}
	for name, v := range map[string]string{
		"Name":                 "Default Frontend EX01",
		"Bindings":             "{[::]:25, 0.0.0.0:25}",
		"AuthMechanism":        "Tls, Integrated, BasicAuth, BasicAuthRequireTLS, ExchangeServer",
		"PermissionGroups":     "AnonymousUsers, ExchangeServers, ExchangeLegacyServers",
		"ProtocolLoggingLevel": "Verbose",
	} {
		if got, _ := dflt.Get(name); got != v {
			t.Errorf("Default Frontend %s = %q, want %q", name, got, v)
		}
	}
	if err := ValidateConnectors(list); err != nil {
		t.Fatal(err)
	}
	if got := client.CertificateName(); got != fqdn {
		t.Errorf("CertificateName = %q", got)
	}
}

// TestAuthMechanismRules checks the validation rules of spec 8.2 (and §11
// item 46): a refused value leaves the connector unchanged.
func TestAuthMechanismRules(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		changes []Change
		kind    error
		text    string
	}{
		{[]Change{{Name: "AuthMechanism", Values: []string{"BasicAuthRequireTLS"}}}, ErrInvalid, "BasicAuthRequireTLS requires BasicAuth and Tls"},
		{[]Change{{Name: "AuthMechanism", Values: []string{"BasicAuth,BasicAuthRequireTLS"}}}, ErrInvalid, "BasicAuthRequireTLS requires BasicAuth and Tls"},
		{[]Change{{Name: "AuthMechanism", Values: []string{"None, Tls"}}}, ErrInvalid, "None must be used by itself"},
		{[]Change{{Name: "AuthMechanism", Values: []string{"None,None"}}}, ErrInvalid, "None must be used by itself"},
		{[]Change{{Name: "AuthMechanism", Values: []string{"Tls, Kerberos"}}}, ErrSyntax, "Valid values: None, Tls, Integrated"},
		{[]Change{{Name: "AuthMechanism", Values: []string{""}}}, ErrSyntax, "AuthMechanisms"},
		{[]Change{{Name: "AuthMechanism", Values: []string{"ExternalAuthoritative,BasicAuth"}}}, ErrInvalid, "combined only with Tls"},
		{[]Change{{Name: "AuthMechanism", Values: []string{"ExternalAuthoritative,Tls"}}}, ErrInvalid, "requires PermissionGroups ExchangeServers"},
		{[]Change{{Name: "RequireTLS", Values: []string{"$true"}}, {Name: "AuthMechanism", Values: []string{"BasicAuth"}}}, ErrInvalid, "Tls is required when RequireTLS is $true"},
		{[]Change{{Name: "ImplicitTls", Values: []string{"$true"}}, {Name: "AuthMechanism", Values: []string{"None"}}}, ErrInvalid, "Tls is required when ImplicitTls"},
		{[]Change{{Name: "ConnectionInactivityTimeout", Values: []string{"00:10:00"}}}, ErrInvalid, "less than ConnectionTimeout"},
		{[]Change{{Name: "Bindings", Values: nil}}, ErrInvalid, "at least one binding"},
		{[]Change{{Name: "Bindings", Values: []string{"0.0.0.0:587", "127.0.0.1:587"}}}, ErrInvalid, "overlaps 0.0.0.0:587"},
		{[]Change{{Name: "MaxMessageSize", Values: []string{"64KB"}}}, nil, ""},
		{[]Change{{Name: "MaxMessageSize", Values: []string{"65535"}}}, ErrOutOfRange, "65536-2147483647 bytes"},
		{[]Change{{Name: "MaxMessageSize", Values: []string{"unlimited"}}}, ErrOutOfRange, ""},
		{[]Change{{Name: "MaxRecipientsPerMessage", Values: []string{"512001"}}}, ErrOutOfRange, "1-512000"},
		{[]Change{{Name: "MaxInboundConnectionPerSource", Values: []string{"10001"}}}, ErrOutOfRange, "1-10000 or unlimited"},
		{[]Change{{Name: "MaxInboundConnectionPerSource", Values: []string{"Unlimited"}}}, nil, ""},
		{[]Change{{Name: "MaxLogonFailures", Values: []string{"11"}}}, ErrOutOfRange, "0-10"},
		{[]Change{{Name: "ConnectionTimeout", Values: []string{"00:00:00"}}}, ErrOutOfRange, ""},
		{[]Change{{Name: "AuthTarpitInterval", Values: []string{"00:11:00"}}}, ErrOutOfRange, ""},
		{[]Change{{Name: "Banner", Values: []string{"Hello"}}}, ErrInvalid, `start with "220 "`},
		{[]Change{{Name: "Banner", Values: []string{"220 Hello"}}}, nil, ""},
		{[]Change{{Name: "Fqdn", Values: []string{"bad host"}}}, ErrInvalid, "host name"},
		{[]Change{{Name: "Name", Values: []string{`EX01\Client`}}}, ErrInvalid, "backslash"},
		{[]Change{{Name: "Name", Values: []string{strings.Repeat("n", 65)}}}, ErrInvalid, "1 to 64"},
		{[]Change{{Name: "TlsCertificateName", Values: []string{"<I>CN=CA<S>CN=mail.contoso.com, O=Contoso"}}}, nil, ""},
		{[]Change{{Name: "TlsCertificateName", Values: []string{"<I><S>CN=x"}}}, ErrInvalid, "<I>issuer<S>subject"},
		{[]Change{{Name: "PermissionGroups", Values: []string{"AnonymousUsers, None"}}}, ErrInvalid, "None must be used by itself"},
		{[]Change{{Name: "AuthMechanism", Op: OpAdd, Values: []string{"Tls"}}}, ErrNotMultiValued, ""},
		{[]Change{{Name: "RemoteIPRanges", Values: []string{"0.0.0.0"}}}, ErrUnknownParameter, ""},
	} {
		c0 := DefaultConnectors("EX01", fqdn)[0]
		before := c0
		err := c0.Apply(c.changes...)
		if c.kind == nil {
			if err != nil {
				t.Errorf("%v: %v", c.changes, err)
			}
			continue
		}
		if !errors.Is(err, c.kind) || !strings.Contains(err.Error(), c.text) {
			t.Errorf("%v: error %v, want %v containing %q", c.changes, err, c.kind, c.text)
		}
		if !reflect.DeepEqual(c0, before) {
			t.Errorf("%v: refused change modified the connector", c.changes)
		}
	}
}

// TestAuthMechanismAccepted lists combinations the rules allow.
func TestAuthMechanismAccepted(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"None", "Tls", "tls,basicauth", "Tls, BasicAuth, BasicAuthRequireTLS", "BasicAuth", "Integrated",
		"Tls, Integrated, BasicAuth, BasicAuthRequireTLS, ExchangeServer"} {
		c := DefaultConnectors("EX01", fqdn)[0]
		if err := c.Set("AuthMechanism", v); err != nil {
			t.Errorf("%q: %v", v, err)
		}
	}
	c := DefaultConnectors("EX01", fqdn)[0]
	if err := c.Apply(Change{Name: "PermissionGroups", Values: []string{"ExchangeServers"}},
		Change{Name: "AuthMechanism", Values: []string{"ExternalAuthoritative, Tls"}}); err != nil {
		t.Errorf("ExternalAuthoritative with ExchangeServers: %v", err)
	}
	if got, _ := c.Get("AuthMechanism"); got != "Tls, ExternalAuthoritative" {
		t.Errorf("display %q", got)
	}
	// The Exchange error wording (spec §11 item 46).
	err := c.Set("AuthMechanism", "BasicAuthRequireTLS")
	want := `Cannot validate argument on parameter 'AuthMechanism'. The value "BasicAuthRequireTLS" is not valid: BasicAuthRequireTLS requires BasicAuth and Tls.`
	if err == nil || err.Error() != want {
		t.Errorf("error %v\nwant %s", err, want)
	}
}

func TestConnectorJSON(t *testing.T) {
	t.Parallel()
	list := DefaultConnectors("EX01", fqdn)
	if err := list[1].Set("Bindings", "127.0.0.1:2525"); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(list)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"AuthMechanism":"Tls, Integrated, BasicAuth, BasicAuthRequireTLS"`, `"MaxInboundConnection":"5000"`,
		`"MaxMessageSize":"36 MB (37,748,736 bytes)"`, `"ConnectionTimeout":"00:10:00"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s:\n%s", want, b)
		}
	}
	back, err := LoadConnectors(b, fqdn)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, list) {
		t.Errorf("round trip\n%+v\nwant\n%+v", back, list)
	}
	// Missing settings keep their defaults; unknown ones are ignored.
	old, err := LoadConnectors([]byte(`[{"Name":"Old","Bindings":["127.0.0.1:2525"],"Future":1}]`), fqdn)
	if err != nil {
		t.Fatal(err)
	}
	if old[0].MaxRecipientsPerMessage != 200 || old[0].Fqdn != fqdn || !old[0].Enabled || old[0].AuthMechanism != AuthTLS {
		t.Errorf("defaults not applied: %+v", old[0])
	}
	for _, bad := range []string{`{}`, `[{"Name":"x","Bindings":[]}]`, `[{"Name":"x","Bindings":["1.2.3.4:25"],"AuthMechanism":"Nope"}]`} {
		if _, err := LoadConnectors([]byte(bad), fqdn); err == nil {
			t.Errorf("LoadConnectors(%s) accepted", bad)
		}
	}
}

func TestValidateConnectors(t *testing.T) {
	t.Parallel()
	list := DefaultConnectors("EX01", fqdn)
	dup := NewReceiveConnector("client frontend ex01", UsageCustom, fqdn, mustBindings(t, "127.0.0.1:2525"))
	if err := ValidateConnectors(append(list, dup)); err == nil || !strings.Contains(err.Error(), "another receive connector has this name") {
		t.Errorf("duplicate name: %v", err)
	}
	clash := NewReceiveConnector("Other", UsageCustom, fqdn, mustBindings(t, "127.0.0.1:587"))
	if err := ValidateConnectors(append(list, clash)); err == nil || !strings.Contains(err.Error(), `overlaps 0.0.0.0:587 of the receive connector "Client Frontend EX01"`) {
		t.Errorf("overlap: %v", err)
	}
	clash.Enabled = false
	if err := ValidateConnectors(append(list, clash)); err != nil {
		t.Errorf("a disabled connector cannot clash: %v", err)
	}
	tlsc := NewReceiveConnector("Client Frontend TLS EX01", UsageClient, fqdn, wildcardBindings(SubmissionsPort))
	tlsc.ImplicitTls = true
	if err := ValidateConnectors(append(list, tlsc)); err != nil {
		t.Errorf("465 connector: %v", err)
	}
}

func TestConnectorOffsetAndCertificate(t *testing.T) {
	t.Parallel()
	c := DefaultConnectors("EX01", fqdn)[0]
	if err := c.OffsetPorts(10000); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.Get("Bindings"); got != "{[::]:10587, 0.0.0.0:10587}" {
		t.Errorf("after offset %s", got)
	}
	if err := c.OffsetPorts(60000); err == nil {
		t.Error("port past 65535 accepted")
	}
	for in, want := range map[string]string{
		"": fqdn,
		"<I>CN=Contoso CA<S>CN=mail.contoso.com, O=Contoso": "mail.contoso.com",
		"<I>CN=Contoso CA<S>O=Contoso":                      fqdn,
		"smtp.contoso.com":                                  "smtp.contoso.com",
	} {
		c.TlsCertificateName = in
		if got := c.CertificateName(); got != want {
			t.Errorf("CertificateName(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]ConnectorUsage{"client": UsageClient, " Internet ": UsageInternet, "CUSTOM": UsageCustom} {
		if u, err := ParseConnectorUsage(in); err != nil || u != want {
			t.Errorf("ParseConnectorUsage(%q) = %v, %v", in, u, err)
		}
	}
	if _, err := ParseConnectorUsage("Partner"); !errors.Is(err, ErrSyntax) {
		t.Errorf("Partner usage: %v", err)
	}
}

func FuzzParseAuthMechanism(f *testing.F) {
	for _, s := range []string{"Tls", "Tls, BasicAuth, BasicAuthRequireTLS", "None", "none,tls", "", ",", "Tls,,BasicAuth"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) { roundTrip(t, in, ParseAuthMechanism, AuthMechanism.String) })
}

func FuzzParseUnlimitedInt(f *testing.F) {
	for _, s := range []string{"5000", "unlimited", "0", "-1", "2147483648", " 20 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) { roundTrip(t, in, ParseUnlimitedInt, UnlimitedInt.String) })
}

package transport

import (
	"strings"
	"testing"

	"github.com/postern/postern/internal/config"
)

func TestMatchSendConnector(t *testing.T) {
	list := []config.SendConnector{
		{Name: "Internet", Enabled: true, AddressSpaces: []string{"*"}},
		{Name: "Contoso", Enabled: true, AddressSpaces: []string{"*.contoso.com"}},
		{Name: "Exact", Enabled: true, AddressSpaces: []string{"mail.contoso.com"}},
		{Name: "Off", Enabled: false, AddressSpaces: []string{"fabrikam.com"}},
	}
	for domain, want := range map[string]string{
		"example.org": "Internet", "sales.contoso.com": "Contoso", "MAIL.contoso.com": "Exact",
		"contoso.com": "Internet", "fabrikam.com": "Internet",
	} {
		if c, ok := MatchSendConnector(list, domain); !ok || c.Name != want {
			t.Errorf("%s: %q, %v; want %q", domain, c.Name, ok, want)
		}
	}
	if _, ok := MatchSendConnector(list[1:], "example.org"); ok {
		t.Error("example.org matched without a * connector")
	}
}

func TestSendConnectorTexts(t *testing.T) {
	c := config.SendConnector{Name: "S", Enabled: true, Port: 25, SmartHostAuthMechanism: config.SmartHostAuthNone}
	for k, v := range map[string]string{"AddressSpaces": "SMTP:*;1,SMTP:Contoso.com;10", "SmartHosts": "[127.0.0.1],relay.test",
		"Port": "2525", "RequireTLS": "$true", "TlsAuthLevel": "certificatevalidation", "SmartHostAuthMechanism": "basicauth", "AuthenticationUser": "u"} {
		if err := c.ApplyText(k, v); err != nil {
			t.Fatalf("%s=%s: %v", k, v, err)
		}
	}
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "AuthenticationCredential") {
		t.Errorf("BasicAuth without a password: %v", err)
	}
	c.AuthenticationPassword = "pw"
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.AddressSpaces, " ") != "* contoso.com" || c.TlsAuthLevel != config.TlsAuthCertificateValidation || c.SmartHostAuthMechanism != config.SmartHostAuthBasic {
		t.Errorf("parsed: %+v", c)
	}
	r := ConnectorRoute(c)
	if r.Hosts[0] != "127.0.0.1" || r.Port != 2525 || !r.VerifyTLS || r.AuthUser != "u" || r.AuthPassword != "pw" || r.AuthRequireTLS {
		t.Errorf("route: %+v", r)
	}
	if p := c.Public(); p.AuthenticationPassword == "pw" {
		t.Error("Public shows the password")
	}
	if err := c.ApplyText("AuthenticationPassword", "x"); err == nil {
		t.Error("a password accepted as a setting text")
	}
	for k, v := range map[string]string{"AddressSpaces": "a@b", "Port": "0", "TlsAuthLevel": "Bogus"} {
		d := c
		d.ApplyText(k, v)
		if d.Validate() == nil {
			t.Errorf("%s=%s accepted", k, v)
		}
	}
	d := c
	d.RequireTLS = false
	if d.Validate() == nil {
		t.Error("TlsAuthLevel without RequireTLS accepted")
	}
}

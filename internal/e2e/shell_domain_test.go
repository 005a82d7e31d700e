package e2e

import (
	"context"
	"net/smtp"
	"os"
	"strings"
	"testing"

	"github.com/postern/postern/internal/admin"
	"github.com/postern/postern/internal/admin/api"
)

// TestShellAcceptedDomains: New-/Get-/Set-/Remove-AcceptedDomain and the
// `postern domain` verbs against a live server. A mailbox in a new domain
// can be created, the Default Frontend connector accepts mail for it, the
// default domain and a domain in use can't be removed, and a relay domain
// type is refused.
func TestShellAcceptedDomains(t *testing.T) {
	in := serve(t, "")
	out := in.shellOK(`New-AcceptedDomain -Name Contoso -DomainName Contoso.com`)
	if !hasRow(out, "Contoso contoso.com Authoritative False") {
		t.Errorf("New-AcceptedDomain output:\n%s", out)
	}
	out = in.shellOK(`Get-AcceptedDomain`)
	if !hasRow(out, "Name DomainName DomainType Default") || !hasRow(out, "mail.test mail.test Authoritative True") ||
		!hasRow(out, "Contoso contoso.com Authoritative False") {
		t.Errorf("Get-AcceptedDomain:\n%s", out)
	}
	if out := in.shellOK(`Get-AcceptedDomain contoso.com | Format-List Name,DomainName,Default`); !strings.Contains(out, "Name       : Contoso") {
		t.Errorf("Get-AcceptedDomain by DomainName:\n%s", out)
	}
	for src, want := range map[string]string{
		`New-AcceptedDomain -Name Relay -DomainName relay.example -DomainType InternalRelay`: "DomainType InternalRelay isn't supported",
		`New-AcceptedDomain -Name Again -DomainName CONTOSO.COM`:                             "already exists",
		`New-AcceptedDomain -Name Bad -DomainName "bad_name.example"`:                        "is not a valid domain name",
		`New-AcceptedDomain -Name Wild -DomainName "*.contoso.com"`:                          "wildcard accepted domains are not supported",
		`New-AcceptedDomain -Name Sub -DomainName sub.example -MatchSubDomains $true`:        "-MatchSubDomains $true isn't supported",
		`Remove-AcceptedDomain mail.test -Confirm:$false`:                                    "is the default accepted domain",
		`Set-AcceptedDomain nowhere.example -MakeDefault $true`:                              "couldn't be found",
	} {
		if _, errs := in.shellFail(src); !strings.Contains(errs, want) {
			t.Errorf("%s: %s", src, errs)
		}
	}
	in.shellOK(`New-Mailbox -Name dana -PrimarySmtpAddress dana@contoso.com -Password (ConvertTo-SecureString 'Secret-9' -AsPlainText -Force)`)
	if _, errs := in.shellFail(`Remove-AcceptedDomain Contoso -Confirm:$false`); !strings.Contains(errs, "1 mailbox(es) have addresses in it") {
		t.Errorf("removing a domain in use: %s", errs)
	}
	// The new default is the domain of a mailbox created by alias only.
	in.shellOK(`Set-AcceptedDomain Contoso -MakeDefault $true; New-Mailbox -Name erin -Password (ConvertTo-SecureString 'Secret-9' -AsPlainText -Force)`)
	if out := in.shellOK(`Get-Mailbox erin | Format-List PrimarySmtpAddress`); !strings.Contains(out, "erin@contoso.com") {
		t.Errorf("New-Mailbox after MakeDefault:\n%s", out)
	}
	if out := in.shellOK(`Get-AcceptedDomain Contoso | Format-List Default`); !strings.Contains(out, "Default : True") {
		t.Errorf("Default after MakeDefault:\n%s", out)
	}

	// The Default Frontend connector accepts mail for the new domain and
	// refuses other domains.
	in.shellOK(`Set-ReceiveConnector "Default Frontend MAIL" -Bindings ` + freeLoopbackAddr(t) + `; Restart-Service MSExchangeFrontEndTransport`)
	var list []api.Connector
	if err := in.client().Get(context.Background(), "/v1/connectors?name=Default+Frontend+MAIL", &list); err != nil || len(list) != 1 || len(list[0].Listening) != 1 {
		t.Fatalf("Default Frontend: %+v %v", list, err)
	}
	c, err := smtp.Dial(list[0].Listening[0])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Mail("someone@example.org"); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("dana@contoso.com"); err != nil {
		t.Errorf("RCPT to the new domain: %v", err)
	}
	if err := c.Rcpt("dana@not-accepted.example"); err == nil {
		t.Errorf("RCPT to a domain that is not accepted was taken")
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("From: someone@example.org\r\nTo: dana@contoso.com\r\nSubject: hi\r\nMessage-ID: <d1@example.org>\r\nDate: Fri, 4 Dec 2026 10:00:00 +0000\r\n\r\nHello.\r\n"))
	if err := w.Close(); err != nil {
		t.Errorf("DATA for the new domain: %v", err)
	}
	c.Quit()

	// The plain verbs.
	in.cli("", "domain", "add", "fabrikam.com", "--name", "Fabrikam")
	if out := in.cli("", "domain", "list"); !hasRow(out, "Contoso contoso.com Authoritative true") || !hasRow(out, "Fabrikam fabrikam.com Authoritative false") {
		t.Errorf("domain list:\n%s", out)
	}
	in.cli("", "domain", "default", "fabrikam.com")
	in.cli("", "domain", "remove", "mail.test")
	if out := in.cli("", "domain", "list"); !hasRow(out, "Fabrikam fabrikam.com Authoritative true") || strings.Contains(out, "mail.test") {
		t.Errorf("domain list after default and remove:\n%s", out)
	}
	audit, err := os.ReadFile(admin.AuditPath(in.data))
	if err != nil || !strings.Contains(string(audit), `"cmdlet":"New-AcceptedDomain"`) || !strings.Contains(string(audit), `"endpoint":"POST /v1/domains/remove"`) {
		t.Errorf("audit log (%v):\n%s", err, audit)
	}
}

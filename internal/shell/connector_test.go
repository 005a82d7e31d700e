package shell

import (
	"strings"
	"testing"

	"github.com/postern/postern/internal/testkit"
)

// TestReceiveConnectorCmdlets covers Get-, Set-, New- and
// Remove-ReceiveConnector over a real server's admin API.
func TestReceiveConnectorCmdlets(t *testing.T) {
	t.Parallel()
	s := newTestShell(t, nil)
	server := s.ts.Name()
	client := server + `\Client Frontend ` + server
	show := func(id, name string) string {
		t.Helper()
		return strings.TrimSpace(s.ok(`Get-ReceiveConnector "` + id + `" | Select-Object -ExpandProperty ` + name))
	}

	// The default view: Identity, Bindings, Enabled.
	out := s.ok(`Get-ReceiveConnector`)
	if !strings.Contains(out, "Identity") || !strings.Contains(out, "Bindings") || !strings.Contains(out, "Enabled") ||
		!strings.Contains(out, client) || !strings.Contains(out, `Default Frontend `+server) {
		t.Errorf("Get-ReceiveConnector:\n%s", out)
	}
	// Format-List shows every setting.
	out = s.ok(`Get-ReceiveConnector "Client Frontend*" | Format-List`)
	for _, want := range []string{"AuthMechanism", "PermissionGroups", "MaxMessageSize", "ConnectionTimeout", "Fqdn", "Identity"} {
		if !strings.Contains(out, want) {
			t.Errorf("Format-List lacks %s:\n%s", want, out)
		}
	}
	s.fail(`Get-ReceiveConnector "No Such"`, "The operation couldn't be performed because object 'No Such' couldn't be found.")

	// The documented pipeline.
	s.ok(`Get-ReceiveConnector "Client Frontend*" | Set-ReceiveConnector -Fqdn mail.contoso.com`)
	if v := show("Client Frontend*", "Fqdn"); v != "mail.contoso.com" {
		t.Errorf("Fqdn = %q", v)
	}
	if v := show("Default Frontend*", "Fqdn"); v != "mail.test" {
		t.Errorf("Default Frontend's Fqdn changed to %q", v)
	}

	// Spec section 11 item 46: refused, naming the parameter; unchanged.
	before := show(client, "AuthMechanism")
	s.fail(`Set-ReceiveConnector "Client Frontend*" -AuthMechanism BasicAuthRequireTLS`,
		"parameter 'AuthMechanism'")
	if !strings.Contains(s.err.String(), "BasicAuthRequireTLS requires BasicAuth and Tls") {
		t.Errorf("refusal: %s", s.err.String())
	}
	if v := show(client, "AuthMechanism"); v != before {
		t.Errorf("refused change stored: %q, was %q", v, before)
	}
	// -WhatIf checks the same locally and changes nothing.
	s.fail(`Set-ReceiveConnector "Client Frontend*" -AuthMechanism BasicAuthRequireTLS -WhatIf`, "parameter 'AuthMechanism'")
	out = s.ok(`Set-ReceiveConnector "` + client + `" -MaxRecipientsPerMessage 100 -RequireTLS $true -WhatIf`)
	if !strings.Contains(out, `What if: Performing the operation "Set-ReceiveConnector" on target "`+client+`".`) ||
		!strings.Contains(out, "MaxRecipientsPerMessage: 200 -> 100") || !strings.Contains(out, "RequireTLS: False -> True") {
		t.Errorf("-WhatIf:\n%s", out)
	}
	if v := show(client, "MaxRecipientsPerMessage"); v != "200" {
		t.Errorf("-WhatIf stored MaxRecipientsPerMessage %s", v)
	}

	// Flag sets: a list replaces, @{Add;Remove} edits.
	s.ok(`Set-ReceiveConnector "` + client + `" -AuthMechanism Tls,BasicAuth`)
	if v := show(client, "AuthMechanism"); v != "Tls, BasicAuth" {
		t.Errorf("list: %q", v)
	}
	s.ok(`Set-ReceiveConnector "` + client + `" -AuthMechanism @{Add="BasicAuthRequireTLS","Integrated"; Remove="Nothing"}`)
	if v := show(client, "AuthMechanism"); v != "Tls, Integrated, BasicAuth, BasicAuthRequireTLS" {
		t.Errorf("Add: %q", v)
	}
	s.ok(`Set-ReceiveConnector "` + client + `" -PermissionGroups @{Add="AnonymousUsers"}`)
	if v := show(client, "PermissionGroups"); !strings.Contains(v, "AnonymousUsers") || !strings.Contains(v, "ExchangeUsers") {
		t.Errorf("PermissionGroups Add: %q", v)
	}
	// Bindings: a list, then Add and Remove.
	addr := testkit.FreeLoopbackAddr(t)
	v6 := "[::1]:" + strings.TrimPrefix(addr, "127.0.0.1:")
	s.ok(`Set-ReceiveConnector "` + client + `" -Bindings ` + addr)
	s.ok(`Set-ReceiveConnector "` + client + `" -Bindings @{Add="` + v6 + `"}`)
	if v := show(client, "Bindings"); v != addr+"\n"+v6 {
		t.Errorf("Bindings Add: %q", v)
	}
	s.ok(`Set-ReceiveConnector "` + client + `" -Bindings @{Remove="` + v6 + `"}`)
	// Port 0 would move at every restart: refused, naming the parameter.
	s.fail(`Set-ReceiveConnector "`+client+`" -Bindings @{Add="[::1]:0"}`,
		"Cannot validate argument on parameter 'Bindings'. The value [::1]:0 is not in the valid range 1-65535 for the port")
	if v := show(client, "Bindings"); v != addr {
		t.Errorf("refused Bindings stored: %q", v)
	}
	// Exchange types at binding.
	s.fail(`Set-ReceiveConnector "`+client+`" -Enabled "yes"`, `Cannot process argument transformation on parameter 'Enabled'.`)
	s.fail(`Set-ReceiveConnector "`+client+`" -MaxLogonFailures 11`, "parameter 'MaxLogonFailures'")
	s.fail(`Set-ReceiveConnector "`+client+`" -Fqdn a,b`, "parameter 'Fqdn'")
	s.fail(`Set-ReceiveConnector "No Such" -Fqdn mail.contoso.com`, "couldn't be found")

	// New and Remove.
	relay := testkit.FreeLoopbackAddr(t)
	out = s.ok(`New-ReceiveConnector -Name "Relay" -Usage Internet -Bindings ` + relay + ` -Fqdn relay.contoso.com -WhatIf`)
	if !strings.Contains(out, `What if: Performing the operation "New-ReceiveConnector" on target "`+server+`\Relay".`) {
		t.Errorf("New -WhatIf:\n%s", out)
	}
	s.fail(`Get-ReceiveConnector Relay`, "couldn't be found")
	s.fail(`New-ReceiveConnector -Name "Relay" -Usage Internet -Bindings `+relay+` -AuthMechanism ExternalAuthoritative`,
		"parameter 'AuthMechanism'")
	s.fail(`New-ReceiveConnector -Name "Relay" -Usage Internet -Bindings 127.0.0.1:0`, "parameter 'Bindings'")
	s.fail(`Get-ReceiveConnector Relay`, "couldn't be found")
	out = s.ok(`New-ReceiveConnector -Name "Relay" -Usage Internet -Bindings ` + relay + ` -Fqdn relay.contoso.com`)
	if !strings.Contains(out, server+`\Relay`) {
		t.Errorf("New-ReceiveConnector:\n%s", out)
	}
	if v := show("Relay", "PermissionGroups"); v != "AnonymousUsers" {
		t.Errorf("Internet usage: PermissionGroups %q", v)
	}
	out = s.ok(`Remove-ReceiveConnector Relay -WhatIf`)
	if !strings.Contains(out, `on target "`+server+`\Relay"`) {
		t.Errorf("Remove -WhatIf:\n%s", out)
	}
	s.ok(`Get-ReceiveConnector Relay | Remove-ReceiveConnector`)
	s.fail(`Get-ReceiveConnector Relay`, "couldn't be found")
	s.fail(`Remove-ReceiveConnector "Client*"`, "couldn't be found")
}

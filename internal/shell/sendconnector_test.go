package shell

import (
	"context"
	"strings"
	"testing"
)

// TestSendConnectorCmdlets covers Get-, New-, Set- and
// Remove-SendConnector over a real server's admin API, with a prompted
// credential that is stored but never shown.
func TestSendConnectorCmdlets(t *testing.T) {
	t.Parallel()
	s := newTestShell(t, &answers{lines: []string{"relay@isp.test", "relaypw"}})
	out := s.ok(`New-SendConnector -Name "To ISP" -Internet -SmartHosts relay.isp.test,10.0.0.5 -Port 587 -RequireTLS $true ` +
		`-SmartHostAuthMechanism BasicAuthRequireTLS -AuthenticationCredential (Get-Credential)`)
	if !strings.Contains(out, "To ISP") || !strings.Contains(out, "{*}") {
		t.Errorf("New-SendConnector:\n%s", out)
	}
	out = s.ok(`Get-SendConnector "To*" | Format-List`)
	for _, want := range []string{"DNSRoutingEnabled        : False", "SmartHosts               : {relay.isp.test, 10.0.0.5}",
		"Port                     : 587", "AuthenticationCredential : relay@isp.test", "SmartHostAuthMechanism   : BasicAuthRequireTLS"} {
		if !strings.Contains(out, want) {
			t.Errorf("Get-SendConnector lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "relaypw") {
		t.Error("the password shows")
	}
	list, err := s.ts.SendConnectors(context.Background())
	// Stored sealed under the server's key (internal/server checks that it
	// comes back for the route).
	if err != nil || len(list) != 1 || !strings.HasPrefix(list[0].AuthenticationPassword, "sealed:v1:") {
		t.Fatalf("stored: %+v, %v", list, err)
	}
	s.ok(`Set-SendConnector "To ISP" -AddressSpaces contoso.com,*.contoso.com -Enabled $false`)
	if v := strings.TrimSpace(s.ok(`(Get-SendConnector "To ISP").Enabled`)); v != "False" {
		t.Errorf("Enabled = %q", v)
	}
	// The server's validation reaches the shell; nothing is stored.
	s.fail(`Set-SendConnector "To ISP" -RequireTLS $false -TlsAuthLevel CertificateValidation`, "TlsAuthLevel needs RequireTLS")
	s.fail(`Get-SendConnector Nothing`, "couldn't be found")
	s.ok(`Remove-SendConnector "To ISP" -Confirm:$false`)
	if out := s.ok(`Get-SendConnector`); strings.Contains(out, "To ISP") {
		t.Errorf("after Remove-SendConnector:\n%s", out)
	}
}

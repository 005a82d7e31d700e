package e2e

import (
	"strconv"
	"strings"
	"testing"
)

// formatListBlocks parses Format-List output into one map per object.
func formatListBlocks(out string) []map[string]string {
	var blocks []map[string]string
	var cur map[string]string
	for _, l := range strings.Split(out, "\n") {
		k, v, ok := strings.Cut(l, " : ")
		if !ok {
			if strings.TrimSpace(l) == "" && cur != nil {
				blocks, cur = append(blocks, cur), nil
			}
			continue
		}
		if cur == nil {
			cur = map[string]string{}
		}
		cur[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	if cur != nil {
		blocks = append(blocks, cur)
	}
	return blocks
}

// TestShellConnectivityRoundTrip runs Test-PopConnectivity and
// Test-ImapConnectivity without -LightMode (spec section 9): logon, a test
// message submitted through the Client Frontend connector with STARTTLS
// and AUTH, found in the Inbox over the protocol under test and deleted.
// Every row is a Success with a real latency, the certificate is verified
// against the server's own CA file, and afterwards a separate client sees
// the Inbox as it was.
func TestShellConnectivityRoundTrip(t *testing.T) {
	need(t, "python3")
	in := serve(t, "")
	in.setup()
	in.shellOK(`Set-ImapSettings -SSLBindings ` + freeLoopbackAddr(t) + ` -UnencryptedOrTLSBindings ` + freeLoopbackAddr(t) + `
Start-Service MSExchangeIMAP4BE, MSExchangeIMAP4
Set-ReceiveConnector "Client Frontend MAIL" -Bindings ` + freeLoopbackAddr(t) + `
Restart-Service MSExchangeFrontEndTransport`)
	in.listeners()
	in.deliver(2)
	for _, cmdlet := range []string{"Test-PopConnectivity", "Test-ImapConnectivity"} {
		out := in.shellStdin("secret1\n", cmdlet+` -MailboxCredential (Get-Credential alice@mail.test) -Timeout 30 | Format-List Scenario,Result,Latency*,Error`)
		rows := formatListBlocks(out)
		want := []string{"Logon (Tls, 127.0.0.1:", "Send test message (SMTP, 127.0.0.1:", "Find and delete test message (Tls, 127.0.0.1:"}
		if len(rows) != len(want) {
			t.Fatalf("%s: %d rows, want %d:\n%s", cmdlet, len(rows), len(want), out)
		}
		for i, r := range rows {
			ms, err := strconv.Atoi(r["Latency(MS)"])
			if !strings.Contains(r["Scenario"], want[i]) || r["Result"] != "Success" || err != nil || ms < 0 || r["Error"] != "" {
				t.Errorf("%s row %d: %v", cmdlet, i, r)
			}
		}
	}
	// A separate client: the two delivered messages are there, and no
	// test message is left over either protocol.
	script := `
import imaplib, poplib, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[1])
p = poplib.POP3_SSL('127.0.0.1', int(sys.argv[2]), context=ctx)
p.user('alice@mail.test'); p.pass_('secret1')
n, _ = p.stat()
assert n == 2, n
for i in range(1, n + 1):
    assert not any(b'Postern connectivity test' in l for l in p.top(i, 0)[1]), i
p.quit()
m = imaplib.IMAP4_SSL('127.0.0.1', int(sys.argv[3]), ssl_context=ctx)
m.login('alice@mail.test', 'secret1')
m.select('INBOX')
typ, data = m.uid('SEARCH', 'SUBJECT', '"Postern connectivity test"')
assert data == [b''], data
typ, data = m.search(None, 'ALL')
assert data == [b'1 2'], data
m.logout()
print('inbox ok')
`
	if out := run(t, "", "python3", "-c", script, in.ca(), port(in.POP3S), port(in.IMAPS)); !strings.Contains(out, "inbox ok") {
		t.Fatal(out)
	}

	// Under the default SecureLogin a logon in clear fails with the
	// server's text and the hint; the message steps are then skipped.
	out := in.shellStdin("secret1\n", `Test-PopConnectivity -MailboxCredential (Get-Credential alice@mail.test) -ConnectionType Plaintext | Format-List Scenario,Result,Error`)
	rows := formatListBlocks(out)
	if len(rows) != 3 || rows[0]["Result"] != "Failure" || !strings.Contains(rows[0]["Error"], "Command is not valid in this state.") ||
		!strings.Contains(rows[0]["Error"], "LoginType") || rows[1]["Result"] != "Skipped" || rows[2]["Result"] != "Skipped" {
		t.Errorf("Plaintext under SecureLogin:\n%s", out)
	}
	// A connector presenting a certificate the client does not trust (a
	// new self-signed one for its Fqdn) fails the check a client makes,
	// unless -TrustAnySSLCertificate.
	in.shellOK(`New-ExchangeCertificate -SubjectName "cn=mail.contoso.com" -Services SMTP
Set-ReceiveConnector "Client Frontend MAIL" -Fqdn mail.contoso.com; Restart-Service MSExchangeFrontEndTransport`)
	out = in.shellStdin("secret1\n", `Test-ImapConnectivity -MailboxCredential (Get-Credential alice@mail.test) | Format-List Scenario,Result,Error`)
	if rows = formatListBlocks(out); len(rows) != 3 || rows[1]["Result"] != "Failure" || !strings.Contains(rows[1]["Error"], "certificate") {
		t.Errorf("untrusted connector certificate:\n%s", out)
	}
	out = in.shellStdin("secret1\n", `Test-ImapConnectivity -MailboxCredential (Get-Credential alice@mail.test) -TrustAnySSLCertificate | Format-List Scenario,Result,Error`)
	if rows = formatListBlocks(out); len(rows) != 3 || rows[1]["Result"] != "Success" || rows[2]["Result"] != "Success" {
		t.Errorf("-TrustAnySSLCertificate:\n%s", out)
	}
	// With the submission connector stopped, the send step fails and
	// says what to start.
	in.shellOK(`Stop-Service MSExchangeFrontEndTransport`)
	out = in.shellStdin("secret1\n", `Test-ImapConnectivity -MailboxCredential (Get-Credential alice@mail.test) | Format-List Scenario,Result,Error`)
	rows = formatListBlocks(out)
	if len(rows) != 3 || rows[0]["Result"] != "Success" || rows[1]["Result"] != "Failure" ||
		!strings.Contains(rows[1]["Error"], "Client Frontend") || rows[2]["Result"] != "Skipped" {
		t.Errorf("with the smtp service stopped:\n%s", out)
	}
}

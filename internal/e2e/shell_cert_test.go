package e2e

import (
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestShellNewExchangeCertificate creates a self-signed certificate with
// New-ExchangeCertificate as Exchange's documentation does, enabled for
// POP, IMAP and SMTP at once, and checks that after Set-PopSettings
// -X509CertificateName and Restart-Service the POP3 listener serves it:
// RSA 2048, the subject and the SANs asked for, verifiable against itself
// under the name mail.contoso.com.
func TestShellNewExchangeCertificate(t *testing.T) {
	in := serve(t, "")
	out := in.shellOK(`New-ExchangeCertificate -SubjectName "c=US, o=Contoso, cn=mail.contoso.com" -DomainName mail.contoso.com,autodiscover.contoso.com -FriendlyName "Contoso POP and IMAP" -PrivateKeyExportable $true -Services POP,IMAP,SMTP | Format-List Thumbprint,Services,Subject,CertificateDomains,IsSelfSigned`)
	fields := formatListBlocks(out)
	if len(fields) != 1 {
		t.Fatalf("New-ExchangeCertificate output:\n%s", out)
	}
	f := fields[0]
	if f["Services"] != "IMAP, POP, SMTP" || f["Subject"] != "CN=mail.contoso.com,O=Contoso,C=US" || f["IsSelfSigned"] != "True" ||
		f["CertificateDomains"] != "{mail.contoso.com, autodiscover.contoso.com}" || len(f["Thumbprint"]) != 40 {
		t.Errorf("New-ExchangeCertificate: %v", f)
	}
	if out := in.shellOK(`Get-ExchangeCertificate ` + f["Thumbprint"]); !strings.Contains(out, "IMAP, POP, SMTP") {
		t.Errorf("Get-ExchangeCertificate:\n%s", out)
	}
	in.shellOK(`Set-PopSettings -SSLBindings ` + freeLoopbackAddr(t) + ` -UnencryptedOrTLSBindings ` + freeLoopbackAddr(t) + ` -X509CertificateName mail.contoso.com
Restart-Service MSExchangePOP3BE; Restart-Service MSExchangePOP3`)
	addr := in.service("pop3").Listeners[0]
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	leaf := conn.ConnectionState().PeerCertificates[0]
	conn.Close()
	pub, ok := leaf.PublicKey.(*rsa.PublicKey)
	if !ok || pub.N.BitLen() != 2048 {
		t.Errorf("served key %T", leaf.PublicKey)
	}
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	if _, err := leaf.Verify(x509.VerifyOptions{DNSName: "mail.contoso.com", Roots: roots}); err != nil {
		t.Errorf("the served certificate does not verify as mail.contoso.com: %v", err)
	}
	// The same with openssl, as an administrator would check it.
	if _, err := exec.LookPath("openssl"); err == nil {
		cmd := command(nil, t, "", "openssl", "s_client", "-connect", addr, "-servername", "mail.contoso.com", "-brief")
		cmd.Stdin = strings.NewReader("QUIT\r\n")
		got, _ := cmd.CombinedOutput()
		if !strings.Contains(string(got), "CN=mail.contoso.com") && !strings.Contains(string(got), "CN = mail.contoso.com") {
			t.Errorf("openssl s_client:\n%s", got)
		}
	}

	// Created for no service, then enabled through the pipeline, as
	// Exchange's documents do in two steps; IMAP4 serves it once started.
	out = in.shellOK(`New-ExchangeCertificate -SubjectName "cn=imap.contoso.com" -Services None | Format-List Services`)
	if !strings.Contains(out, "Services : ") || strings.Contains(out, "IMAP") {
		t.Errorf("-Services None:\n%s", out)
	}
	in.shellOK(`New-ExchangeCertificate -SubjectName "cn=imap2.contoso.com" -Services None | Enable-ExchangeCertificate -Services IMAP
Set-ImapSettings -SSLBindings ` + freeLoopbackAddr(t) + ` -UnencryptedOrTLSBindings ` + freeLoopbackAddr(t) + ` -X509CertificateName imap2.contoso.com
Start-Service MSExchangeIMAP4BE; Start-Service MSExchangeIMAP4`)
	if cn := certName(t, in.service("imap4").Listeners[0]); cn != "imap2.contoso.com" {
		t.Errorf("IMAP4 serves %s after Enable-ExchangeCertificate and Start-Service", cn)
	}

	// What is refused, with the reason.
	for src, want := range map[string]string{
		`New-ExchangeCertificate -GenerateRequest -SubjectName "cn=mail.contoso.com" -RequestFile C:\req.txt`: "-GenerateRequest is not supported",
		`New-ExchangeCertificate -SubjectName "cn=mail.contoso.com" -KeySize 1024`:                            "too weak",
		`New-ExchangeCertificate -SubjectName "mail.contoso.com"`:                                             "has no '='",
		`New-ExchangeCertificate -DomainName "bad name.contoso.com"`:                                          "is not a valid host name",
		`New-ExchangeCertificate -SubjectName "cn=x.contoso.com" -Services POP,WEB`:                           "Postern's services are POP, IMAP, SMTP and IIS",
	} {
		if _, errs := in.shellFail(src); !strings.Contains(errs, want) {
			t.Errorf("%s: %s", src, errs)
		}
	}
}

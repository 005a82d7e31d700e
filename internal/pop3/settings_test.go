package pop3_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/csv"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/internal/testkit"
)

// makeCert returns a self-signed certificate and key (PEM) for names.
func makeCert(t *testing.T, names ...string) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: names[0]},
		DNSNames:     names,
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
}

// presented returns the DNS names of the certificate the server shows.
func presented(t *testing.T, addr, sni string) []string {
	t.Helper()
	c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true, ServerName: sni})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.ConnectionState().PeerCertificates[0].DNSNames
}

// TestCertificateByName is spec §11 item 42: X509CertificateName picks the
// certificate for 995 and for STLS, by SAN or wildcard.
func TestCertificateByName(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{}, 0)
	if got := presented(t, s.POP3S, ""); !contains(got, testkit.FQDN) {
		t.Fatalf("default certificate names %q", got)
	}
	cert, key := makeCert(t, "mail.contoso.com", "autodiscover.contoso.com")
	if _, err := s.ImportCertificate(cert, key, "POP"); err != nil {
		t.Fatal(err)
	}
	wc, wk := makeCert(t, "*.fabrikam.com")
	if _, err := s.ImportCertificate(wc, wk); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"mail.contoso.com": "mail.contoso.com", "pop.fabrikam.com": "*.fabrikam.com"} {
		s.SetPop(map[string]string{"X509CertificateName": name})
		s.RestartPOP3()
		if got := presented(t, s.POP3S, ""); !contains(got, want) {
			t.Errorf("X509CertificateName %s: 995 presented %q", name, got)
		}
		c := testkit.Dial(t, s.POP3, nil)
		c.Expect(banner)
		c.Cmd("STLS", "+OK Begin TLS negotiation.")
		tc := tls.Client(c.Conn(), &tls.Config{InsecureSkipVerify: true})
		if err := tc.Handshake(); err != nil {
			t.Fatal(err)
		}
		if got := tc.ConnectionState().PeerCertificates[0].DNSNames; !contains(got, want) {
			t.Errorf("X509CertificateName %s: STLS presented %q", name, got)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestProtocolLog is spec §11 item 41 and §6: files appear under
// LogFileLocation in the 2013+ CSV format, and no password is written.
func TestProtocolLog(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := setup(t, testkit.Options{Pop: map[string]string{"ProtocolLogEnabled": "$true", "LogFileLocation": dir}}, 1)
	c := loginTLS(t, s)
	c.Cmd("STAT", "+OK 1 *")
	c.Cmd("QUIT", signOff)
	c = testkit.Dial(t, s.POP3S, s.ClientTLS("localhost"))
	c.Expect(banner)
	c.Cmd("AUTH PLAIN "+plain("alice@mail.test", "secret1"), logonOK)
	c.Cmd("QUIT", signOff)
	c.Closed()
	if err := s.StopService(context.Background(), "pop3"); err != nil { // flushes the log
		t.Fatal(err)
	}
	s.StopService(context.Background(), "pop3-backend")
	files, _ := filepath.Glob(filepath.Join(dir, "*.LOG"))
	if len(files) < 2 {
		t.Fatalf("log files: %q", files)
	}
	var all strings.Builder
	commands := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		all.Write(b)
		text := string(b)
		if !strings.Contains(text, "#Log-type: POP3 Protocol Log") ||
			!strings.Contains(text, "#Fields: dateTime,sessionId,seqNumber,sIp,cIp,user,duration,rqsize,rpsize,command,parameters,context") {
			t.Errorf("%s: missing header:\n%s", f, text)
		}
		var body []string
		for _, l := range strings.Split(text, "\r\n") {
			if l != "" && !strings.HasPrefix(l, "#") {
				body = append(body, l)
			}
		}
		recs, err := csv.NewReader(strings.NewReader(strings.Join(body, "\n"))).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, r := range recs {
			if len(r) != 12 {
				t.Fatalf("%s: record with %d fields: %q", f, len(r), r)
			}
			commands[r[9]] = true
		}
	}
	for _, cmd := range []string{"OpenSession", "user", "pass", "auth", "stat", "quit", "CloseSession"} {
		if !commands[cmd] {
			t.Errorf("no %q record in the logs (have %v)", cmd, commands)
		}
	}
	if text := all.String(); strings.Contains(text, "secret1") || strings.Contains(text, plain("alice@mail.test", "secret1")) {
		t.Errorf("a password reached the protocol log")
	}
}

// TestTimeouts is spec §11 items 22 and 23, at the smallest valid value:
// idle sessions are closed, and a POP session closed by the time-out
// deletes nothing.
func TestTimeouts(t *testing.T) {
	if testing.Short() {
		t.Skip("takes 30 s")
	}
	t.Parallel()
	s := setup(t, testkit.Options{Pop: map[string]string{
		"PreAuthenticatedConnectionTimeout": "00:00:30", "AuthenticatedConnectionTimeout": "00:00:30"}}, 1)
	pre := testkit.Dial(t, s.POP3, nil)
	pre.Expect(banner)
	auth := loginTLS(t, s)
	auth.Cmd("DELE 1", "+OK*")
	start := time.Now()
	pre.ClosedWithin(time.Minute)
	auth.ClosedWithin(time.Minute)
	if d := time.Since(start); d < 25*time.Second || d > 40*time.Second {
		t.Errorf("closed after %v", d)
	}
	c := loginTLS(t, s)
	c.Cmd("STAT", "+OK 1 *")
}

package tlsconf

import (
	"crypto/x509"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestEnsureSelfSignedCreatesAndReuses(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "certs")
	s := openStore(t, dir, nil)
	c1, err := s.EnsureSelfSigned("Mail.Test")
	if err != nil {
		t.Fatal(err)
	}
	if c1.CertFile != filepath.Join(dir, "mail.test.crt") {
		t.Errorf("CertFile = %q", c1.CertFile)
	}
	if c1.Subject != "CN=mail.test" || !c1.SelfSigned {
		t.Errorf("Subject %q SelfSigned %v", c1.Subject, c1.SelfSigned)
	}
	if !slices.Equal(c1.DNSNames, []string{"mail.test", "localhost"}) {
		t.Errorf("DNSNames = %v", c1.DNSNames)
	}
	wantIPs := []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::1")}
	if !slices.Equal(c1.IPAddresses, wantIPs) {
		t.Errorf("IPAddresses = %v", c1.IPAddresses)
	}
	if !slices.Equal(c1.Services, []string{"IIS", "IMAP", "POP", "SMTP"}) {
		t.Errorf("Services = %v", c1.Services)
	}
	if len(c1.Thumbprint) != 40 || strings.ToUpper(c1.Thumbprint) != c1.Thumbprint {
		t.Errorf("Thumbprint = %q", c1.Thumbprint)
	}
	if c1.NotAfter.Sub(c1.NotBefore) < 9*365*24*time.Hour {
		t.Errorf("validity %v", c1.NotAfter.Sub(c1.NotBefore))
	}
	fi, err := os.Stat(filepath.Join(dir, "mail.test.key"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key mode %v, want 0600", fi.Mode().Perm())
	}

	// The certificate file is a CA file a client can trust for every name.
	pemBytes, err := os.ReadFile(c1.CertFile)
	if err != nil {
		t.Fatal(err)
	}
	leaf := parsePEMCert(t, pemBytes)
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	for _, name := range []string{"mail.test", "localhost", "127.0.0.1", "::1"} {
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: name, Roots: roots}); err != nil {
			t.Errorf("verify %s: %v", name, err)
		}
	}

	// Second call and second start reuse it.
	c2, err := s.EnsureSelfSigned("mail.test")
	if err != nil || c2.Thumbprint != c1.Thumbprint {
		t.Fatalf("second call: %v %s != %s", err, c2.Thumbprint, c1.Thumbprint)
	}
	s2 := openStore(t, dir, nil)
	c3, err := s2.EnsureSelfSigned("mail.test")
	if err != nil || c3.Thumbprint != c1.Thumbprint {
		t.Fatalf("restart: %v %s != %s", err, c3.Thumbprint, c1.Thumbprint)
	}
	if n := len(s2.List()); n != 1 {
		t.Errorf("List has %d certificates", n)
	}
}

func TestEnsureSelfSignedReplacesExpired(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	now := testNow
	s := openStore(t, dir, func() time.Time { return now })
	c1, err := s.EnsureSelfSigned("mail.test")
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(11 * 365 * 24 * time.Hour)
	c2, err := s.EnsureSelfSigned("mail.test")
	if err != nil {
		t.Fatal(err)
	}
	if c2.Thumbprint == c1.Thumbprint || !c2.NotAfter.After(now) {
		t.Errorf("expired certificate not replaced")
	}
	if n := len(s.List()); n != 1 {
		t.Errorf("List has %d certificates", n)
	}
}

func TestEnsureSelfSignedRejectsBadFQDN(t *testing.T) {
	t.Parallel()
	s := openStore(t, t.TempDir(), nil)
	for _, bad := range []string{"", ".", "a..b", "../x", "a/b", "127.0.0.1", "a b", strings.Repeat("a", 64) + ".test"} {
		if _, err := s.EnsureSelfSigned(bad); err == nil {
			t.Errorf("EnsureSelfSigned(%q) succeeded", bad)
		}
	}
}

func TestImportListServicesRemove(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := openStore(t, dir, nil)
	now := time.Now()
	certPEM, keyPEM := makePair(t, "mail.contoso.com", []string{"mail.contoso.com", "autodiscover.contoso.com"}, now.Add(-time.Hour), now.Add(time.Hour))
	c, err := s.Import(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	if c.Thumbprint != Thumbprint(parsePEMCert(t, certPEM).Raw) {
		t.Errorf("thumbprint mismatch")
	}
	if len(c.Services) != 0 || c.Issuer != "CN=mail.contoso.com" {
		t.Errorf("imported: %+v", c)
	}
	if _, err := s.Import(certPEM, keyPEM); !errors.Is(err, ErrExists) {
		t.Errorf("re-import: %v", err)
	}
	_, otherKey := makePair(t, "x", []string{"x"}, now, now.Add(time.Hour))
	if _, err := s.Import(certPEM, otherKey); !errors.Is(err, ErrInvalid) {
		t.Errorf("mismatched key: %v", err)
	}
	if _, err := s.Import([]byte("junk"), keyPEM); !errors.Is(err, ErrInvalid) {
		t.Errorf("junk certificate: %v", err)
	}

	if _, err := s.EnableServices(strings.ToLower(c.Thumbprint), "pop", "IMAP"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.EnableServices(c.Thumbprint, "SMTP", "POP"); err != nil {
		t.Fatal(err)
	}
	var se *ServiceError
	if _, err := s.EnableServices(c.Thumbprint, "FAX"); !errors.As(err, &se) {
		t.Errorf("unknown service: %v", err)
	}
	// A second store on the folder (another process) sees the sidecar.
	list := openStore(t, dir, nil).List()
	if len(list) != 1 || !slices.Equal(list[0].Services, []string{"IMAP", "POP", "SMTP"}) {
		t.Fatalf("List = %+v", list)
	}
	// List returns copies.
	list[0].Services[0] = "changed"
	if s.List()[0].Services[0] != "IMAP" {
		t.Error("List shares its slices")
	}

	if err := s.Remove("0000"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Remove unknown: %v", err)
	}
	if err := s.Remove(c.Thumbprint); err != nil {
		t.Fatal(err)
	}
	if len(s.List()) != 0 {
		t.Error("certificate still listed")
	}
	left, _ := os.ReadDir(dir)
	if len(left) != 0 {
		t.Errorf("files left: %v", left)
	}
}

func TestOpenRejectsBrokenFolder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	now := time.Now()
	certPEM, _ := makePair(t, "a.test", []string{"a.test"}, now, now.Add(time.Hour))
	if err := os.WriteFile(filepath.Join(dir, "a.crt"), certPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(Options{Dir: dir}); err == nil {
		t.Fatal("Open accepted a certificate without key")
	}
}

func TestReloadKeepsSetOnError(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := openStore(t, dir, nil)
	if _, err := s.EnsureSelfSigned("mail.test"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "broken.crt"), []byte("junk"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.Reload(); err == nil {
		t.Fatal("Reload accepted a broken file")
	}
	if len(s.List()) != 1 {
		t.Error("failed Reload dropped the set in use")
	}
}

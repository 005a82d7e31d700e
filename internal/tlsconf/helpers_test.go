package tlsconf

import (
	"crypto/x509"
	"encoding/pem"
	"testing"
	"time"
)

// testNow is the fixed "now" of tests that use a fake clock.
var testNow = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

func openStore(t *testing.T, dir string, now func() time.Time) *Store {
	t.Helper()
	s, err := Open(Options{Dir: dir, Now: now})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

// makePair returns a self-signed certificate and key as PEM.
func makePair(t *testing.T, cn string, names []string, notBefore, notAfter time.Time) (certPEM, keyPEM []byte) {
	t.Helper()
	c, k, err := generate(cn, names, notBefore, notAfter)
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
	return c, k
}

// importPair generates and imports a certificate, returning its thumbprint.
func importPair(t *testing.T, s *Store, cn string, names []string, notBefore, notAfter time.Time) string {
	t.Helper()
	c, k := makePair(t, cn, names, notBefore, notAfter)
	info, err := s.Import(c, k)
	if err != nil {
		t.Fatalf("Import %s: %v", cn, err)
	}
	return info.Thumbprint
}

func parsePEMCert(t *testing.T, b []byte) *x509.Certificate {
	t.Helper()
	blk, _ := pem.Decode(b)
	if blk == nil {
		t.Fatal("no PEM block")
	}
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

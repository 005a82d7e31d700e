package tlsconf

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/netip"
	"strings"
	"time"
)

// selfSignedValidity is how long a generated certificate is valid.
const selfSignedValidity = 10 * 365 * 24 * time.Hour

// selfSignedServices returns the services the generated certificate is
// enabled for, as Exchange enables its own self-signed certificate at setup.
func selfSignedServices() []string {
	return []string{ServiceIIS, ServiceIMAP, ServicePOP, ServiceSMTP}
}

// EnsureSelfSigned returns the server's self-signed certificate for fqdn,
// creating it on first start: ECDSA P-256, valid ten years, CN fqdn, SANs
// fqdn, localhost, 127.0.0.1 and ::1 (clients differ on which name they
// check: ECOSYSTEM.md "Test certificate SANs"). It is stored as
// <dir>/<fqdn>.crt and .key (fqdn lower-cased) and enabled for POP, IMAP,
// SMTP and IIS. Later starts reuse it while it is valid; an expired one is
// replaced.
//
// Cert.CertFile, <dir>/<fqdn>.crt, is the file a client passes as its CA
// (curl --cacert, Python cafile, mbsync CertificateFile).
func (s *Store) EnsureSelfSigned(fqdn string) (Cert, error) {
	name, err := checkFQDN(fqdn)
	if err != nil {
		return Cert{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for _, e := range s.set.Load().entries {
		if e.name == name && now.Before(e.info.NotAfter) {
			return e.publicCopy(), nil
		}
	}
	certPEM, keyPEM, err := generate(name, selfSignedNames(name), now.Add(-time.Hour), now.Add(selfSignedValidity))
	if err != nil {
		return Cert{}, err
	}
	if err := s.writeServices(name, selfSignedServices()); err != nil {
		return Cert{}, fmt.Errorf("tlsconf: %w", err)
	}
	if err := s.writePair(name, certPEM, keyPEM); err != nil {
		return Cert{}, err
	}
	if err := s.reloadLocked(); err != nil {
		return Cert{}, err
	}
	for _, e := range s.set.Load().entries {
		if e.name == name {
			return e.publicCopy(), nil
		}
	}
	return Cert{}, fmt.Errorf("tlsconf: self-signed certificate for %s vanished", name)
}

// selfSignedNames are the SANs of the generated certificate.
func selfSignedNames(fqdn string) []string {
	names := []string{fqdn}
	if fqdn != "localhost" {
		names = append(names, "localhost")
	}
	return append(names, "127.0.0.1", "::1")
}

// checkFQDN folds fqdn and checks that it is a host name usable as a file
// name: dot-separated labels of letters, digits, '-' and '_'.
func checkFQDN(fqdn string) (string, error) {
	name := foldName(fqdn)
	bad := func() (string, error) { return "", fmt.Errorf("tlsconf: invalid server FQDN %q", fqdn) }
	if name == "" || len(name) > 253 {
		return bad()
	}
	if _, err := netip.ParseAddr(name); err == nil {
		return bad()
	}
	for _, label := range strings.Split(name, ".") {
		if label == "" || len(label) > 63 {
			return bad()
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return bad()
			}
		}
	}
	return name, nil
}

// generate creates a self-signed ECDSA P-256 certificate for cn and
// names (see GenerateSelfSigned).
func generate(cn string, names []string, notBefore, notAfter time.Time) (certPEM, keyPEM []byte, err error) {
	return GenerateSelfSigned(SelfSignedRequest{Subject: pkix.Name{CommonName: cn}, Names: names, NotBefore: notBefore, NotAfter: notAfter})
}

// SelfSignedRequest describes a self-signed certificate to generate.
type SelfSignedRequest struct {
	Subject             pkix.Name
	Names               []string // DNS names and IP addresses, the SANs
	NotBefore, NotAfter time.Time
	// RSABits is the RSA key size; 0 means an ECDSA P-256 key.
	RSABits int
}

// GenerateSelfSigned creates a self-signed certificate and returns the
// certificate and PKCS #8 key as PEM. The certificate is shaped like the
// one `openssl req -x509` makes (CA:TRUE, subject and authority key
// identifiers), so that strict verifiers accept it as its own trust
// anchor, and it carries the serverAuth usage.
func GenerateSelfSigned(req SelfSignedRequest) (certPEM, keyPEM []byte, err error) {
	var key crypto.Signer
	usage := x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign
	if req.RSABits > 0 {
		key, err = rsa.GenerateKey(rand.Reader, req.RSABits)
		usage |= x509.KeyUsageKeyEncipherment
	} else {
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("tlsconf: generate key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, fmt.Errorf("tlsconf: serial: %w", err)
	}
	pub, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return nil, nil, fmt.Errorf("tlsconf: %w", err)
	}
	ski := sha1.Sum(pub) // identifier only, not a security use of SHA-1
	tmpl := &x509.Certificate{
		SerialNumber:          serial.Add(serial, big.NewInt(1)), // never zero
		Subject:               req.Subject,
		NotBefore:             req.NotBefore.UTC(),
		NotAfter:              req.NotAfter.UTC(),
		KeyUsage:              usage,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		SubjectKeyId:          ski[:],
		AuthorityKeyId:        ski[:],
	}
	for _, n := range req.Names {
		if ip, err := netip.ParseAddr(n); err == nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, net.IP(ip.AsSlice()))
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, nil, fmt.Errorf("tlsconf: create certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("tlsconf: %w", err)
	}
	certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	return certPEM, keyPEM, nil
}

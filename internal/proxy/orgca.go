package proxy

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"time"
)

// The organisation CA signs one certificate per server; servers of the
// organisation authenticate each other with them on the proxy hop (TLS in
// both directions). A server's certificate names the server in its Subject
// CN and in a URI SAN "postern-server:NAME", which the peer reads back with
// ServerNameOf.

// ServerURIScheme is the scheme of the URI SAN that names a server.
const ServerURIScheme = "postern-server"

const (
	caValidity     = 10 * 365 * 24 * time.Hour
	serverValidity = 365 * 24 * time.Hour
	// backdate covers clocks of the organisation's servers a little behind.
	backdate = time.Hour
)

// NewCA makes the organisation's CA: an ECDSA P-256 key and a self-signed
// certificate valid for 10 years.
func NewCA(org string) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := newSerial()
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{Organization: []string{org}, CommonName: org + " Postern organisation CA"},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(caValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, nil, err
	}
	return encode(der, key)
}

// IssueServerCert signs a certificate for one server with the organisation
// CA: valid for a year, for TLS client and server use, with the server name
// in the Subject CN and a URI SAN, and fqdn and addrs (IP addresses or DNS
// names) as SANs.
func IssueServerCert(caCertPEM, caKeyPEM []byte, serverName, fqdn string, addrs []string) (certPEM, keyPEM []byte, err error) {
	if !validServerName(serverName) {
		return nil, nil, fmt.Errorf("proxy: %q is not a server name", serverName)
	}
	ca, caKey, err := loadCA(caCertPEM, caKeyPEM)
	if err != nil {
		return nil, nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := newSerial()
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{Organization: ca.Subject.Organization, CommonName: serverName},
		NotBefore:    now.Add(-backdate),
		NotAfter:     now.Add(serverValidity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		URIs:         []*url.URL{{Scheme: ServerURIScheme, Opaque: serverName}},
	}
	if fqdn != "" {
		tmpl.DNSNames = append(tmpl.DNSNames, fqdn)
	}
	for _, a := range addrs {
		if ip := net.ParseIP(a); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else if a != "" {
			tmpl.DNSNames = append(tmpl.DNSNames, a)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, key.Public(), caKey)
	if err != nil {
		return nil, nil, err
	}
	return encode(der, key)
}

// ServerNameOf returns the server name a certificate of the organisation
// carries in its postern-server URI SAN.
func ServerNameOf(cert *x509.Certificate) (string, bool) {
	if cert == nil {
		return "", false
	}
	for _, u := range cert.URIs {
		if u.Scheme == ServerURIScheme && validServerName(u.Opaque) {
			return u.Opaque, true
		}
	}
	return "", false
}

// validServerName accepts the names servers get: letters, digits, '-',
// '_' and '.', at most 64.
func validServerName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
		default:
			return false
		}
	}
	return true
}

// FrontendTLS is the client side of the proxy hop: it presents the
// server's certificate and accepts only a backend whose certificate chains
// to the organisation CA and names a server. Host names are not checked
// (servers are reached by address); RemoteBackend.Server pins the name.
func FrontendTLS(caPEM, certPEM, keyPEM []byte) (*tls.Config, error) {
	pool, cert, err := loadPair(caPEM, certPEM, keyPEM)
	if err != nil {
		return nil, err
	}
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{cert},
		RootCAs:      pool,
		// The chain is verified in VerifyConnection, against the
		// organisation CA only and without a host name.
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			_, err := verifyPeer(pool, cs.PeerCertificates, x509.ExtKeyUsageServerAuth)
			return err
		},
	}, nil
}

// BackendTLS is the server side of the proxy hop: a client must present a
// certificate that chains to the organisation CA (and to no other CA) and
// names a server.
func BackendTLS(caPEM, certPEM, keyPEM []byte) (*tls.Config, error) {
	pool, cert, err := loadPair(caPEM, certPEM, keyPEM)
	if err != nil {
		return nil, err
	}
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    pool,
		VerifyConnection: func(cs tls.ConnectionState) error {
			_, err := verifyPeer(pool, cs.PeerCertificates, x509.ExtKeyUsageClientAuth)
			return err
		},
	}, nil
}

// verifyPeer checks that the peer's certificate chains to the organisation
// CA for the usage and names a server; it returns the name.
func verifyPeer(pool *x509.CertPool, certs []*x509.Certificate, usage x509.ExtKeyUsage) (string, error) {
	if len(certs) == 0 {
		return "", errors.New("proxy: peer presented no certificate")
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	if _, err := certs[0].Verify(x509.VerifyOptions{Roots: pool, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{usage}}); err != nil {
		return "", fmt.Errorf("proxy: peer certificate: %w", err)
	}
	name, ok := ServerNameOf(certs[0])
	if !ok {
		return "", errors.New("proxy: peer certificate names no server")
	}
	return name, nil
}

func loadPair(caPEM, certPEM, keyPEM []byte) (*x509.CertPool, tls.Certificate, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, tls.Certificate{}, errors.New("proxy: no organisation CA certificate")
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, tls.Certificate{}, fmt.Errorf("proxy: server certificate: %w", err)
	}
	return pool, cert, nil
}

func loadCA(certPEM, keyPEM []byte) (*x509.Certificate, crypto.Signer, error) {
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, nil, fmt.Errorf("proxy: organisation CA: %w", err)
	}
	ca, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return nil, nil, err
	}
	if !ca.IsCA {
		return nil, nil, errors.New("proxy: organisation CA certificate is not a CA")
	}
	signer, ok := pair.PrivateKey.(crypto.Signer)
	if !ok {
		return nil, nil, errors.New("proxy: organisation CA key cannot sign")
	}
	return ca, signer, nil
}

func newSerial() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
}

func encode(der []byte, key *ecdsa.PrivateKey) (certPEM, keyPEM []byte, err error) {
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})
	return certPEM, keyPEM, nil
}

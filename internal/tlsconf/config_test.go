package tlsconf

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"os"
	"testing"
	"time"
)

// serveTLS accepts connections on a loopback listener with cfg and
// completes each handshake; it returns the address.
func serveTLS(t *testing.T, cfg *tls.Config) string {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(5 * time.Second))
				if c.(*tls.Conn).Handshake() == nil {
					c.Write([]byte("+OK\r\n"))
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// handshake dials addr with cfg and returns the thumbprint of the server's
// leaf certificate.
func handshake(t *testing.T, addr string, cfg *tls.Config) (string, error) {
	t.Helper()
	d := &net.Dialer{Timeout: 5 * time.Second}
	c, err := tls.DialWithDialer(d, "tcp", addr, cfg)
	if err != nil {
		return "", err
	}
	defer c.Close()
	return Thumbprint(c.ConnectionState().PeerCertificates[0].Raw), nil
}

// pool returns a root pool holding the PEM certificate files.
func pool(t *testing.T, files ...string) *x509.CertPool {
	t.Helper()
	p := x509.NewCertPool()
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !p.AppendCertsFromPEM(b) {
			t.Fatalf("no certificate in %s", f)
		}
	}
	return p
}

func TestHandshakeChoosesBySNI(t *testing.T) {
	t.Parallel()
	s := openStore(t, t.TempDir(), nil)
	self, err := s.EnsureSelfSigned("mail.test")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	other := importPair(t, s, "other.test", []string{"other.test"}, now.Add(-time.Hour), now.Add(time.Hour))
	wild := importPair(t, s, "*.wild.test", []string{"*.wild.test"}, now.Add(-time.Hour), now.Add(time.Hour))
	var files []string
	for _, c := range s.List() {
		files = append(files, c.CertFile)
	}
	roots := pool(t, files...)
	addr := serveTLS(t, s.Config(ConfigOptions{CertificateName: "mail.test"}))

	tests := []struct {
		serverName string
		want       string
	}{
		{"localhost", self.Thumbprint},
		{"mail.test", self.Thumbprint},
		{"127.0.0.1", self.Thumbprint}, // an IP: no SNI is sent, the default applies
		{"other.test", other},
		{"x.wild.test", wild},
	}
	for _, tc := range tests {
		got, err := handshake(t, addr, &tls.Config{ServerName: tc.serverName, RootCAs: roots})
		if err != nil {
			t.Errorf("%s: %v", tc.serverName, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%s: got certificate %s, want %s", tc.serverName, got, tc.want)
		}
	}

	// Only the generated file is needed to trust the default certificate.
	selfRoots := pool(t, self.CertFile)
	for _, name := range []string{"localhost", "mail.test", "127.0.0.1"} {
		if _, err := handshake(t, addr, &tls.Config{ServerName: name, RootCAs: selfRoots}); err != nil {
			t.Errorf("trusting %s only, %s: %v", self.CertFile, name, err)
		}
	}

	// An unknown SNI name gets the default certificate, which the client
	// then rejects for the wrong name.
	_, err = handshake(t, addr, &tls.Config{ServerName: "unknown.test", RootCAs: selfRoots})
	var hostErr x509.HostnameError
	if !errors.As(err, &hostErr) || Thumbprint(hostErr.Certificate.Raw) != self.Thumbprint {
		t.Errorf("unknown SNI: %v", err)
	}
}

func TestHandshakeServiceLimitsSNI(t *testing.T) {
	t.Parallel()
	s := openStore(t, t.TempDir(), nil)
	self, err := s.EnsureSelfSigned("mail.test")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	other := importPair(t, s, "other.test", []string{"other.test"}, now.Add(-time.Hour), now.Add(time.Hour))
	addr := serveTLS(t, s.Config(ConfigOptions{CertificateName: "mail.test", Service: ServicePOP}))
	insecure := &tls.Config{ServerName: "other.test", InsecureSkipVerify: true}

	if got, err := handshake(t, addr, insecure); err != nil || got != self.Thumbprint {
		t.Fatalf("not enabled for POP: got %s, %v; want the default", got, err)
	}
	if _, err := s.EnableServices(other, ServicePOP); err != nil {
		t.Fatal(err)
	}
	if got, err := handshake(t, addr, insecure); err != nil || got != other {
		t.Fatalf("enabled for POP: got %s, %v; want %s", got, err, other)
	}
}

func TestReloadAppliesToRunningListener(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := openStore(t, dir, nil)
	if _, err := s.EnsureSelfSigned("mail.test"); err != nil {
		t.Fatal(err)
	}
	addr := serveTLS(t, s.Config(ConfigOptions{CertificateName: "new.test"}))
	insecure := &tls.Config{InsecureSkipVerify: true}
	if _, err := handshake(t, addr, insecure); err == nil {
		t.Fatal("handshake succeeded without a certificate for new.test")
	}

	// The admin CLI (another Store on the folder) imports a certificate.
	now := time.Now()
	tp := importPair(t, openStore(t, dir, nil), "new.test", []string{"new.test"}, now.Add(-time.Hour), now.Add(time.Hour))
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	if got, err := handshake(t, addr, insecure); err != nil || got != tp {
		t.Fatalf("after Reload: %s, %v; want %s", got, err, tp)
	}
}

func TestConfigRefusesOldTLS(t *testing.T) {
	t.Parallel()
	s := openStore(t, t.TempDir(), nil)
	if _, err := s.EnsureSelfSigned("mail.test"); err != nil {
		t.Fatal(err)
	}
	addr := serveTLS(t, s.Config(ConfigOptions{CertificateName: "mail.test"}))
	old := &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}
	if _, err := handshake(t, addr, old); err == nil {
		t.Fatal("TLS 1.1 handshake succeeded")
	}
}

package proxy_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"log/slog"
	"math/big"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/postern/postern/internal/directory"
	"github.com/postern/postern/internal/netserve"
	"github.com/postern/postern/internal/proxy"
	"github.com/postern/postern/internal/testkit"
)

// org is an organisation: its CA and two servers' certificates.
type org struct {
	caCert, caKey []byte
	front, back   *tls.Config // FrontendTLS of EX1, BackendTLS of EX2
	frontPEM      [2][]byte   // EX1's certificate and key
}

// orgs are made once: key generation is the slow part.
var orgs = sync.OnceValues(func() (*[2]org, error) {
	var out [2]org
	for i, name := range []string{"Contoso", "Fabrikam"} {
		o := &out[i]
		var err error
		if o.caCert, o.caKey, err = proxy.NewCA(name); err != nil {
			return nil, err
		}
		c1, k1, err := proxy.IssueServerCert(o.caCert, o.caKey, "EX1", "ex1.example.test", []string{"127.0.0.1"})
		if err != nil {
			return nil, err
		}
		c2, k2, err := proxy.IssueServerCert(o.caCert, o.caKey, "EX2", "ex2.example.test", []string{"127.0.0.1", "ex2"})
		if err != nil {
			return nil, err
		}
		o.frontPEM = [2][]byte{c1, k1}
		if o.front, err = proxy.FrontendTLS(o.caCert, c1, k1); err != nil {
			return nil, err
		}
		if o.back, err = proxy.BackendTLS(o.caCert, c2, k2); err != nil {
			return nil, err
		}
	}
	return &out, nil
})

func testOrgs(t testing.TB) *[2]org {
	t.Helper()
	o, err := orgs()
	if err != nil {
		t.Fatal(err)
	}
	return o
}

var quiet = slog.New(slog.DiscardHandler)

var alice = directory.User{ID: 7, Alias: "alice", Domain: "mail.test", Database: "DB1"}

func lookup(_ context.Context, id int64) (directory.User, error) {
	if id == alice.ID {
		return alice, nil
	}
	return directory.User{}, errors.New("no such user")
}

// echoBackend counts opens; its session answers "echo: LINE", "BYE" to
// QUIT (and ends), and "gone" at the client's end of stream.
type echoBackend struct {
	opens atomic.Int32
	last  atomic.Pointer[proxy.Handoff]
}

func (b *echoBackend) Open(_ context.Context, h proxy.Handoff) (proxy.Session, error) {
	b.opens.Add(1)
	b.last.Store(&h)
	return echoSession{}, nil
}

type echoSession struct{}

func (echoSession) Run(ctx context.Context, c *netserve.Conn) {
	for {
		line, err := c.ReadLine(1024)
		if err != nil {
			c.WriteString("gone\r\n")
			return
		}
		if string(line) == "QUIT" {
			c.WriteString("BYE\r\n")
			return
		}
		c.WriteString("echo: " + string(line) + "\r\n")
		if !c.Pending() {
			if c.Flush() != nil {
				return
			}
		}
	}
}

// startBackend runs a ProxyTargetPort for IMAP4 with b (nil: stopped).
func startBackend(t testing.TB, cfg *tls.Config, b proxy.Backend) string {
	t.Helper()
	h := &proxy.ProxyHandler{
		Protocol:   "IMAP4",
		Backend:    func() proxy.Backend { return b },
		LookupUser: lookup,
		Logger:     quiet,
	}
	return startServer(t, "proxy target", cfg, h)
}

func startServer(t testing.TB, name string, cfg *tls.Config, h netserve.Handler) string {
	t.Helper()
	s, err := netserve.Start(netserve.Options{
		Name:    name,
		Listen:  []netserve.Listen{{Addr: testkit.FreeLoopbackAddr(t), Implicit: cfg != nil}},
		TLS:     cfg,
		Handler: h,
		Logger:  quiet,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Stop(time.Second) })
	return s.Addrs()[0].String()
}

// frontend is a stand-in for a POP3/IMAP frontend after logon: it hands
// each connection to rb as alice and relays, greeting with "+ ready" or
// answering "- ERROR".
type frontend struct {
	rb *proxy.RemoteBackend
}

func (f frontend) Refuse(c *netserve.Conn, reason string) {}

func (f frontend) ServeConn(ctx context.Context, c *netserve.Conn) {
	s, err := f.rb.Open(ctx, proxy.NewHandoff(alice, c, 30*time.Minute, 10240, nil))
	if err != nil {
		c.WriteString("- " + err.Error() + "\r\n")
		return
	}
	c.WriteString("+ ready\r\n")
	s.Run(ctx, c)
}

// handoffLine is a valid line for alice from a client at 192.0.2.1.
func handoffLine(t testing.TB, protocol string, id int64) []byte {
	t.Helper()
	b, err := proxy.WireHandoff{
		Protocol: protocol, UserID: id, UserName: "alice@mail.test", SessionID: "s1",
		Remote: netip.MustParseAddrPort("192.0.2.1:40000"), Local: netip.MustParseAddrPort("198.51.100.1:993"),
		ClientTLS: true, AuthTimeout: time.Minute, MaxCommandSize: 10240,
	}.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func certOf(t testing.TB, pemBytes []byte) *x509.Certificate {
	t.Helper()
	blk, _ := pem.Decode(pemBytes)
	if blk == nil {
		t.Fatal("no PEM block")
	}
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var c1 = netip.MustParseAddrPort("192.0.2.1:40000")

func startStoppable(t testing.TB, h netserve.Handler) (*netserve.Server, error) {
	s, err := netserve.Start(netserve.Options{
		Name:    "frontend",
		Listen:  []netserve.Listen{{Addr: testkit.FreeLoopbackAddr(t)}},
		Handler: h,
	})
	if err == nil {
		t.Cleanup(func() { s.Stop(time.Second) })
	}
	return s, err
}

// unnamedConfig is a client configuration whose certificate the
// organisation CA signed without a server name.
func unnamedConfig(t testing.TB, o *[2]org) *tls.Config {
	t.Helper()
	pair, err := tls.X509KeyPair(o[0].caCert, o[0].caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca := certOf(t, o[0].caCert)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(99),
		Subject:      pkix.Name{CommonName: "EX9"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, key.Public(), pair.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{InsecureSkipVerify: true, Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
}

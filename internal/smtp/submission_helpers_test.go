package smtp

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/postern/postern/internal/directory"
	"github.com/postern/postern/internal/login"
	"github.com/postern/postern/internal/netserve"
	"github.com/postern/postern/internal/tlsconf"
)

// The test organisation: accepted domain mx.test; alice, bob and the
// built-in administrator have mailboxes, all with password "pw".
var testUsers = map[string]directory.User{
	"alice":         {ID: 1, Alias: "alice", Domain: "mx.test"},
	"bob":           {ID: 2, Alias: "bob", Domain: "mx.test"},
	"administrator": {ID: 3, Alias: "administrator", Domain: "mx.test"},
}

// fakeDirectory is the test organisation's Directory and login.Verifier.
type fakeDirectory struct {
	verifies atomic.Int32 // credential checks, to prove refusals check none
}

func (d *fakeDirectory) AcceptedDomain(ctx context.Context, domain string) (bool, error) {
	return strings.EqualFold(domain, "mx.test"), nil
}

func (d *fakeDirectory) SendAs(ctx context.Context, u directory.User, addr string) (bool, error) {
	return strings.EqualFold(addr, u.Address()), nil
}

func (d *fakeDirectory) Verify(ctx context.Context, name, password string) (directory.User, error) {
	d.verifies.Add(1)
	n, err := directory.Canonical(name)
	if err != nil {
		return directory.User{}, directory.ErrBadName
	}
	u, ok := testUsers[n.Alias]
	if !ok || n.Domain != "" && n.Domain != u.Domain {
		return directory.User{}, directory.ErrNotFound
	}
	if password != "pw" {
		return directory.User{}, directory.ErrBadPassword
	}
	return u, nil
}

// subServer is one receive connector's SMTP service on loopback.
type subServer struct {
	addr      string
	d         *fakeDeliverer
	dir       *fakeDirectory
	clientTLS *tls.Config
	panics    atomic.Int32
}

// testCerts makes one self-signed certificate for mx.test per test binary.
var testCerts = sync.OnceValues(func() (*tlsconf.Store, error) {
	dir, err := os.MkdirTemp("", "smtp-certs-")
	if err != nil {
		return nil, err
	}
	st, err := tlsconf.Open(tlsconf.Options{Dir: dir})
	if err != nil {
		return nil, err
	}
	_, err = st.EnsureSelfSigned("mx.test")
	return st, err
})

// clientOptions are the Client Frontend's settings (spec 8.1): Tls,
// BasicAuth, BasicAuthRequireTLS for ExchangeUsers.
func clientOptions(o *SubmissionOptions) {
	o.StartTLS, o.BasicAuth, o.BasicAuthRequireTLS, o.ExchangeUsers = true, true, true, true
}

// defaultOptions are the Default Frontend's: anonymous senders too.
func defaultOptions(o *SubmissionOptions) {
	clientOptions(o)
	o.AnonymousUsers = true
}

// startSubmission serves a connector with the options mod sets, on
// 127.0.0.1, with implicit TLS if implicit. A panic in a session fails
// the test.
func startSubmission(t *testing.T, implicit bool, mods ...func(*SubmissionOptions)) *subServer {
	t.Helper()
	certs, err := testCerts()
	if err != nil {
		t.Fatal(err)
	}
	ts := &subServer{d: newFakeDeliverer(), dir: &fakeDirectory{}}
	log := slog.New(panicWatch{slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}), &ts.panics})
	o := SubmissionOptions{
		Connector: "Test",
		Hostname:  "mx.test",
		Deliverer: ts.d,
		Directory: ts.dir,
		SpoolDir:  t.TempDir(),
		Logger:    log,
		Engine:    login.NewEngine(login.Options{Protocol: "SMTP", Verifier: ts.dir, Logger: log}),
	}
	for _, m := range mods {
		m(&o)
	}
	h, err := NewSubmissionServer(o)
	if err != nil {
		t.Fatal(err)
	}
	h.now = func() time.Time { return testNow }
	srv, err := netserve.Start(netserve.Options{
		Name:    "smtp",
		Listen:  []netserve.Listen{{Addr: "127.0.0.1:0", Implicit: implicit}},
		TLS:     certs.Config(tlsconf.ConfigOptions{CertificateName: "mx.test"}),
		Handler: h,
		Logger:  log,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		srv.Stop(time.Second)
		if n := ts.panics.Load(); n > 0 {
			t.Errorf("%d session(s) panicked", n)
		}
	})
	ts.addr = srv.Addrs()[0].String()
	pem, err := os.ReadFile(certs.List()[0].CertFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	ts.clientTLS = &tls.Config{RootCAs: pool, ServerName: "mx.test"}
	return ts
}

// panicWatch counts the "panic in session" records netserve logs when it
// recovers a session.
type panicWatch struct {
	slog.Handler
	n *atomic.Int32
}

func (h panicWatch) Handle(ctx context.Context, r slog.Record) error {
	if strings.HasPrefix(r.Message, "panic in") {
		h.n.Add(1)
	}
	return h.Handler.Handle(ctx, r)
}

func (h panicWatch) WithAttrs(as []slog.Attr) slog.Handler {
	return panicWatch{h.Handler.WithAttrs(as), h.n}
}

func (h panicWatch) WithGroup(name string) slog.Handler {
	return panicWatch{h.Handler.WithGroup(name), h.n}
}

// greeted connects (in TLS for an implicit-TLS server) and reads the
// banner.
func (ts *subServer) greeted(t *testing.T, implicit bool) *tconn {
	t.Helper()
	c := ts.dialPlain(t)
	if implicit {
		c.startTLS(ts.clientTLS)
	}
	c.expect("220 mx.test Postern ESMTP MAIL service ready at Fri, 02 Jan 2026 03:04:05 +0000")
	return c
}

func (ts *subServer) dialPlain(t *testing.T) *tconn {
	t.Helper()
	return (&testServer{addr: ts.addr}).dial(t)
}

// startTLS upgrades the client side of a transcript.
func (tc *tconn) startTLS(cfg *tls.Config) {
	tc.t.Helper()
	c := tls.Client(tc.c, cfg)
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if err := c.Handshake(); err != nil {
		tc.t.Fatalf("TLS handshake: %v", err)
	}
	c.SetDeadline(time.Time{})
	tc.c = c
	tc.r = bufio.NewReader(c)
}

// ehlo sends EHLO and returns the reply's keywords after the hello line,
// checking the hello line.
func (tc *tconn) ehlo(host string) []string {
	tc.t.Helper()
	tc.send("EHLO client.test\r\n")
	var keys []string
	for i := 0; ; i++ {
		tc.c.SetReadDeadline(time.Now().Add(10 * time.Second))
		line, err := tc.r.ReadString('\n')
		if err != nil {
			tc.t.Fatalf("EHLO reply: %q, %v", line, err)
		}
		line = strings.TrimSuffix(line, "\r\n")
		if i == 0 {
			if want := host + " Hello [127.0.0.1]"; len(line) < 4 || line[4:] != want || !strings.HasPrefix(line, "250") {
				tc.t.Fatalf("EHLO first line %q, want 250-%s", line, want)
			}
		} else {
			keys = append(keys, line[4:])
		}
		if !strings.HasPrefix(line, "250-") {
			if !strings.HasPrefix(line, "250 ") {
				tc.t.Fatalf("EHLO reply line %q", line)
			}
			return keys
		}
	}
}

// login authenticates with AUTH PLAIN and an initial response.
func (tc *tconn) login(user string) {
	tc.t.Helper()
	tc.do("AUTH PLAIN "+plainIR(user, "pw"), "235 2.7.0 Authentication successful")
}

// plainIR is the base64 PLAIN initial response for user and password.
func plainIR(user, pw string) string {
	return b64("\x00" + user + "\x00" + pw)
}

// tlsReady connects to the Client Frontend-like server, upgrades with
// STARTTLS and says EHLO again.
func (ts *subServer) tlsReady(t *testing.T) *tconn {
	t.Helper()
	c := ts.greeted(t, false)
	c.ehlo("mx.test")
	c.do("STARTTLS", "220 2.0.0 SMTP server ready")
	c.startTLS(ts.clientTLS)
	c.ehlo("mx.test")
	return c
}

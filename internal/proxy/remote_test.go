package proxy_test

import (
	"bufio"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/internal/netserve"
	"github.com/postern/postern/internal/proxy"
	"github.com/postern/postern/internal/testkit"
)

func TestCertificates(t *testing.T) {
	o := testOrgs(t)
	c := certOf(t, o[0].frontPEM[0])
	if name, ok := proxy.ServerNameOf(c); !ok || name != "EX1" || c.Subject.CommonName != "EX1" {
		t.Errorf("server name %q %v, CN %q", name, ok, c.Subject.CommonName)
	}
	if len(c.IPAddresses) != 1 || c.IPAddresses[0].String() != "127.0.0.1" || len(c.DNSNames) != 1 || c.DNSNames[0] != "ex1.example.test" {
		t.Errorf("SANs %v %v", c.IPAddresses, c.DNSNames)
	}
	if d := time.Until(c.NotAfter); d < 364*24*time.Hour || d > 366*24*time.Hour {
		t.Errorf("server certificate valid for %v", d)
	}
	ca := certOf(t, o[0].caCert)
	if !ca.IsCA || time.Until(ca.NotAfter) < 9*365*24*time.Hour {
		t.Errorf("CA: IsCA %v until %v", ca.IsCA, ca.NotAfter)
	}
	if _, ok := proxy.ServerNameOf(ca); ok {
		t.Error("the CA names a server")
	}
	if _, _, err := proxy.IssueServerCert(o[0].caCert, o[0].caKey, "bad name", "", nil); err == nil {
		t.Error("a server name with a space was accepted")
	}
	if _, _, err := proxy.IssueServerCert(o[0].frontPEM[0], o[0].frontPEM[1], "EX3", "", nil); err == nil {
		t.Error("a server certificate signed another")
	}
}

func TestRelay(t *testing.T) {
	o := testOrgs(t)
	be := &echoBackend{}
	back := startBackend(t, o[0].back, be)
	front := startServer(t, "frontend", nil, frontend{&proxy.RemoteBackend{Addr: back, TLS: o[0].front, Protocol: "IMAP4", Server: "EX2"}})
	c := testkit.Dial(t, front, nil)
	// Sent before the handoff is done: buffered in the frontend's reader,
	// relayed first.
	c.Send("one\r\ntwo\r\n")
	c.Expect("+ ready")
	c.Expect("echo: one")
	c.Expect("echo: two")
	c.Cmd("three", "echo: three")
	big := strings.Repeat("x", 1000)
	c.Cmd(big, "echo: "+big)
	c.Send("QUIT\r\n")
	if rest := c.Closed(); len(rest) != 1 || rest[0] != "BYE" {
		t.Errorf("after QUIT: %q", rest)
	}
	h := be.last.Load()
	if be.opens.Load() != 1 || h.User.ID != alice.ID || h.Remote.String() != c.Conn().LocalAddr().String() || !h.Local.IsValid() || h.ClientTLS ||
		h.AuthTimeout != 30*time.Minute || h.MaxCommandSize != 10240 || h.Log == nil || h.SessionID == "" {
		t.Errorf("opens %d, handoff %+v", be.opens.Load(), h)
	}
}

// The client closes first: the backend sees the end of stream, and what it
// says last still reaches the client.
func TestRelayClientCloses(t *testing.T) {
	o := testOrgs(t)
	back := startBackend(t, o[0].back, &echoBackend{})
	front := startServer(t, "frontend", nil, frontend{&proxy.RemoteBackend{Addr: back, TLS: o[0].front, Protocol: "IMAP4"}})
	c := testkit.Dial(t, front, nil)
	c.Expect("+ ready")
	c.Send("last\r\n")
	c.Conn().(*net.TCPConn).CloseWrite()
	c.Expect("echo: last")
	if rest := c.Closed(); len(rest) != 1 || rest[0] != "gone" {
		t.Errorf("after the client's close: %q", rest)
	}
}

// Stopping the frontend ends a relayed session.
func TestRelayStop(t *testing.T) {
	o := testOrgs(t)
	back := startBackend(t, o[0].back, &echoBackend{})
	s, err := startStoppable(t, frontend{&proxy.RemoteBackend{Addr: back, TLS: o[0].front, Protocol: "IMAP4"}})
	if err != nil {
		t.Fatal(err)
	}
	c := testkit.Dial(t, s.Addrs()[0].String(), nil)
	c.Expect("+ ready")
	c.Cmd("x", "echo: x")
	done := make(chan struct{})
	go func() { s.Stop(5 * time.Second); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		t.Fatal("the frontend did not stop within 3 s")
	}
	c.Closed()
}

func TestOpenRefused(t *testing.T) {
	o := testOrgs(t)
	be := &echoBackend{}
	back := startBackend(t, o[0].back, be)
	stopped := startBackend(t, o[0].back, nil)
	for _, tc := range []struct {
		name string
		rb   proxy.RemoteBackend
		user int64
		want error
	}{
		{"wrong protocol", proxy.RemoteBackend{Addr: back, TLS: o[0].front, Protocol: "POP3"}, alice.ID, proxy.ErrBackendRefused},
		{"unknown user", proxy.RemoteBackend{Addr: back, TLS: o[0].front, Protocol: "IMAP4"}, 99, proxy.ErrBackendStopped},
		{"backend stopped", proxy.RemoteBackend{Addr: stopped, TLS: o[0].front, Protocol: "IMAP4"}, alice.ID, proxy.ErrBackendStopped},
		{"another server", proxy.RemoteBackend{Addr: back, TLS: o[0].front, Protocol: "IMAP4", Server: "EX3"}, alice.ID, proxy.ErrBackendStopped},
		{"backend of another organisation", proxy.RemoteBackend{Addr: startBackend(t, o[1].back, be), TLS: o[0].front, Protocol: "IMAP4"}, alice.ID, proxy.ErrBackendStopped},
		{"frontend of another organisation", proxy.RemoteBackend{Addr: back, TLS: o[1].front, Protocol: "IMAP4"}, alice.ID, proxy.ErrBackendStopped},
		{"nothing listening", proxy.RemoteBackend{Addr: testkit.FreeLoopbackAddr(t), TLS: o[0].front, Protocol: "IMAP4", DialTimeout: time.Second}, alice.ID, proxy.ErrBackendStopped},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := alice
			u.ID = tc.user
			s, err := tc.rb.Open(t.Context(), proxy.Handoff{User: u, SessionID: "s", Remote: c1, Local: c1, MaxCommandSize: 100})
			if s != nil || !errors.Is(err, tc.want) {
				t.Errorf("Open: %v, %v; want %v", s, err, tc.want)
			}
		})
	}
	if n := be.opens.Load(); n != 0 {
		t.Errorf("backend opened %d sessions", n)
	}
}

// rawBackend dials the ProxyTargetPort with cfg, sends text and returns
// what comes back until the backend closes (or an error).
func rawBackend(t *testing.T, addr string, cfg *tls.Config, text string) (string, error) {
	t.Helper()
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, cfg)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(15 * time.Second))
	if _, err := io.WriteString(conn, text); err != nil {
		return "", err
	}
	b, err := io.ReadAll(bufio.NewReader(conn))
	return string(b), err
}

func TestProxyTargetRefuses(t *testing.T) {
	o := testOrgs(t)
	be := &echoBackend{}
	back := startBackend(t, o[0].back, be)
	noCert := &tls.Config{InsecureSkipVerify: true}
	line := string(handoffLine(t, "IMAP4", alice.ID))
	if got, err := rawBackend(t, back, noCert, line); err == nil {
		t.Errorf("without a client certificate: %q", got)
	}
	if got, err := rawBackend(t, back, o[1].front, line); err == nil {
		t.Errorf("with another organisation's certificate: %q", got)
	}
	unnamed := unnamedConfig(t, o)
	if got, err := rawBackend(t, back, unnamed, line); err == nil && got != "" {
		t.Errorf("with a certificate that names no server: %q", got)
	}
	for _, tc := range []struct{ name, send, want string }{
		{"garbage", "garbage\r\n", "NO perm bad handoff\r\n"},
		{"too long", strings.Repeat("x", 5000) + "\r\n", "NO perm bad handoff\r\n"},
		{"version 2", strings.Replace(line, `"v":1`, `"v":2`, 1), "NO perm bad handoff\r\n"},
		{"wrong protocol", string(handoffLine(t, "POP3", alice.ID)), "NO perm wrong protocol\r\n"},
		{"unknown user", string(handoffLine(t, "IMAP4", 99)), "NO temp user not found\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := rawBackend(t, back, o[0].front, tc.send)
			if got != tc.want {
				t.Errorf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	if n := be.opens.Load(); n != 0 {
		t.Errorf("backend opened %d sessions", n)
	}
	// And a good line is served.
	if got, _ := rawBackend(t, back, o[0].front, line+"QUIT\r\n"); got != "OK\r\nBYE\r\n" {
		t.Errorf("good handoff: %q", got)
	}
	if h := be.last.Load(); h == nil || h.Remote.String() != "192.0.2.1:40000" || h.SessionID != "s1" || h.AuthTimeout != time.Minute {
		t.Errorf("handoff %+v", h)
	}
}

// A frontend that connects and sends nothing is dropped after the handoff
// time-out.
func TestProxyTargetHandoffTimeout(t *testing.T) {
	o := testOrgs(t)
	h := &proxy.ProxyHandler{Protocol: "IMAP4", Backend: func() proxy.Backend { return &echoBackend{} }, LookupUser: lookup, Logger: quiet, HandoffTimeout: 200 * time.Millisecond}
	back := startServer(t, "proxy target", o[0].back, h)
	start := time.Now()
	got, _ := rawBackend(t, back, o[0].front, "")
	if got != "" || time.Since(start) > 5*time.Second {
		t.Errorf("got %q after %v", got, time.Since(start))
	}
}

// A proxy target over its MaxConnections answers "NO temp", which the
// frontend takes as the backend being unavailable.
func TestProxyTargetOverLimit(t *testing.T) {
	o := testOrgs(t)
	s, err := netserve.Start(netserve.Options{
		Name:   "proxy target",
		Listen: []netserve.Listen{{Addr: testkit.FreeLoopbackAddr(t), Implicit: true}},
		TLS:    o[0].back,
		Handler: &proxy.ProxyHandler{Protocol: "IMAP4", Backend: func() proxy.Backend { return &echoBackend{} },
			LookupUser: lookup, Logger: quiet},
		Logger:   quiet,
		MaxConns: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop(time.Second)
	rb := &proxy.RemoteBackend{Addr: s.Addrs()[0].String(), TLS: o[0].front, Protocol: "IMAP4"}
	h := proxy.Handoff{User: alice, SessionID: "s", Remote: c1, Local: c1}
	first, err := rb.Open(t.Context(), h)
	if err != nil {
		t.Fatal(err)
	}
	_ = first // held open, not run
	if _, err := rb.Open(t.Context(), h); !errors.Is(err, proxy.ErrBackendStopped) || !strings.Contains(err.Error(), "MaxConnections") {
		t.Errorf("over the limit: %v", err)
	}
}

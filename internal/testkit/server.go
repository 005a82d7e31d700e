// Package testkit holds test helpers only: a real Postern server on loopback
// with its own data folder and ephemeral ports, and a transcript client
// for line protocols. Nothing here is mocked: tests get the real store,
// the real directory, real TLS and real listeners.
package testkit

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/internal/config"
	"github.com/postern/postern/internal/login"
	"github.com/postern/postern/internal/server"
)

// FQDN is the name of every test server; the self-signed certificate
// carries it, localhost and 127.0.0.1.
const FQDN = "mail.test"

// Server is a running test server.
type Server struct {
	*server.Server
	t testing.TB
	// Addresses of the listeners, filled at start and by RestartPOP3 and
	// RestartIMAP.
	POP3S, POP3, IMAPS, IMAP, LMTP string
	// Submission and SMTP are the loopback addresses of the "Client
	// Frontend" (587) and "Default Frontend" (25) receive connectors,
	// filled at start and by RestartSMTP.
	Submission, SMTP string
	// Web is the web service's HTTPS address, filled at start and by
	// RestartWeb.
	Web string
}

// Options adjust a test server.
type Options struct {
	// Pop are POP3 settings to apply (Name=Value texts) before the POP3
	// services start.
	Pop map[string]string
	// Imap are IMAP4 settings to apply before the IMAP4 services start.
	Imap map[string]string
	// NoPOP3 and NoIMAP leave those services stopped.
	NoPOP3, NoIMAP bool
	// FastLogons answers failed logons at once and with no penalty, for
	// fuzz targets that fail many logons from one address.
	FastLogons bool
}

// Start starts a server on a fresh data folder with every listener on
// 127.0.0.1 and a free port, the transport and POP3 services running.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	ctx := context.Background()
	level := slog.LevelWarn
	if testing.Verbose() {
		level = slog.LevelDebug
	}
	log := slog.New(panicCatcher{slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}), t})
	s, err := server.Open(ctx, server.Options{
		DataDir:    t.TempDir(),
		FQDN:       FQDN,
		Local:      true, // nothing but loopback, even before the tests rebind
		Logger:     log,
		HashParams: server.HashParams{MemoryKiB: 1024, Time: 1, Threads: 1},
		// Nothing listens on the default ports (24, 25, 443, 587) that
		// another test, or the machine's own MTA, may hold.
		NoAutostart: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	ts := &Server{Server: s, t: t}
	t.Cleanup(func() { s.Close() })
	if o.FastLogons {
		s.Throttle().SetOptions(login.ThrottleOptions{MaxPenalty: time.Millisecond, PerMinute: 1 << 20, PerAccountSource: 1 << 20, FailureDelay: -1})
	}
	if _, err := s.SetTransportBindings(ctx, []string{FreeLoopbackAddr(t)}); err != nil {
		t.Fatal(err)
	}
	if err := s.RestartService(ctx, "transport"); err != nil {
		t.Fatal(err)
	}
	ts.LMTP = ts.listener("transport", 0)
	ts.loopbackSMTP()
	ts.loopbackWeb()
	ts.SetPop(ts.loopbackBindings())
	ts.SetPop(o.Pop)
	ts.SetImap(ts.loopbackBindings())
	ts.SetImap(o.Imap)
	if !o.NoPOP3 {
		ts.RestartPOP3()
	}
	if !o.NoIMAP {
		ts.RestartIMAP()
	}
	return ts
}

// loopbackBindings are POP3 or IMAP4 settings that move both listeners to
// free ports on 127.0.0.1.
func (s *Server) loopbackBindings() map[string]string {
	s.t.Helper()
	return map[string]string{"SSLBindings": FreeLoopbackAddr(s.t), "UnencryptedOrTLSBindings": FreeLoopbackAddr(s.t)}
}

// SetPop stores POP3 settings given as Name=Value texts (not applied until
// RestartPOP3).
func (s *Server) SetPop(texts map[string]string) {
	s.t.Helper()
	s.setSettings(config.ProtocolPOP3, texts)
}

// SetImap stores IMAP4 settings (not applied until RestartIMAP).
func (s *Server) SetImap(texts map[string]string) {
	s.t.Helper()
	s.setSettings(config.ProtocolIMAP4, texts)
}

func (s *Server) setSettings(protocol string, texts map[string]string) {
	s.t.Helper()
	_, err := s.UpdateSettings(context.Background(), protocol, func(ps *config.ProtocolSettings) error {
		for k, v := range texts {
			if err := ps.Set(k, v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		s.t.Fatal(err)
	}
}

// RestartPOP3 restarts both POP3 services and records their addresses.
func (s *Server) RestartPOP3() {
	s.t.Helper()
	s.POP3S, s.POP3 = s.restart("pop3")
}

// RestartIMAP restarts both IMAP4 services and records their addresses.
func (s *Server) RestartIMAP() {
	s.t.Helper()
	s.IMAPS, s.IMAP = s.restart("imap4")
}

// restart restarts a protocol's backend and frontend and returns the
// frontend's implicit-TLS and plain addresses.
func (s *Server) restart(service string) (tlsAddr, plainAddr string) {
	s.t.Helper()
	ctx := context.Background()
	for _, name := range []string{service + "-backend", service} {
		if err := s.RestartService(ctx, name); err != nil {
			s.t.Fatal(err)
		}
	}
	return s.listener(service, 0), s.listener(service, 1)
}

func (s *Server) listener(service string, i int) string {
	s.t.Helper()
	st, err := s.Service(context.Background(), service)
	if err != nil {
		s.t.Fatal(err)
	}
	if len(st.Listeners) <= i {
		return ""
	}
	return st.Listeners[i]
}

// AddUser creates a user.
func (s *Server) AddUser(address, password string) {
	s.t.Helper()
	if _, err := s.Server.AddUser(context.Background(), address, password, "", ""); err != nil {
		s.t.Fatal(err)
	}
}

// Deliver delivers a message (LF or CRLF line endings) to recipients.
func (s *Server) Deliver(msg string, to ...string) {
	s.t.Helper()
	for i, err := range s.DeliverLocal(context.Background(), to, strings.NewReader(msg)) {
		if err != nil {
			s.t.Fatalf("deliver to %s: %v", to[i], err)
		}
	}
}

// ClientTLS returns a client configuration that trusts the server's
// self-signed certificate, for server name name.
func (s *Server) ClientTLS(name string) *tls.Config {
	s.t.Helper()
	pem, err := os.ReadFile(s.CertificatePath())
	if err != nil {
		s.t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		s.t.Fatal("no certificate in", s.CertificatePath())
	}
	return &tls.Config{RootCAs: pool, ServerName: name}
}

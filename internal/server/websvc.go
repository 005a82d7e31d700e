package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/postern/postern/internal/config"
	"github.com/postern/postern/internal/directory"
	"github.com/postern/postern/internal/netserve"
	"github.com/postern/postern/internal/tlsconf"
	"github.com/postern/postern/internal/web"
)

// The web service is Outlook on the web's POP and IMAP settings page, and
// the automatic configuration documents (package web), over HTTPS. It reads
// what it shows when it starts (spec §7: a web-tier restart applies
// changes): the POP3 and IMAP4 ExternalConnectionSettings and the receive
// connector that advertises its settings.

// keyWeb is the directory key of the web service's settings.
const keyWeb = "web"

// saveDefaultWeb stores a fresh server's web settings, local and shifted
// like the other services'.
func (s *Server) saveDefaultWeb(ctx context.Context, d defaults) error {
	ws := config.DefaultWebSettings(s.fqdn)
	ws.Bindings = d.bindings(ws.Bindings)
	for i, b := range ws.Bindings {
		p := int(b.Port()) + d.offset
		if p < 1 || p > 65535 {
			return fmt.Errorf("port offset %d moves the web port %d out of range", d.offset, b.Port())
		}
		ws.Bindings[i] = config.NewBinding(b.Addr(), uint16(p))
	}
	return s.saveJSON(ctx, keyWeb, ws)
}

// Web returns the web service's settings (the defaults for a data folder
// made before the service existed).
func (s *Server) Web(ctx context.Context) (config.WebSettings, error) {
	ws := config.DefaultWebSettings(s.fqdn)
	b, err := s.dir.Setting(ctx, s.name, keyWeb)
	if errors.Is(err, directory.ErrNotFound) {
		return ws, nil
	}
	if err != nil {
		return ws, err
	}
	if err := json.Unmarshal(b, &ws); err != nil {
		return ws, fmt.Errorf("web settings: %w", err)
	}
	return ws, nil
}

// SetWeb changes the web settings given as Name=Value texts (Bindings,
// X509CertificateName); nothing is stored on error. The running service
// keeps its settings until restarted.
func (s *Server) SetWeb(ctx context.Context, texts map[string]string) (config.WebSettings, error) {
	ws, err := s.Web(ctx)
	if err != nil {
		return ws, err
	}
	next := ws
	for name, v := range texts {
		if err := next.Set(name, v); err != nil {
			return ws, err
		}
	}
	return next, s.saveJSON(ctx, keyWeb, next)
}

// published reads what the settings page shows: the protocols'
// ExternalConnectionSettings and the advertised receive connector, the
// "Client Frontend" one first.
func (s *Server) published(ctx context.Context) (web.Published, error) {
	var p web.Published
	pop, err := s.Settings(ctx, config.ProtocolPOP3)
	if err != nil {
		return p, err
	}
	imap, err := s.Settings(ctx, config.ProtocolIMAP4)
	if err != nil {
		return p, err
	}
	p.POP, p.IMAP = pop.ExternalConnectionSettings, imap.ExternalConnectionSettings
	list, err := s.Connectors(ctx)
	if err != nil {
		return p, err
	}
	for _, first := range []bool{true, false} {
		for _, c := range list {
			isClient := strings.EqualFold(c.Name, "Client Frontend "+s.name)
			if p.SMTP == nil && c.Enabled && c.AdvertiseClientSettings && isClient == first {
				p.SMTP = s.advertised(c)
			}
		}
	}
	return p, nil
}

// advertised is the endpoint a connector advertises: its Fqdn, its first
// binding's port (the port it listens on, when bound to port 0) and its
// encryption.
func (s *Server) advertised(c config.ReceiveConnector) *config.ConnectionSetting {
	cs := &config.ConnectionSetting{Host: c.Fqdn, Port: config.SubmissionPort}
	if len(c.Bindings) > 0 {
		cs.Port = int(c.Bindings[0].Port())
	}
	if cs.Port == 0 {
		if st := s.ConnectorState(c.Name); len(st.Listening) > 0 {
			if ap, err := netip.ParseAddrPort(st.Listening[0]); err == nil {
				cs.Port = int(ap.Port())
			}
		}
	}
	switch {
	case c.ImplicitTls:
		cs.Encryption = config.EncryptionSSL
	case c.AuthMechanism.Has(config.AuthTLS):
		cs.Encryption = config.EncryptionTLS
	}
	return cs
}

// webInstance is the running web service.
type webInstance struct {
	srv *http.Server
	lns []net.Listener
}

func (wi *webInstance) listeners() []string {
	var out []string
	for _, ln := range wi.lns {
		out = append(out, ln.Addr().String())
	}
	return out
}

func (wi *webInstance) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), stopGrace)
	defer cancel()
	if wi.srv.Shutdown(ctx) != nil {
		wi.srv.Close()
	}
}

// startWeb starts the HTTPS listeners with the settings stored now.
func (s *Server) startWeb(ctx context.Context) (instance, error) {
	ws, err := s.Web(ctx)
	if err != nil {
		return nil, err
	}
	pub, err := s.published(ctx)
	if err != nil {
		return nil, err
	}
	log := s.log.With("service", "web")
	h, err := web.New(web.Options{Accounts: s.dir, Published: pub, ServerName: s.fqdn, Logger: log, Throttle: s.throttle})
	if err != nil {
		return nil, err
	}
	certName := ws.X509CertificateName
	if certName == "" {
		certName = s.fqdn
	}
	tc := s.certs.Config(tlsconf.ConfigOptions{CertificateName: certName, Service: tlsconf.ServiceIIS})
	tc.NextProtos = []string{"h2", "http/1.1"}
	wi := &webInstance{srv: &http.Server{
		Handler:           h,
		TLSConfig:         tc,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
		// TLS handshake failures and the like: noise at Info.
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}}
	for _, b := range ws.Bindings {
		ln, err := netserve.Bind(b.String())
		if err != nil {
			for _, l := range wi.lns {
				l.Close()
			}
			return nil, fmt.Errorf("web: %w", err)
		}
		wi.lns = append(wi.lns, ln)
	}
	for _, ln := range wi.lns {
		go wi.srv.ServeTLS(netserve.LimitListener(ln, maxWebConns), "", "")
	}
	return wi, nil
}

// maxWebConns bounds the web service's open connections per listener;
// past it, Accept waits for one to close.
const maxWebConns = 1000

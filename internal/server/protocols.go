package server

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/postern/postern/internal/admin/api"
	"github.com/postern/postern/internal/config"
	"github.com/postern/postern/internal/directory"
	"github.com/postern/postern/internal/imap"
	imapbackend "github.com/postern/postern/internal/imap/backend"
	"github.com/postern/postern/internal/login"
	"github.com/postern/postern/internal/netserve"
	"github.com/postern/postern/internal/pop3"
	popbackend "github.com/postern/postern/internal/pop3/backend"
	"github.com/postern/postern/internal/protolog"
	"github.com/postern/postern/internal/proxy"
	"github.com/postern/postern/internal/tlsconf"
)

// stopGrace is how long a stopping service lets its sessions say goodbye.
const stopGrace = 5 * time.Second

// protocol describes how one client protocol's two services are built.
type protocol struct {
	name       string // config.ProtocolPOP3 or config.ProtocolIMAP4
	service    string // "pop3"; the backend is service + "-backend"
	exName     string // "MSExchangePOP3"; the backend adds "BE"
	display    string
	logDir     string // folder under <data>/Logging
	tlsService string // tlsconf service the certificate is enabled for
	// frontend builds the pre-login adapter; ps are the settings it reads
	// beyond o.
	frontend func(o login.FrontendOptions, ps config.ProtocolSettings) netserve.Handler
	// backend builds the backend from the settings.
	backend func(s *Server, ps config.ProtocolSettings, plog *protolog.Logger) stoppableBackend
}

type stoppableBackend interface {
	proxy.Backend
	Stop(grace time.Duration)
	EndDatabase(name string) int
	EndUser(id int64) int
}

var protocols = []protocol{
	{
		name: config.ProtocolPOP3, service: "pop3", exName: "MSExchangePOP3", display: "Postern POP3", logDir: "Pop3", tlsService: tlsconf.ServicePOP,
		frontend: func(o login.FrontendOptions, _ config.ProtocolSettings) netserve.Handler { return pop3.NewFrontend(o) },

		backend: func(s *Server, ps config.ProtocolSettings, plog *protolog.Logger) stoppableBackend {
			return popbackend.New(popbackend.Options{
				Descending: ps.MessageRetrievalSortOrder == config.SortDescending, ExactSize: ps.EnableExactRFC822Size,
				Store: s.Store, Logger: s.log.With("service", "pop3-backend"), ProtoLog: plog, CreateMailbox: s.cluster != nil,
			})
		},
	},
	{
		name: config.ProtocolIMAP4, service: "imap4", exName: "MSExchangeIMAP4", display: "Postern IMAP4", logDir: "Imap4", tlsService: tlsconf.ServiceIMAP,
		frontend: func(o login.FrontendOptions, ps config.ProtocolSettings) netserve.Handler {
			return imap.NewFrontend(o).ExchangeCapabilitiesOnly(ps.AdvertiseExchangeCapabilitiesOnly)
		},

		backend: func(s *Server, ps config.ProtocolSettings, plog *protolog.Logger) stoppableBackend {
			return imapbackend.New(imapbackend.Options{
				ShowHidden: ps.ShowHiddenFoldersEnabled, Store: s.Store, CreateMailbox: s.cluster != nil,
				ExchangeCapabilitiesOnly: ps.AdvertiseExchangeCapabilitiesOnly,
				Logger:                   s.log.With("service", "imap4-backend"), ProtoLog: plog,
			})
		},
	},
}

// backends holds the running local backend of each protocol, for the
// router; nil while the backend service is stopped.
type backends struct {
	m map[string]*atomic.Pointer[backendInstance]
}

func (s *Server) localBackend(protocol string) proxy.Backend {
	if p, ok := s.backends.m[protocol]; ok {
		if b := p.Load(); b != nil {
			return b
		}
	}
	return nil
}

func (s *Server) registerServices() {
	s.services = []*service{{name: "transport", exName: "MSExchangeTransport", display: "Postern Transport", deflt: api.Automatic, start: s.startTransport},
		{name: "smtp", exName: "MSExchangeFrontEndTransport", display: "Postern Front End Transport", deflt: api.Automatic, start: s.startSMTP},
		{name: "web", exName: "MSExchangeOWA", display: "Postern Web", deflt: api.Automatic, start: s.startWeb}}
	s.backends.m = map[string]*atomic.Pointer[backendInstance]{}
	for _, p := range protocols {
		s.backends.m[p.name] = &atomic.Pointer[backendInstance]{}
		s.services = append(s.services,
			&service{name: p.service + "-backend", exName: p.exName + "BE", display: p.display + " Backend", deflt: api.Manual,
				start: func(ctx context.Context) (instance, error) { return s.startBackend(ctx, p) }},
			&service{name: p.service, exName: p.exName, display: p.display, deflt: api.Manual,
				start: func(ctx context.Context) (instance, error) { return s.startFrontend(ctx, p) },
				binds: s.frontendBinds(p)})
	}
}

// openProtoLog opens a protocol log if the settings turn it on.
func (s *Server) openProtoLog(ps config.ProtocolSettings, prefix, sub string) (*protolog.Logger, error) {
	if !ps.ProtocolLogEnabled {
		return nil, nil
	}
	dir := ps.LogFileLocation
	if dir == "" {
		dir = filepath.Join(s.dataDir, "Logging", sub)
	}
	quota := int64(0)
	if ps.LogPerFileSizeQuota.IsUnlimited() {
		quota = protolog.Unlimited
	} else if n, ok := ps.LogPerFileSizeQuota.Bytes(); ok {
		quota = int64(n)
	}
	return protolog.Open(protolog.Options{
		Dir:         dir,
		LogType:     ps.Protocol + " Protocol Log",
		FilePrefix:  prefix,
		RollOver:    protolog.Period(ps.LogFileRollOverSettings),
		MaxFileSize: quota,
		ErrorLog:    s.log,
	})
}

// frontendInstance is a running frontend service.
type frontendInstance struct {
	srv  *netserve.Server
	plog *protolog.Logger
}

func (f *frontendInstance) listeners() []string { return addrStrings(f.srv) }

func (f *frontendInstance) stop() {
	f.srv.Stop(stopGrace)
	f.plog.Close()
}

func addrStrings(srv *netserve.Server) []string {
	var out []string
	for _, a := range srv.Addrs() {
		out = append(out, a.String())
	}
	return out
}

// startFrontend starts a protocol's frontend with the settings stored now.
func (s *Server) startFrontend(ctx context.Context, p protocol) (instance, error) {
	ps, err := s.Settings(ctx, p.name)
	if err != nil {
		return nil, err
	}
	plog, err := s.openProtoLog(ps, p.name, p.logDir)
	if err != nil {
		return nil, err
	}
	log := s.log.With("service", p.service)
	lo := login.Options{
		Protocol:     p.name,
		Verifier:     s.dir,
		Permit:       s.permit(p.name),
		MaxPerUser:   ps.MaxConnectionsPerUser,
		FailureDelay: -1, // the logon setting
		Throttle:     s.throttle,
		Logger:       log,
	}
	if p.name == config.ProtocolIMAP4 {
		lo.Delegation = s.dir // delegate logon is IMAP4's (spec §1)
	}
	engine := login.NewEngine(lo)
	handler := p.frontend(login.FrontendOptions{
		Banner:         ps.Banner,
		LoginType:      login.Type(ps.LoginType),
		MaxCommandSize: ps.MaxCommandSize,
		PreAuthTimeout: ps.PreAuthenticatedConnectionTimeout.Duration(),
		AuthTimeout:    ps.AuthenticatedConnectionTimeout.Duration(),
		Engine:         engine,
		Router:         s.router(),
		Logger:         log,
		ProtoLog:       plog,
	}, ps)
	srv, err := netserve.Start(netserve.Options{
		Name:             p.service,
		Listen:           listens(ps),
		TLS:              s.certs.Config(tlsconf.ConfigOptions{CertificateName: ps.X509CertificateName, Service: p.tlsService}),
		Handler:          handler,
		Logger:           log,
		MaxConns:         ps.MaxConnections,
		MaxPerIP:         ps.MaxConnectionFromSingleIP,
		HandshakeTimeout: ps.PreAuthenticatedConnectionTimeout.Duration(),
	})
	if err != nil {
		plog.Close()
		return nil, err
	}
	return &frontendInstance{srv: srv, plog: plog}, nil
}

// listens turns the bindings into listeners: SSLBindings are implicit TLS,
// UnencryptedOrTLSBindings plain with STLS/STARTTLS.
func listens(ps config.ProtocolSettings) []netserve.Listen {
	var out []netserve.Listen
	for _, b := range ps.SSLBindings {
		out = append(out, netserve.Listen{Addr: b.String(), Implicit: true})
	}
	for _, b := range ps.UnencryptedOrTLSBindings {
		out = append(out, netserve.Listen{Addr: b.String()})
	}
	return out
}

// permit returns the per-mailbox protocol check (PopEnabled/ImapEnabled).
func (s *Server) permit(protocol string) func(u directory.User) error {
	return func(u directory.User) error {
		m, err := config.LoadCASMailbox(u.CAS)
		if err != nil {
			s.log.Error("per-mailbox settings unreadable", "user", u.Address(), "err", err)
			return login.ErrTemporary
		}
		if (protocol == config.ProtocolPOP3 && !m.PopEnabled) || (protocol == config.ProtocolIMAP4 && !m.ImapEnabled) {
			return login.ErrDisabled
		}
		return nil
	}
}

// backendInstance is a running backend service; in cluster mode it also
// listens on ProxyTargetPort for the other servers' frontends.
type backendInstance struct {
	stoppableBackend
	// refuse answers an error for a user whose sessions must wait (a
	// mailbox being moved, or that has left the database named).
	refuse func(id int64, database string) error
	slot   *atomic.Pointer[backendInstance]
	plog   *protolog.Logger
	proxy  *netserve.Server // nil but in cluster mode
}

func (b *backendInstance) listeners() []string {
	if b.proxy == nil {
		return nil
	}
	return addrStrings(b.proxy)
}

// Open opens a session unless the user's mailbox is being moved.
func (b *backendInstance) Open(ctx context.Context, h proxy.Handoff) (proxy.Session, error) {
	if err := b.refuse(h.User.ID, h.User.Database); err != nil {
		return nil, err
	}
	return b.stoppableBackend.Open(ctx, h)
}

func (b *backendInstance) stop() {
	if b.proxy != nil {
		b.proxy.Stop(stopGrace)
	}
	if b.slot.CompareAndSwap(b, nil) {
		b.stoppableBackend.Stop(stopGrace)
	}
	b.plog.Close()
}

// startBackend starts a protocol's backend with the settings stored now.
func (s *Server) startBackend(ctx context.Context, p protocol) (instance, error) {
	ps, err := s.Settings(ctx, p.name)
	if err != nil {
		return nil, err
	}
	plog, err := s.openProtoLog(ps, p.name+"BE", p.logDir)
	if err != nil {
		return nil, err
	}
	b := &backendInstance{stoppableBackend: p.backend(s, ps, plog), refuse: s.refuseMoving, slot: s.backends.m[p.name], plog: plog}
	if s.cluster != nil {
		log := s.log.With("service", p.service+"-backend")
		tr, err := s.Transport(ctx)
		if err != nil {
			b.Stop(0)
			plog.Close()
			return nil, err
		}
		maxSize := tr.MaxMessageSize + 64<<10 // and the Received header the sender added
		b.proxy, err = netserve.Start(netserve.Options{
			Name:   p.service + "-backend",
			Listen: []netserve.Listen{{Addr: s.proxyListenAddr(ps.ProxyTargetPort), Implicit: true}},
			TLS:    s.cluster.back,
			Handler: &proxy.ProxyHandler{Protocol: p.name, Backend: func() proxy.Backend { return s.localBackend(p.name) },
				LookupUser: s.dir.UserByID, Logger: log, Deliver: s.deliverHere, MaxDeliverSize: maxSize},
			Logger:           log,
			HandshakeTimeout: 10 * time.Second,
		})
		if err != nil {
			b.Stop(0)
			plog.Close()
			return nil, fmt.Errorf("ProxyTargetPort: %w", err)
		}
	}
	b.slot.Store(b)
	return b, nil
}

// router finds the backend for an authenticated user: in process when
// the mailbox's database is active here, else (cluster mode) the backend
// of the server holding it.
func (s *Server) router() *proxy.Router {
	r := &proxy.Router{Directory: s.dir, Server: s.name, Local: s.localBackend}
	if s.cluster != nil {
		r.Locate = s.activeServer
		r.Remote = s.remoteBackend
	}
	return r
}

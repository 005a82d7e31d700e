package server

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/postern/postern/internal/config"
	"github.com/postern/postern/internal/directory"
	"github.com/postern/postern/internal/login"
	"github.com/postern/postern/internal/netserve"
	"github.com/postern/postern/internal/pop3"
	"github.com/postern/postern/internal/pop3/backend"
	"github.com/postern/postern/internal/protolog"
	"github.com/postern/postern/internal/proxy"
	"github.com/postern/postern/internal/tlsconf"
)

// stopGrace is how long a stopping service lets its sessions say goodbye.
const stopGrace = 5 * time.Second

// backends holds the running local backend of each protocol, for the
// router; nil while the backend service is stopped.
type backends struct {
	pop3 atomic.Pointer[backendInstance]
}

func (s *Server) localBackend(protocol string) proxy.Backend {
	if protocol == config.ProtocolPOP3 {
		if b := s.backends.pop3.Load(); b != nil {
			return b
		}
	}
	return nil
}

func (s *Server) registerServices() {
	s.services = []*service{
		{name: "transport", exName: "MSExchangeTransport", display: "Postern Transport", deflt: Automatic, start: s.startTransport},
		{name: "pop3-backend", exName: "MSExchangePOP3BE", display: "Postern POP3 Backend", deflt: Manual, start: s.startPop3Backend},
		{name: "pop3", exName: "MSExchangePOP3", display: "Postern POP3", deflt: Manual, start: s.startPop3},
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

// frontendInstance is a running pop3 service.
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

// startPop3 starts the POP3 frontend with the settings stored now.
func (s *Server) startPop3(ctx context.Context) (instance, error) {
	ps, err := s.Settings(ctx, config.ProtocolPOP3)
	if err != nil {
		return nil, err
	}
	plog, err := s.openProtoLog(ps, "POP3", "Pop3")
	if err != nil {
		return nil, err
	}
	log := s.log.With("service", "pop3")
	engine := login.NewEngine(login.Options{
		Protocol:     config.ProtocolPOP3,
		Verifier:     s.dir,
		Permit:       s.permit(config.ProtocolPOP3),
		MaxPerUser:   ps.MaxConnectionsPerUser,
		FailureDelay: time.Second,
		Logger:       log,
	})
	fe := pop3.NewFrontend(pop3.FrontendOptions{
		Banner:         ps.Banner,
		LoginType:      login.Type(ps.LoginType),
		MaxCommandSize: ps.MaxCommandSize,
		PreAuthTimeout: ps.PreAuthenticatedConnectionTimeout.Duration(),
		AuthTimeout:    ps.AuthenticatedConnectionTimeout.Duration(),
		Engine:         engine,
		Router:         &proxy.Router{Directory: s.dir, Server: s.name, Local: s.localBackend},
		Logger:         log,
		ProtoLog:       plog,
	})
	srv, err := netserve.Start(netserve.Options{
		Name:             "pop3",
		Listen:           listens(ps),
		TLS:              s.certs.Config(tlsconf.ConfigOptions{CertificateName: ps.X509CertificateName, Service: tlsconf.ServicePOP}),
		Handler:          fe,
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

// backendInstance is a running pop3-backend service.
type backendInstance struct {
	*backend.Backend
	s    *Server
	plog *protolog.Logger
}

func (b *backendInstance) listeners() []string { return nil }

func (b *backendInstance) stop() {
	if b.s.backends.pop3.CompareAndSwap(b, nil) {
		b.Backend.Stop(stopGrace)
	}
	b.plog.Close()
}

// startPop3Backend starts the POP3 backend with the settings stored now.
func (s *Server) startPop3Backend(ctx context.Context) (instance, error) {
	ps, err := s.Settings(ctx, config.ProtocolPOP3)
	if err != nil {
		return nil, err
	}
	plog, err := s.openProtoLog(ps, "POP3BE", "Pop3")
	if err != nil {
		return nil, err
	}
	b := &backendInstance{s: s, plog: plog, Backend: backend.New(backend.Options{
		Descending: ps.MessageRetrievalSortOrder == config.SortDescending,
		ExactSize:  ps.EnableExactRFC822Size,
		Store:      s.Store,
		Logger:     s.log.With("service", "pop3-backend"),
		ProtoLog:   plog,
	})}
	s.backends.pop3.Store(b)
	return b, nil
}

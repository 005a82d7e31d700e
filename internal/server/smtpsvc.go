package server

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/postern/postern/internal/config"
	"github.com/postern/postern/internal/directory"
	"github.com/postern/postern/internal/login"
	"github.com/postern/postern/internal/netserve"
	"github.com/postern/postern/internal/protolog"
	"github.com/postern/postern/internal/smtp"
	"github.com/postern/postern/internal/tlsconf"
)

// The smtp service is Exchange's Front End Transport: one set of
// listeners per enabled receive connector, each running the SMTP session
// of package smtp with the connector's policy. Local recipients are
// delivered through the same Deliverer as LMTP (delivery), durably before
// the 250. Remote recipients of clients with relay rights go to the
// outbound queue, durably before the 250 too; the transport service
// delivers them.
//
// A connector whose bindings cannot be bound does not stop the others:
// its error is shown by ConnectorState (`postern connector list`). If no
// connector at all can listen, the service fails to start and the error
// shows in `postern service list`, as for the other services; the server
// itself goes on.

// smtpInstance is the running smtp service.
type smtpInstance struct {
	runs []connectorRun // in connector order
	plog *protolog.Logger
}

// connectorRun is one connector of a running smtp service.
type connectorRun struct {
	name string
	srv  *netserve.Server // nil when disabled or failed
	err  error
}

func (i *smtpInstance) listeners() []string {
	var out []string
	for _, r := range i.runs {
		if r.srv != nil {
			out = append(out, addrStrings(r.srv)...)
		}
	}
	return out
}

func (i *smtpInstance) stop() {
	for _, r := range i.runs {
		if r.srv != nil {
			r.srv.Stop(stopGrace)
		}
	}
	i.plog.Close()
}

// ConnectorStatus is where a receive connector listens while the smtp
// service runs, or why it does not.
type ConnectorStatus struct {
	Listening []string `json:"listening,omitempty"`
	Error     string   `json:"error,omitempty"`
}

// ConnectorState reports a receive connector's listeners in the running
// smtp service (nothing while the service is stopped, or for a
// connector created or enabled since it started).
func (s *Server) ConnectorState(name string) ConnectorStatus {
	sv, err := s.lookupService("smtp")
	if err != nil {
		return ConnectorStatus{}
	}
	sv.mu.Lock()
	defer sv.mu.Unlock()
	inst, ok := sv.running.(*smtpInstance)
	if !ok {
		return ConnectorStatus{}
	}
	for _, r := range inst.runs {
		if strings.EqualFold(r.name, name) {
			st := ConnectorStatus{}
			if r.srv != nil {
				st.Listening = addrStrings(r.srv)
			}
			if r.err != nil {
				st.Error = r.err.Error()
			}
			return st
		}
	}
	return ConnectorStatus{}
}

// startSMTP starts the smtp service with the connectors stored now.
func (s *Server) startSMTP(ctx context.Context) (instance, error) {
	list, err := s.Connectors(ctx)
	if err != nil {
		return nil, err
	}
	spool := filepath.Join(s.dataDir, "spool")
	if err := os.MkdirAll(spool, 0o700); err != nil {
		return nil, err
	}
	inst := &smtpInstance{}
	for _, c := range list {
		if c.Enabled && c.ProtocolLoggingLevel == config.LoggingVerbose && inst.plog == nil {
			if inst.plog, err = s.openSMTPLog(); err != nil {
				return nil, err
			}
		}
	}
	var failed []error
	listening := 0
	for _, c := range list {
		r := connectorRun{name: c.Name}
		if c.Enabled {
			r.srv, r.err = s.startConnector(c, spool, inst.plog)
		}
		if r.err != nil {
			s.log.Error("receive connector failed to start", "connector", c.Name, "err", r.err)
			failed = append(failed, r.err)
		}
		if r.srv != nil {
			listening++
		}
		inst.runs = append(inst.runs, r)
	}
	if listening == 0 && len(failed) > 0 {
		inst.stop()
		return nil, errors.Join(failed...)
	}
	return inst, nil
}

// openSMTPLog opens the receive protocol log shared by the connectors
// whose ProtocolLoggingLevel is Verbose.
func (s *Server) openSMTPLog() (*protolog.Logger, error) {
	return protolog.Open(protolog.Options{
		Dir:         filepath.Join(s.dataDir, "Logging", "SmtpReceive"),
		LogType:     "SMTP Receive Protocol Log",
		FilePrefix:  "RECV",
		RollOver:    protolog.Daily,
		MaxFileSize: 10 << 20,
		ErrorLog:    s.log,
	})
}

// startConnector binds one receive connector.
func (s *Server) startConnector(c config.ReceiveConnector, spool string, plog *protolog.Logger) (*netserve.Server, error) {
	log := s.log.With("service", "smtp", "connector", c.Name)
	o := submissionOptions(c)
	o.SpoolDir, o.Deliverer, o.Directory, o.Logger = spool, delivery{s}, smtpDirectory{s}, log
	o.Queue = outbound{s}
	if c.ProtocolLoggingLevel == config.LoggingVerbose {
		o.ProtoLog = plog
	}
	if o.BasicAuth {
		o.Engine = login.NewEngine(login.Options{
			Protocol:     "SMTP",
			Verifier:     s.dir,
			FailureDelay: c.AuthTarpitInterval.Duration(),
			Throttle:     s.throttle,
			Logger:       log,
		})
	}
	handler, err := smtp.NewSubmissionServer(o)
	if err != nil {
		return nil, err
	}
	no := netserve.Options{
		Name:             "smtp",
		Handler:          handler,
		Logger:           log,
		HandshakeTimeout: c.ConnectionInactivityTimeout.Duration(),
	}
	if c.AuthMechanism.Has(config.AuthTLS) {
		no.TLS = s.certs.Config(tlsconf.ConfigOptions{CertificateName: c.CertificateName(), Service: tlsconf.ServiceSMTP})
	}
	for _, b := range c.Bindings {
		no.Listen = append(no.Listen, netserve.Listen{Addr: b.String(), Implicit: c.ImplicitTls})
	}
	if n, ok := c.MaxInboundConnection.Value(); ok {
		no.MaxConns = n
	}
	if n, ok := c.MaxInboundConnectionPerSource.Value(); ok {
		no.MaxPerIP = n
	}
	srv, err := netserve.Start(no)
	if err != nil {
		return nil, fmt.Errorf("receive connector %q: %w", c.Name, err)
	}
	return srv, nil
}

// submissionOptions turns a connector's settings into the session's
// options (everything but the parts the server wires in).
func submissionOptions(c config.ReceiveConnector) smtp.SubmissionOptions {
	m := c.AuthMechanism
	p := c.PermissionGroups
	size, _ := c.MaxMessageSize.Bytes()
	maxErrors := -1 // unlimited
	if n, ok := c.MaxProtocolErrors.Value(); ok {
		maxErrors = n + 1 // n errors are accepted; the next one closes
	}
	return smtp.SubmissionOptions{
		Connector:             c.Name,
		Hostname:              c.Fqdn,
		Banner:                strings.TrimPrefix(c.Banner, "220 "),
		StartTLS:              m.Has(config.AuthTLS) && !c.ImplicitTls,
		BasicAuth:             m.Has(config.AuthBasicAuth),
		BasicAuthRequireTLS:   m.Has(config.AuthBasicAuthRequireTLS),
		RequireTLS:            c.RequireTLS,
		ExternalAuthoritative: m.Has(config.AuthExternalAuthoritative),
		AnonymousUsers:        p.Has(config.PermAnonymousUsers),
		ExchangeUsers:         p.Has(config.PermExchangeUsers),
		ExchangeServers:       p.Has(config.PermExchangeServers),
		MaxMessageSize:        int64(size),
		MaxRecipients:         c.MaxRecipientsPerMessage,
		MaxErrors:             maxErrors,
		MaxLogonFailures:      c.MaxLogonFailures,
		InactivityTimeout:     c.ConnectionInactivityTimeout.Duration(),
		ConnectionTimeout:     c.ConnectionTimeout.Duration(),
	}
}

// smtpDirectory answers the SMTP session's address questions from the
// directory.
type smtpDirectory struct{ s *Server }

// AcceptedDomain reports whether domain is an accepted domain.
func (d smtpDirectory) AcceptedDomain(ctx context.Context, domain string) (bool, error) {
	domains, err := d.s.dir.AcceptedDomains(ctx)
	if err != nil {
		return false, err
	}
	for _, a := range domains {
		if strings.EqualFold(a, domain) {
			return true, nil
		}
	}
	return false, nil
}

// SendAs reports whether addr resolves to user's own mailbox.
func (d smtpDirectory) SendAs(ctx context.Context, user directory.User, addr string) (bool, error) {
	u, err := d.s.dir.Lookup(ctx, addr)
	if errors.Is(err, directory.ErrNotFound) || errors.Is(err, directory.ErrBadName) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return u.ID == user.ID, nil
}

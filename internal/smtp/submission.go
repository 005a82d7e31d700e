package smtp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync/atomic"
	"time"

	"github.com/postern/postern/internal/directory"
	"github.com/postern/postern/internal/login"
	"github.com/postern/postern/internal/netserve"
	"github.com/postern/postern/internal/protolog"
	"github.com/postern/postern/internal/smtp/wire"
)

// SubmissionOptions configure a SubmissionServer: the SMTP service of one
// receive connector (spec section 8), with its settings already turned
// into plain values by the caller. Zero fields take the defaults where
// one is named.
type SubmissionOptions struct {
	// Connector names the receive connector, for logs.
	Connector string
	// Hostname is the connector's Fqdn: in the greeting, the EHLO reply
	// and the Received header field. Required.
	Hostname string
	// Banner is the greeting text after "220 "; empty means "<Hostname>
	// Postern ESMTP MAIL service ready at <date>".
	Banner string

	// StartTLS offers STARTTLS on a clear connection that can upgrade
	// (AuthMechanism Tls).
	StartTLS bool
	// BasicAuth offers AUTH PLAIN and LOGIN (AuthMechanism BasicAuth);
	// with BasicAuthRequireTLS only under TLS.
	BasicAuth           bool
	BasicAuthRequireTLS bool
	// RequireTLS refuses MAIL on a connection that is not encrypted.
	RequireTLS bool
	// ExternalAuthoritative gives every client the ExchangeServers rights
	// (AuthMechanism ExternalAuthoritative with that group).
	ExternalAuthoritative bool

	// The PermissionGroups that grant rights. AnonymousUsers: clients
	// that did not authenticate may send to the accepted domains, from
	// senders outside them. ExchangeUsers: authenticated users may send
	// to anyone, as themselves. ExchangeServers: with
	// ExternalAuthoritative, any sender to anyone.
	AnonymousUsers  bool
	ExchangeUsers   bool
	ExchangeServers bool

	// MaxMessageSize is the largest message, advertised as SIZE. Default
	// DefaultMaxMessageSize.
	MaxMessageSize int64
	// MaxRecipients is the most RCPTs per message (452 4.5.3 beyond).
	// Default DefaultMaxRecipients.
	MaxRecipients int
	// MaxLineLength is the longest command line, at least MinLineLength.
	// Default DefaultMaxLineLength.
	MaxLineLength int
	// MaxErrors is the number of rejected commands (500-504) after which
	// the connection is closed; negative means no limit. Default 6
	// (Exchange's MaxProtocolErrors 5, plus the one that closes).
	MaxErrors int
	// MaxLogonFailures is the number of failed AUTH after which the
	// connection is closed; 0 never closes.
	MaxLogonFailures int
	// InactivityTimeout bounds each wait for the client and each write.
	// Default 5 minutes.
	InactivityTimeout time.Duration
	// ConnectionTimeout bounds the connection's whole life; 0 means no
	// bound.
	ConnectionTimeout time.Duration

	// SpoolDir and SpoolThreshold are as in LMTPOptions.
	SpoolDir       string
	SpoolThreshold int64

	// Deliverer stores mail for local recipients. Required.
	Deliverer Deliverer
	// Queue takes mail for remote recipients from clients with relay
	// rights; nil refuses them.
	Queue Queue
	// Directory answers the address questions. Required.
	Directory Directory
	// Engine verifies credentials (blocked accounts, the throttle, the
	// tarpit). Required when BasicAuth is set.
	Engine *login.Engine
	// Logger gets session events; nil discards them.
	Logger *slog.Logger
	// ProtoLog is the protocol log; nil when ProtocolLoggingLevel is None.
	ProtoLog *protolog.Logger
}

// Directory answers the questions about addresses an SMTP session asks.
type Directory interface {
	// AcceptedDomain reports whether mail for domain (as written in a
	// path) is this organisation's to deliver.
	AcceptedDomain(ctx context.Context, domain string) (bool, error)
	// SendAs reports whether user may send with addr as the sender, in
	// MAIL FROM and in the From header field.
	SendAs(ctx context.Context, user directory.User, addr string) (bool, error)
}

// Queue is the durable outbound queue.
type Queue interface {
	// Enqueue stores the message for the remote rcpts durably before it
	// returns nil. body yields exactly size octets, as for Deliverer.
	Enqueue(ctx context.Context, from string, rcpts []string, body io.Reader, size int64) error
}

// DefaultInactivityTimeout is Exchange's ConnectionInactivityTimeout.
const DefaultInactivityTimeout = 5 * time.Minute

func (o SubmissionOptions) withDefaults() SubmissionOptions {
	if o.MaxMessageSize == 0 {
		o.MaxMessageSize = DefaultMaxMessageSize
	}
	if o.MaxRecipients == 0 {
		o.MaxRecipients = DefaultMaxRecipients
	}
	if o.MaxLineLength == 0 {
		o.MaxLineLength = DefaultMaxLineLength
	}
	if o.MaxErrors == 0 {
		o.MaxErrors = 6
	}
	if o.InactivityTimeout == 0 {
		o.InactivityTimeout = DefaultInactivityTimeout
	}
	if o.SpoolDir == "" {
		o.SpoolDir = os.TempDir()
	}
	if o.SpoolThreshold == 0 {
		o.SpoolThreshold = DefaultSpoolThreshold
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Validate checks o after defaults are applied.
func (o SubmissionOptions) Validate() error {
	var errs []error
	if _, err := wire.ParseHelloName(o.Hostname); err != nil {
		errs = append(errs, fmt.Errorf("Hostname %q is not a host name", o.Hostname))
	}
	if o.MaxMessageSize < 0 || o.MaxRecipients < 0 || o.MaxLogonFailures < 0 || o.InactivityTimeout < 0 || o.ConnectionTimeout < 0 {
		errs = append(errs, errors.New("limits and time-outs must not be negative"))
	}
	if o.MaxLineLength < MinLineLength {
		errs = append(errs, fmt.Errorf("MaxLineLength must be at least %d", MinLineLength))
	}
	if o.Deliverer == nil || o.Directory == nil {
		errs = append(errs, errors.New("Deliverer and Directory are required"))
	}
	if o.BasicAuth && o.Engine == nil {
		errs = append(errs, errors.New("BasicAuth needs an Engine"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("smtp: submission options: %w", err)
	}
	return nil
}

// SubmissionServer serves SMTP (RFC 5321) and message submission (RFC
// 6409) for one receive connector on connections netserve hands it,
// implicit TLS included. It is a netserve.Handler and is safe for
// concurrent use.
type SubmissionServer struct {
	opts    SubmissionOptions
	proto   protocol
	connSeq atomic.Uint64
	bootID  string
	now     func() time.Time
}

// NewSubmissionServer checks o, fills in defaults and returns a server.
func NewSubmissionServer(o SubmissionOptions) (*SubmissionServer, error) {
	o = o.withDefaults()
	if err := o.Validate(); err != nil {
		return nil, err
	}
	return &SubmissionServer{
		opts:   o,
		proto:  protocol{name: "smtp", hello: "EHLO", commands: submissionCommands(), greet: greetSMTP, maxJunk: maxJunk},
		bootID: randomID(4),
		now:    time.Now,
	}, nil
}

// submissionCommands is the SMTP command table (RFC 5321 4.1.4 for the
// order; RFC 3207 STARTTLS and RFC 4954 AUTH only outside a transaction
// and before authentication).
func submissionCommands() map[string]command {
	notImplemented := command{allowed: anyState, junk: true, handle: (*session).cmdNotImplemented}
	return map[string]command{
		"EHLO":     {allowed: anyState, junk: true, handle: (*session).cmdEHLO},
		"HELO":     {allowed: anyState, junk: true, handle: (*session).cmdHELO},
		"STARTTLS": {allowed: stateReady, sequence: "Not allowed in a mail transaction", preAuth: true, handle: (*session).cmdSTARTTLS},
		"AUTH":     {allowed: stateReady, sequence: "Not allowed in a mail transaction", preAuth: true, handle: (*session).cmdAUTH},
		"MAIL":     {allowed: stateReady, sequence: "Nested MAIL command", handle: (*session).cmdSubmitMAIL},
		"RCPT":     {allowed: stateMail | stateRcpt, sequence: "Need MAIL command", handle: (*session).cmdSubmitRCPT},
		"DATA":     {allowed: stateRcpt, sequence: "No valid recipients", handle: (*session).cmdSubmitDATA},
		"RSET":     {allowed: anyState, junk: true, handle: (*session).cmdRSET},
		"NOOP":     {allowed: anyState, junk: true, handle: (*session).cmdNOOP},
		"VRFY":     {allowed: anyState, junk: true, handle: (*session).cmdVRFY},
		"QUIT":     {allowed: anyState, handle: (*session).cmdQUIT},
		"EXPN":     notImplemented,
		"HELP":     notImplemented,
		"BDAT":     {allowed: anyState, handle: (*session).cmdBDAT},
		"ETRN":     notImplemented,
		"TURN":     notImplemented,
	}
}

// upgrader is what the SMTP session needs from its connection:
// *netserve.Conn, or a fake in tests.
type upgrader interface {
	NetConn() net.Conn
	IsTLS() bool
	CanStartTLS() bool
	// StartTLS runs the handshake on the raw connection; it sends
	// nothing of its own and discards what it had buffered.
	StartTLS() error
}

// submission is the SMTP-only state of a session.
type submission struct {
	o      *SubmissionOptions
	c      upgrader
	grant  *login.Grant    // set by AUTH
	remote map[string]bool // this transaction's recipients for the Queue
	utf8   bool            // MAIL had SMTPUTF8 (RFC 6531)
	// BDAT state of the transaction (RFC 3030): chunks came; the message
	// already failed (the rest is read and dropped); a line-end check
	// carried across chunks.
	chunked, prevCR, bareEnding bool
	chunkFail                   *failure
	esmtp                       bool // EHLO rather than HELO
	failures                    int  // failed AUTH
}

// ServeConn runs one SMTP session on c (implicit TLS already done by
// netserve) and returns when it ends; netserve closes c. When ctx is
// cancelled the session answers 421 4.3.2 at the next command boundary;
// a DATA transfer or delivery in progress is finished first. A panic is
// left to netserve's one recover per connection.
func (s *SubmissionServer) ServeConn(ctx context.Context, c *netserve.Conn) { s.serve(ctx, c) }

func (s *SubmissionServer) serve(ctx context.Context, c upgrader) {
	nc := c.NetConn()
	id := sessionID(s.bootID, s.connSeq.Add(1))
	ss := newSession(ctx, nc, sessionParts{
		proto: &s.proto,
		lim: limits{
			hostname:       s.opts.Hostname,
			maxMessageSize: s.opts.MaxMessageSize,
			maxRecipients:  s.opts.MaxRecipients,
			maxLineLength:  s.opts.MaxLineLength,
			maxErrors:      s.opts.MaxErrors,
			timeout:        s.opts.InactivityTimeout,
		},
		deliverer: s.opts.Deliverer,
		now:       func() time.Time { return s.now() },
		spoolDir:  s.opts.SpoolDir,
		threshold: s.opts.SpoolThreshold,
		logger:    s.opts.Logger.With("connector", s.opts.Connector),
		id:        id,
	})
	if s.opts.ConnectionTimeout > 0 {
		ss.io.end = time.Now().Add(s.opts.ConnectionTimeout)
	}
	ss.sub = &submission{o: &s.opts, c: c}
	ss.plog = s.opts.ProtoLog.Session(id, addrPort(nc.LocalAddr()), addrPort(nc.RemoteAddr()))
	defer func() {
		if g := ss.sub.grant; g != nil {
			g.Release()
		}
		ss.plog.Close()
	}()
	ss.run()
}

// Refuse answers a connection over MaxInboundConnection or
// MaxInboundConnectionPerSource.
func (s *SubmissionServer) Refuse(c *netserve.Conn, reason string) {
	c.WriteString("421 4.3.2 The maximum number of concurrent connections has exceeded a limit, closing transmission channel\r\n")
}

// greetSMTP sends the banner (RFC 5321 4.3.1).
func greetSMTP(s *session) {
	text := s.sub.o.Banner
	if text == "" {
		text = s.lim.hostname + " Postern ESMTP MAIL service ready at " + s.now().Format(rfc5322Date)
	}
	s.reply(wire.CodeServiceReady, wire.StatusNone, text)
}

// rights are what the client may do on this connector now.
type rights struct {
	submit    bool // MAIL is accepted at all
	relay     bool // recipients outside the accepted domains
	anySender bool // no sender check
	asUser    bool // the sender must be the authenticated user's address
}

// rights derives the client's rights from the connector's PermissionGroups
// and how it authenticated (spec 8.1, 8.2).
func (s *session) rights() rights {
	o := s.sub.o
	switch {
	case s.sub.grant != nil && o.ExchangeUsers:
		return rights{submit: true, relay: true, asUser: true}
	case o.ExternalAuthoritative && o.ExchangeServers:
		return rights{submit: true, relay: true, anySender: true}
	case o.AnonymousUsers:
		return rights{submit: true}
	}
	return rights{}
}

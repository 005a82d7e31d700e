package smtp

import (
	"context"
	"net"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/postern/postern/internal/smtp/wire"
)

// LMTPServer serves LMTP (RFC 2033) sessions on connections handed to it;
// the accept loop, TLS and socket options belong to the caller. It is
// safe for concurrent use.
type LMTPServer struct {
	opts    LMTPOptions
	proto   protocol
	connSeq atomic.Uint64
	bootID  string
	now     func() time.Time
	onPanic func(any) // tests only: observe a recovered panic
}

// NewLMTPServer checks o, fills in defaults and returns a server.
func NewLMTPServer(o LMTPOptions) (*LMTPServer, error) {
	o = o.withDefaults()
	if err := o.Validate(); err != nil {
		return nil, err
	}
	return &LMTPServer{
		opts:   o,
		proto:  protocol{name: "lmtp", hello: "LHLO", commands: lmtpCommands(), greet: greetLMTP},
		bootID: randomID(4),
		now:    time.Now,
	}, nil
}

// lmtpCommands is the command table: which verb runs which handler in
// which states (RFC 5321 4.1.4 for the order, RFC 2033 4.1 for LHLO).
func lmtpCommands() map[string]command {
	notImplemented := command{allowed: anyState, handle: (*session).cmdNotImplemented}
	return map[string]command{
		"LHLO":     {allowed: anyState, handle: (*session).cmdLHLO},
		"HELO":     {allowed: anyState, handle: (*session).cmdNotLMTP},
		"EHLO":     {allowed: anyState, handle: (*session).cmdNotLMTP},
		"MAIL":     {allowed: stateReady, sequence: "Nested MAIL command", handle: (*session).cmdMAIL},
		"RCPT":     {allowed: stateMail | stateRcpt, sequence: "Need MAIL command", handle: (*session).cmdRCPT},
		"DATA":     {allowed: stateRcpt, sequence: "No valid recipients", handle: (*session).cmdDATA},
		"RSET":     {allowed: anyState, handle: (*session).cmdRSET},
		"NOOP":     {allowed: anyState, handle: (*session).cmdNOOP},
		"VRFY":     {allowed: anyState, handle: (*session).cmdVRFY},
		"QUIT":     {allowed: anyState, handle: (*session).cmdQUIT},
		"EXPN":     notImplemented,
		"HELP":     notImplemented,
		"BDAT":     notImplemented,
		"STARTTLS": notImplemented,
		"AUTH":     notImplemented,
		"ETRN":     notImplemented,
		"TURN":     notImplemented,
	}
}

// ServeConn runs one LMTP session on c and returns when it ends; it closes
// c. When ctx is cancelled the session answers 421 4.3.2 at the next
// command boundary (at once if it is waiting for a command) and closes; a
// DATA transfer or delivery in progress is finished first.
func (s *LMTPServer) ServeConn(ctx context.Context, c net.Conn) {
	ss := s.newSession(ctx, c)
	defer c.Close()
	defer func() {
		if r := recover(); r != nil {
			ss.log.Error("panic in LMTP session", "panic", r, "stack", string(debug.Stack()))
			if s.onPanic != nil {
				s.onPanic(r)
			}
		}
	}()
	ss.run()
}

func (s *LMTPServer) newSession(ctx context.Context, c net.Conn) *session {
	return newSession(ctx, c, sessionParts{
		proto: &s.proto,
		lim: limits{
			hostname:       s.opts.Hostname,
			maxMessageSize: s.opts.MaxMessageSize,
			maxRecipients:  s.opts.MaxRecipients,
			maxLineLength:  s.opts.MaxLineLength,
			maxErrors:      s.opts.MaxErrors,
			timeout:        s.opts.Timeout,
		},
		deliverer: s.opts.Deliverer,
		now:       func() time.Time { return s.now() },
		spoolDir:  s.opts.SpoolDir,
		threshold: s.opts.SpoolThreshold,
		logger:    s.opts.Logger,
		id:        sessionID(s.bootID, s.connSeq.Add(1)),
	})
}

// greetLMTP sends the LMTP greeting.
func greetLMTP(s *session) {
	s.reply(wire.CodeServiceReady, wire.StatusNone, s.lim.hostname+" LMTP service ready")
}

package smtp

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/postern/postern/internal/smtp/wire"
)

// LMTPServer serves LMTP (RFC 2033) sessions on connections handed to it;
// the accept loop, TLS and socket options belong to the caller. It is
// safe for concurrent use.
type LMTPServer struct {
	opts     LMTPOptions
	commands map[string]lmtpCommand
	connSeq  atomic.Uint64
	bootID   string
	now      func() time.Time
	onPanic  func(any) // tests only: observe a recovered panic
}

// NewLMTPServer checks o, fills in defaults and returns a server.
func NewLMTPServer(o LMTPOptions) (*LMTPServer, error) {
	o = o.withDefaults()
	if err := o.Validate(); err != nil {
		return nil, err
	}
	return &LMTPServer{
		opts:     o,
		commands: lmtpCommands(),
		bootID:   randomID(4),
		now:      time.Now,
	}, nil
}

// state is where a session stands. A command table entry holds the set of
// states in which the command is allowed, as a bit mask.
type state uint8

const (
	stateConnected state = 1 << iota // greeted; LHLO not yet given
	stateReady                       // after LHLO; no transaction
	stateMail                        // MAIL accepted; no RCPT yet
	stateRcpt                        // MAIL and at least one RCPT accepted

	anyState = stateConnected | stateReady | stateMail | stateRcpt
)

// action tells the command loop whether to go on.
type action int

const (
	actContinue action = iota
	actClose
)

// lmtpCommand is one entry of the command table.
type lmtpCommand struct {
	// allowed is the set of states in which the command may run; in any
	// other the dispatcher answers 503 5.5.1 and the handler never runs.
	allowed state
	// sequence is the 503 text when the session is past LHLO.
	sequence string
	handle   func(s *session, arg string) action
}

// lmtpCommands is the command table: which verb runs which handler in
// which states (RFC 5321 4.1.4 for the order, RFC 2033 4.1 for LHLO).
func lmtpCommands() map[string]lmtpCommand {
	notImplemented := lmtpCommand{anyState, "", (*session).cmdNotImplemented}
	return map[string]lmtpCommand{
		"LHLO":     {anyState, "", (*session).cmdLHLO},
		"HELO":     {anyState, "", (*session).cmdNotLMTP},
		"EHLO":     {anyState, "", (*session).cmdNotLMTP},
		"MAIL":     {stateReady, "Nested MAIL command", (*session).cmdMAIL},
		"RCPT":     {stateMail | stateRcpt, "Need MAIL command", (*session).cmdRCPT},
		"DATA":     {stateRcpt, "No valid recipients", (*session).cmdDATA},
		"RSET":     {anyState, "", (*session).cmdRSET},
		"NOOP":     {anyState, "", (*session).cmdNOOP},
		"VRFY":     {anyState, "", (*session).cmdVRFY},
		"QUIT":     {anyState, "", (*session).cmdQUIT},
		"EXPN":     notImplemented,
		"HELP":     notImplemented,
		"BDAT":     notImplemented,
		"STARTTLS": notImplemented,
		"AUTH":     notImplemented,
		"ETRN":     notImplemented,
		"TURN":     notImplemented,
	}
}

// session is one LMTP connection.
type session struct {
	srv    *LMTPServer
	opts   *LMTPOptions
	ctx    context.Context
	conn   net.Conn
	io     *sessionConn
	r      *bufio.Reader
	w      *bufio.Writer
	log    *slog.Logger
	remote netip.Addr

	state   state
	helo    string // the LHLO argument
	errors  int    // rejected commands so far
	scratch []byte

	// The transaction, reset by RSET, LHLO and the end of DATA.
	from  string
	rcpts []string
	spool spool

	// idle is true while the session waits for a command line; shutdown
	// interrupts only such a wait.
	mu   sync.Mutex
	idle bool
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
	defer ss.spool.reset()
	stop := context.AfterFunc(ctx, ss.interrupt)
	defer stop()
	ss.log.Debug("connection opened")
	ss.serve()
	ss.log.Debug("connection closed")
}

func (s *LMTPServer) newSession(ctx context.Context, c net.Conn) *session {
	id := s.bootID + "-" + strconv.FormatUint(s.connSeq.Add(1), 36)
	ss := &session{
		srv:    s,
		opts:   &s.opts,
		ctx:    ctx,
		conn:   c,
		remote: remoteIP(c.RemoteAddr()),
		state:  stateConnected,
		spool:  spool{dir: s.opts.SpoolDir, threshold: s.opts.SpoolThreshold},
	}
	remote := "unknown"
	if a := c.RemoteAddr(); a != nil {
		remote = a.String()
	}
	ss.log = s.opts.Logger.With("proto", "lmtp", "conn", id, "remote", remote)
	ss.w = bufio.NewWriter(nil)
	ss.io = &sessionConn{c: c, out: ss.w, timeout: s.opts.Timeout}
	ss.w.Reset(ss.io)
	ss.r = bufio.NewReader(ss.io)
	return ss
}

// serve is the command loop.
func (s *session) serve() {
	s.reply(wire.CodeServiceReady, wire.StatusNone, s.opts.Hostname+" LMTP service ready")
	for {
		line, err := s.readCommand()
		if err != nil {
			if s.readFailed(err) == actClose {
				break
			}
		} else if s.dispatch(line) == actClose {
			break
		}
		if s.errors >= s.opts.MaxErrors {
			s.log.Info("too many errors, closing", "errors", s.errors)
			s.reply(wire.CodeServiceNotAvail, wire.StatusSecurityOther, "Too many errors, closing connection")
			break
		}
	}
	s.w.Flush()
}

// errShutdown reports that the server context ended before a command.
var errShutdown = errors.New("smtp: server shutting down")

// readCommand reads one command line with a fresh deadline. It marks the
// session idle meanwhile so that interrupt can wake it.
func (s *session) readCommand() ([]byte, error) {
	s.mu.Lock()
	if s.ctx.Err() != nil {
		s.mu.Unlock()
		return nil, errShutdown
	}
	s.idle = true
	err := s.conn.SetReadDeadline(time.Now().Add(s.opts.Timeout))
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	line, err := wire.ReadLine(s.r, s.opts.MaxLineLength)
	s.mu.Lock()
	s.idle = false
	s.mu.Unlock()
	return line, err
}

// interrupt runs when the server context ends: it wakes a session that is
// waiting for a command, by moving its read deadline to now.
func (s *session) interrupt() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.idle {
		s.conn.SetReadDeadline(time.Now())
	}
}

// readFailed answers a failed command read. Line-level errors leave the
// session in sync; everything else ends it.
func (s *session) readFailed(err error) action {
	switch {
	case errors.Is(err, wire.ErrLineTooLong):
		s.reply(wire.CodeSyntaxError, wire.StatusSyntaxError, "Line too long")
		return actContinue
	case errors.Is(err, wire.ErrBareCR):
		s.reply(wire.CodeSyntaxError, wire.StatusSyntaxError, "Syntax error")
		return actContinue
	case errors.Is(err, errShutdown) || s.ctx.Err() != nil && errors.Is(err, os.ErrDeadlineExceeded):
		s.log.Info("closing for shutdown")
		s.reply(wire.CodeServiceNotAvail, wire.StatusSystemNotAccept, "Service shutting down")
	case errors.Is(err, os.ErrDeadlineExceeded):
		s.log.Info("idle timeout")
		s.reply(wire.CodeServiceNotAvail, wire.StatusBadConnection, "Timeout, closing connection")
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		s.log.Debug("client closed connection")
	default:
		s.log.Info("read failed", "err", err)
	}
	return actClose
}

// dispatch parses a command line and runs its handler if the table
// allows it in the current state.
func (s *session) dispatch(line []byte) action {
	cmd, err := wire.ParseCommand(line)
	if err != nil {
		s.log.Debug("bad command line", "err", err)
		s.reply(wire.CodeSyntaxError, wire.StatusSyntaxError, "Syntax error")
		return actContinue
	}
	c, ok := s.srv.commands[cmd.Verb]
	if !ok {
		s.reply(wire.CodeSyntaxError, wire.StatusInvalidCommand, "Command unrecognized")
		return actContinue
	}
	if c.allowed&s.state == 0 {
		text := c.sequence
		if s.state == stateConnected {
			text = "Send LHLO first"
		}
		s.reply(wire.CodeBadSequence, wire.StatusInvalidCommand, text)
		return actContinue
	}
	return c.handle(s, cmd.Arg)
}

// reply queues one single-line reply. Replies 500-504 count as errors
// towards MaxErrors.
func (s *session) reply(code wire.Code, st wire.Status, text string) {
	s.replyLines(code, st, text)
}

// replyLines queues one reply of one or more lines.
func (s *session) replyLines(code wire.Code, st wire.Status, lines ...string) {
	if code >= wire.CodeSyntaxError && code <= wire.CodeParamNotImpl {
		s.errors++
	}
	s.scratch = wire.AppendReply(s.scratch[:0], wire.Reply{Code: code, Status: st, Lines: lines})
	s.w.Write(s.scratch)
}

// resetTransaction forgets MAIL and RCPT (RFC 5321 4.1.1.5).
func (s *session) resetTransaction() {
	s.from = ""
	s.rcpts = s.rcpts[:0]
	s.spool.reset()
	if s.state != stateConnected {
		s.state = stateReady
	}
}

// randomID returns n random octets in base32 (an RFC 5322 atom).
func randomID(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
}

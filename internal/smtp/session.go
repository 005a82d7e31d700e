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
	"strconv"
	"sync"
	"time"

	"github.com/postern/postern/internal/protolog"
	"github.com/postern/postern/internal/smtp/wire"
)

// This file is the session both protocols share: the command loop, the
// command table's state check, replies, deadlines, shutdown, the
// transaction and its spool. What differs between LMTP and SMTP is a
// protocol value (its command table and greeting) and, for SMTP, the
// submission state the session carries (sub).

// state is where a session stands. A command table entry holds the set of
// states in which the command is allowed, as a bit mask.
type state uint8

const (
	stateConnected state = 1 << iota // greeted; LHLO/EHLO not yet given
	stateReady                       // after LHLO/EHLO; no transaction
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

// command is one entry of a command table.
type command struct {
	// allowed is the set of states in which the command may run; in any
	// other the dispatcher answers 503 5.5.1 and the handler never runs.
	allowed state
	// sequence is the 503 text when the session is past the hello.
	sequence string
	// preAuth refuses the command (503 5.5.1) once the client has
	// authenticated: AUTH may not be repeated (RFC 4954 4), and STARTTLS
	// would have to forget the identity (RFC 3207 4.2).
	preAuth bool
	// junk marks commands that move no mail (EHLO, NOOP, RSET, VRFY...);
	// a session may give maxJunk of them between two messages.
	junk   bool
	handle func(s *session, arg string) action
}

// maxJunk bounds the commands that move no mail between two messages, so
// a client cannot hold a connection busy forever with them (as Postfix's
// smtpd_junk_command_limit). Zero in a protocol means no bound.
const maxJunk = 100

// protocol is what tells LMTP and SMTP sessions apart.
type protocol struct {
	name     string // "lmtp" or "smtp", for logs
	hello    string // the command a client starts with, named in 503 replies
	commands map[string]command
	greet    func(s *session)
	maxJunk  int // junk commands allowed between messages; 0: no bound
}

// limits are the values of the server options the shared code reads.
type limits struct {
	hostname       string
	maxMessageSize int64
	maxRecipients  int
	maxLineLength  int
	maxErrors      int // <= 0: no limit
	timeout        time.Duration
}

// session is one LMTP or SMTP connection.
type session struct {
	proto     *protocol
	lim       limits
	deliverer Deliverer
	now       func() time.Time
	ctx       context.Context
	conn      net.Conn // guarded by mu: STARTTLS replaces it
	io        *sessionConn
	r         *bufio.Reader
	w         *bufio.Writer
	log       *slog.Logger
	plog      *protolog.Session // nil: protocol logging off
	remote    netip.Addr

	state     state
	helo      string // the LHLO/EHLO/HELO argument
	errors    int    // rejected commands so far
	junk      int    // junk commands since the last message
	scratch   []byte
	lastReply string // the last reply line, for the protocol log

	// The transaction, reset by RSET, the hello and the end of DATA.
	from  string
	rcpts []string
	spool spool

	// sub is the SMTP submission state; nil in LMTP.
	sub *submission

	// idle is true while the session waits for a command line; shutdown
	// interrupts only such a wait.
	mu   sync.Mutex
	idle bool
}

// sessionParts are what a server hands to newSession.
type sessionParts struct {
	proto     *protocol
	lim       limits
	deliverer Deliverer
	now       func() time.Time
	spoolDir  string
	threshold int64
	logger    *slog.Logger
	id        string
}

func newSession(ctx context.Context, c net.Conn, p sessionParts) *session {
	s := &session{
		proto:     p.proto,
		lim:       p.lim,
		deliverer: p.deliverer,
		now:       p.now,
		ctx:       ctx,
		conn:      c,
		remote:    remoteIP(c.RemoteAddr()),
		state:     stateConnected,
		spool:     spool{dir: p.spoolDir, threshold: p.threshold},
	}
	remote := "unknown"
	if a := c.RemoteAddr(); a != nil {
		remote = a.String()
	}
	s.log = p.logger.With("proto", p.proto.name, "conn", p.id, "remote", remote)
	s.w = bufio.NewWriter(nil)
	s.io = &sessionConn{c: c, out: s.w, timeout: p.lim.timeout}
	s.w.Reset(s.io)
	s.r = bufio.NewReader(s.io)
	return s
}

// run serves the session until it ends, with shutdown wired in.
func (s *session) run() {
	defer s.spool.reset()
	stop := context.AfterFunc(s.ctx, s.interrupt)
	defer stop()
	s.log.Debug("connection opened")
	s.serve()
	s.log.Debug("connection closed")
}

// serve is the command loop.
func (s *session) serve() {
	s.proto.greet(s)
	for {
		line, err := s.readCommand()
		if err != nil {
			if s.readFailed(err) == actClose {
				break
			}
		} else if s.dispatch(line) == actClose {
			break
		}
		if s.lim.maxErrors > 0 && s.errors >= s.lim.maxErrors {
			s.log.Info("too many errors, closing", "errors", s.errors)
			s.reply(wire.CodeServiceNotAvail, wire.StatusSecurityOther, "Too many errors, closing connection")
			break
		}
	}
	s.w.Flush()
}

// errShutdown reports that the server context ended before a command.
var errShutdown = errors.New("smtp: server shutting down")

// readCommand reads one command line (or SASL response) with a fresh
// deadline. It marks the session idle meanwhile so that interrupt can
// wake it.
func (s *session) readCommand() ([]byte, error) {
	return s.readLine(s.lim.maxLineLength)
}

func (s *session) readLine(max int) ([]byte, error) {
	s.mu.Lock()
	if s.ctx.Err() != nil {
		s.mu.Unlock()
		return nil, errShutdown
	}
	s.idle = true
	err := s.conn.SetReadDeadline(s.io.deadline())
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	line, err := wire.ReadLine(s.r, max)
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

// setConn replaces the connection after a TLS upgrade. Whatever the
// reader had buffered was sent in clear before the handshake: it is
// thrown away, never executed (RFC 3207 5, spec §11 item 13).
func (s *session) setConn(c net.Conn) {
	s.mu.Lock()
	s.conn = c
	s.io.c = c
	s.mu.Unlock()
	s.r.Reset(s.io)
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
	start := time.Now()
	cmd, err := wire.ParseCommand(line)
	if err != nil {
		s.log.Debug("bad command line", "err", err)
		s.reply(wire.CodeSyntaxError, wire.StatusSyntaxError, "Syntax error")
		return actContinue
	}
	s.lastReply = ""
	act := s.execute(cmd)
	if s.plog != nil {
		s.plog.Command(cmd.Verb, cmd.Arg, `R="`+s.lastReply+`"`, len(line), len(s.lastReply), time.Since(start))
	}
	return act
}

// execute applies the command table to one command: the junk bound, the
// states, the before-authentication rule, then the handler.
func (s *session) execute(cmd wire.Command) action {
	c, ok := s.proto.commands[cmd.Verb]
	if (!ok || c.junk) && s.proto.maxJunk > 0 {
		if s.junk++; s.junk > s.proto.maxJunk {
			s.log.Info("too many commands without mail, closing")
			s.reply(wire.CodeServiceNotAvail, wire.StatusSecurityOther, "Too many commands, closing connection")
			return actClose
		}
	}
	switch {
	case !ok:
		s.reply(wire.CodeSyntaxError, wire.StatusInvalidCommand, "Command unrecognized")
		return actContinue
	case c.allowed&s.state == 0:
		text := c.sequence
		if s.state == stateConnected {
			text = "Send " + s.proto.hello + " first"
		}
		s.reply(wire.CodeBadSequence, wire.StatusInvalidCommand, text)
		return actContinue
	case c.preAuth && s.sub != nil && s.sub.grant != nil:
		s.reply(wire.CodeBadSequence, wire.StatusInvalidCommand, "Already authenticated")
		return actContinue
	}
	return c.handle(s, cmd.Arg)
}

// reply queues one single-line reply. Replies 500-504 count as errors
// towards the error limit.
func (s *session) reply(code wire.Code, st wire.Status, text string) {
	s.replyLines(code, st, text)
}

// replyLines queues one reply of one or more lines.
func (s *session) replyLines(code wire.Code, st wire.Status, lines ...string) {
	if code >= wire.CodeSyntaxError && code <= wire.CodeParamNotImpl {
		s.errors++
	}
	r := wire.Reply{Code: code, Status: st, Lines: lines}
	s.scratch = wire.AppendReply(s.scratch[:0], r)
	s.w.Write(s.scratch)
	if s.plog != nil {
		s.lastReply = r.String()
	}
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

// receive reads the body up to its terminator into the spool.
func (s *session) receive() error {
	s.io.streaming = true
	defer func() { s.io.streaming = false }()
	return s.spool.fill(wire.NewDataReader(s.r, s.lim.maxMessageSize))
}

// receiveFailure maps a failed DATA transfer to the reply for each
// recipient (LMTP) or for the message (SMTP). fatal means the session
// must end; a timeout has then already been answered.
func (s *session) receiveFailure(err error) (f failure, fatal bool) {
	switch {
	case errors.Is(err, wire.ErrTooBig):
		s.log.Info("message rejected", "from", s.from, "reason", "too big")
		return failure{wire.CodeExceededStorage, wire.StatusMsgTooBig, "Message too big"}, false
	case errors.Is(err, wire.ErrBareLineEnding):
		s.log.Info("message rejected", "from", s.from, "reason", "bare CR or LF")
		return failure{wire.CodeTransactionFailed, wire.StatusMediaOther, "Bare CR or LF in message"}, false
	case errors.Is(err, errSpool):
		s.log.Error("spooling message failed", "err", err)
		return replyForError(err), false
	case errors.Is(err, os.ErrDeadlineExceeded):
		s.log.Info("timeout in DATA")
		s.reply(wire.CodeServiceNotAvail, wire.StatusBadConnection, "Timeout, closing connection")
	default:
		s.log.Info("DATA transfer failed", "err", err)
	}
	return failure{}, true
}

// sessionID returns a connection id: the server's boot id and a sequence
// number.
func sessionID(boot string, n uint64) string { return boot + "-" + strconv.FormatUint(n, 36) }

// randomID returns n random octets in base32 (an RFC 5322 atom).
func randomID(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
}

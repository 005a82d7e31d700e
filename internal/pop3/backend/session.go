package backend

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/postern/postern/internal/netserve"
	"github.com/postern/postern/internal/pop3/wire"
	"github.com/postern/postern/internal/protolog"
	"github.com/postern/postern/internal/proxy"
	"github.com/postern/postern/internal/store"
)

// Fixed client texts.
const (
	textBadState   = "Command is not valid in this state."
	textProtocol   = "Protocol error."
	textTooLong    = "Command is too long."
	textNoSuchMsg  = "The specified message is out of range."
	textDeleted    = "The specified message has been deleted."
	textNotDeleted = "Some deleted messages were not removed."
	textGone       = "The message is no longer available."
	textDamaged    = "[SYS/PERM] The message cannot be read: its stored copy is damaged."
	textSignOff    = "Postern POP3 server signing off."
	textShutdown   = "The POP3 service is shutting down."
	textTooManyErr = "Too many errors. Closing connection."
)

// maxBadCommands bounds consecutive errors after logon.
const maxBadCommands = 50

// entry is one message of the maildrop, numbered by its index + 1.
type entry struct {
	uid      uint32
	size     int64
	deleted  bool
	seen     bool // already \Seen in the store
	markSeen bool // retrieved in this session
}

type session struct {
	b          *Backend
	h          proxy.Handoff
	st         store.Store
	folder     store.Folder
	log        *slog.Logger
	plog       *protolog.Session
	drop       []entry
	uidlPrefix string
	c          *netserve.Conn
	bad        int
}

// command is one TRANSACTION-state command; the table is the state rule:
// a name absent here is not valid after logon.
type command struct {
	minArgs, maxArgs int
	run              func(s *session, ctx context.Context, args []string) (quit bool)
}

var commands = map[string]command{
	"STAT": {0, 0, (*session).stat},
	"LIST": {0, 1, (*session).list},
	"UIDL": {0, 1, (*session).uidl},
	"RETR": {1, 1, (*session).retr},
	"TOP":  {2, 2, (*session).top},
	"DELE": {1, 1, (*session).dele},
	"RSET": {0, 0, (*session).rset},
	"NOOP": {0, 0, (*session).noop},
	"CAPA": {0, 0, (*session).capa},
	"QUIT": {0, 0, (*session).quit},
}

// preLoginOnly are commands that exist but only before logon.
var preLoginOnly = map[string]bool{"USER": true, "PASS": true, "AUTH": true, "STLS": true, "APOP": true}

// Run serves TRANSACTION-state commands until QUIT, a drop, a time-out or
// the service stopping.
func (s *session) Run(ctx context.Context, c *netserve.Conn) {
	// The session ends when the frontend's service or this backend stops.
	ctx, leave, ok := s.b.sessions.Enter(ctx, c, s.h.User.Database, s.h.User.ID)
	if !ok {
		wire.Err(c.Writer(), textShutdown)
		return
	}
	defer leave()
	s.c = c
	s.plog = s.b.o.ProtoLog.Session(s.h.SessionID, s.h.Local, s.h.Remote)
	s.plog.SetUser(s.h.User.Address())
	defer s.plog.Close()
	for {
		if !c.Pending() {
			if err := c.Flush(); err != nil {
				return
			}
		}
		if ctx.Err() != nil {
			wire.Err(c.Writer(), textShutdown)
			c.Flush()
			return
		}
		line, err := c.ReadLine(s.h.MaxCommandSize)
		if errors.Is(err, netserve.ErrLineTooLong) {
			if s.fail(textTooLong) {
				return
			}
			continue
		}
		if err != nil {
			// A drop or a time-out: no UPDATE state, nothing deleted.
			if ctx.Err() != nil {
				wire.Err(c.Writer(), textShutdown)
				c.Flush()
			}
			s.log.Debug("session ended without QUIT", "err", err)
			return
		}
		start := time.Now()
		cmd, err := wire.Parse(line)
		if err != nil {
			if s.fail(textProtocol) {
				return
			}
			continue
		}
		quit := s.dispatch(ctx, cmd)
		s.plog.Command(strings.ToLower(cmd.Name), strings.Join(cmd.Args, " "), "", len(line), 0, time.Since(start))
		if quit {
			c.Flush()
			return
		}
	}
}

func (s *session) dispatch(ctx context.Context, cmd wire.Command) bool {
	h, ok := commands[cmd.Name]
	switch {
	case !ok && preLoginOnly[cmd.Name]:
		return s.fail(textBadState)
	case !ok:
		return s.fail(textProtocol)
	case len(cmd.Args) < h.minArgs || len(cmd.Args) > h.maxArgs:
		return s.fail(textProtocol)
	}
	s.bad = 0
	return h.run(s, ctx, cmd.Args)
}

// fail answers an error; it reports whether the session must end.
func (s *session) fail(text string) bool {
	s.bad++
	if s.bad >= maxBadCommands {
		wire.Err(s.c.Writer(), textTooManyErr)
		return true
	}
	wire.Err(s.c.Writer(), text)
	return false
}

// message resolves a message-number argument.
func (s *session) message(arg string) (*entry, int, bool) {
	n, err := wire.Number(arg)
	if err != nil || n < 1 || n > len(s.drop) {
		s.fail(textNoSuchMsg)
		return nil, 0, false
	}
	e := &s.drop[n-1]
	if e.deleted {
		s.fail(textDeleted)
		return nil, 0, false
	}
	return e, n, true
}

func (s *session) stat(context.Context, []string) bool {
	var n int
	var size int64
	for _, e := range s.drop {
		if !e.deleted {
			n++
			size += e.size
		}
	}
	wire.OK(s.c.Writer(), strconv.Itoa(n)+" "+strconv.FormatInt(size, 10))
	return false
}

func (s *session) list(_ context.Context, args []string) bool {
	return s.listing(args, func(n int, e *entry) string {
		return strconv.Itoa(n) + " " + strconv.FormatInt(e.size, 10)
	})
}

func (s *session) uidl(_ context.Context, args []string) bool {
	return s.listing(args, func(n int, e *entry) string {
		return strconv.Itoa(n) + " " + s.uidlOf(e)
	})
}

// uidlOf is the unique-id: UIDVALIDITY and UID in hex, 16 printable
// characters, stable across sessions (RFC 1939 §7).
func (s *session) uidlOf(e *entry) string {
	return s.uidlPrefix + strconv.FormatUint(uint64(e.uid)|1<<32, 16)[1:]
}

// listing answers LIST and UIDL: one message, or all not deleted.
func (s *session) listing(args []string, line func(int, *entry) string) bool {
	w := s.c.Writer()
	if len(args) == 1 {
		e, n, ok := s.message(args[0])
		if ok {
			wire.OK(w, line(n, e))
		}
		return false
	}
	wire.OK(w, "")
	for i := range s.drop {
		if e := &s.drop[i]; !e.deleted {
			wire.Line(w, line(i+1, e))
			if w.Buffered() > 16*1024 {
				s.c.Flush()
			}
		}
	}
	wire.End(w)
	return false
}

func (s *session) dele(_ context.Context, args []string) bool {
	e, n, ok := s.message(args[0])
	if ok {
		e.deleted = true
		wire.OK(s.c.Writer(), "Message "+strconv.Itoa(n)+" deleted.")
	}
	return false
}

func (s *session) rset(context.Context, []string) bool {
	for i := range s.drop {
		s.drop[i].deleted = false
	}
	wire.OK(s.c.Writer(), "")
	return false
}

func (s *session) noop(context.Context, []string) bool {
	wire.OK(s.c.Writer(), "")
	return false
}

func (s *session) capa(context.Context, []string) bool {
	w := s.c.Writer()
	wire.OK(w, "")
	wire.Line(w, "TOP")
	wire.Line(w, "UIDL")
	wire.End(w)
	return false
}

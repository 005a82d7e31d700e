package protolog

import (
	"strings"
	"sync"
	"time"
)

// Session is the log of one connection: every line carries its id, its
// endpoints, the user once known, and the next sequence number. Its methods
// are safe for concurrent use; a nil *Session logs nothing.
type Session struct {
	l      *Logger
	id     string
	local  string
	remote string
	start  time.Time

	mu     sync.Mutex // orders seq with the queue
	seq    int64
	user   string
	closed bool
}

// SetUser records the user name for the lines that follow (the user
// column), typically once the logon succeeds.
func (s *Session) SetUser(user string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.user = user
	s.mu.Unlock()
}

// Command logs one command: its name (any case; logged in lower case, e.g.
// "user", "retr", "login"), its raw parameters as the client sent them, the
// context (the result, e.g. "R=OK" or `R="-ERR Logon failure: unknown user
// name or bad password."`), the request and response sizes in bytes, and
// how long it took. Parameters of PASS, APOP, AUTH, AUTHENTICATE and LOGIN
// are masked here, so callers pass them unfiltered.
func (s *Session) Command(cmd, params, context string, rq, rp int, dur time.Duration) {
	if s == nil {
		return
	}
	cmd = strings.ToLower(strings.TrimSpace(cmd))
	s.log(cmd, maskParams(cmd, params), context, rq, rp, dur)
}

// SASLResponse logs a client's response line within a SASL exchange
// (AUTH/AUTHENTICATE continuation). It takes no parameters: the response
// carries credentials and is logged as "*****". cmd is the command the
// exchange belongs to, e.g. "auth".
func (s *Session) SASLResponse(cmd, context string, rq, rp int, dur time.Duration) {
	if s == nil {
		return
	}
	s.log(strings.ToLower(strings.TrimSpace(cmd)), masked, context, rq, rp, dur)
}

// Close writes the CloseSession line, whose duration is the session's
// length. Later calls on the session log nothing.
func (s *Session) Close() {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.logLocked(cmdClose, "", "", 0, 0, s.l.opts.Now().Sub(s.start))
	s.closed = true
}

// log numbers and queues one line unless the session is closed.
func (s *Session) log(cmd, params, context string, rq, rp int, dur time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.logLocked(cmd, params, context, rq, rp, dur)
	}
}

func (s *Session) logLocked(cmd, params, context string, rq, rp int, dur time.Duration) {
	rec := record{
		at:       s.l.opts.Now(),
		session:  s.id,
		seq:      s.seq,
		local:    s.local,
		remote:   s.remote,
		user:     s.user,
		duration: dur,
		rqSize:   rq,
		rpSize:   rp,
		command:  cmd,
		params:   params,
		context:  context,
	}
	s.seq++
	s.l.enqueue(&rec)
}

package smtp

import (
	"encoding/base64"
	"errors"
	"strings"

	"github.com/postern/postern/internal/login"
	"github.com/postern/postern/internal/smtp/wire"
)

// maxSASLLine bounds a SASL response line (RFC 4954 4: 12288 octets).
const maxSASLLine = 12288

// cmdAUTH runs AUTH (RFC 4954) over the shared login engine: the policy
// (login.Type), the SASL mechanisms, the built-in account blocks and the
// AuthTarpitInterval delay on failure are the code POP3 and IMAP4 use. A
// mechanism the state does not allow is refused before any credential is
// looked at (spec 2.1).
func (s *session) cmdAUTH(arg string) action {
	mech, initial, hasInitial := strings.Cut(arg, " ")
	if mech == "" || strings.Contains(initial, " ") || hasInitial && initial == "" {
		s.reply(wire.CodeParamSyntax, wire.StatusInvalidArgs, "Syntax: AUTH mechanism [initial-response]")
		return actContinue
	}
	sasl, err := login.NewSASL(mech, s.authMechanisms())
	if err != nil {
		if s.sub.o.BasicAuth && !s.sub.c.IsTLS() && isBasicMechanism(mech) {
			s.reply(codeEncryptRequired, statusNeedEncrypt, "Encryption required for requested authentication mechanism")
		} else {
			s.reply(wire.CodeParamNotImpl, statusMechTooWeak, "Unrecognized authentication type")
		}
		return actContinue
	}
	var resp []byte // nil: no initial response
	if hasInitial {
		if resp, err = login.DecodeResponse(initial); err != nil {
			return s.saslFailed(err)
		}
	}
	authz, user, pass, err := login.Exchange(sasl, resp, prompter{s})
	switch {
	case login.ClientError(err):
		return s.saslFailed(err)
	case err != nil:
		return s.readFailed(err)
	}
	// The engine refuses an authorization identity naming another
	// account: acting as another user is not offered.
	g, err := s.sub.o.Engine.Login(s.ctx, s.log, login.Attempt{Source: s.remote, User: user, AuthzID: authz, Password: pass})
	if err != nil {
		return s.logonFailed(err)
	}
	s.sub.grant = g
	s.log = s.log.With("user", g.User.Address())
	s.plog.SetUser(g.User.Address())
	s.reply(codeAuthOK, statusAuthOK, "Authentication successful")
	return actContinue
}

// isBasicMechanism reports the mechanisms BasicAuth stands for.
func isBasicMechanism(m string) bool {
	return strings.EqualFold(m, "PLAIN") || strings.EqualFold(m, "LOGIN")
}

// saslFailed answers a cancelled or malformed SASL exchange (RFC 4954 4).
func (s *session) saslFailed(err error) action {
	if errors.Is(err, login.ErrCancelled) {
		s.reply(wire.CodeParamSyntax, wire.StatusOther, "Authentication cancelled")
	} else {
		s.reply(wire.CodeParamSyntax, wire.StatusSyntaxError, "Cannot decode response")
	}
	return actContinue
}

// logonFailed answers a failed logon and closes the connection after
// MaxLogonFailures of them.
func (s *session) logonFailed(err error) action {
	switch {
	case errors.Is(err, login.ErrThrottled):
		s.reply(codeTLSUnavailable, statusTempAuthError, "Too many failed logons, try again later")
	case errors.Is(err, login.ErrTemporary) || errors.Is(err, login.ErrUserLimit):
		s.reply(codeTLSUnavailable, statusTempAuthError, "Temporary authentication failure")
	default:
		s.reply(codeAuthFailed, statusBadCreds, "Authentication unsuccessful")
	}
	s.sub.failures++
	if max := s.sub.o.MaxLogonFailures; max > 0 && s.sub.failures >= max {
		s.log.Info("too many failed logons, closing", "failures", s.sub.failures)
		s.reply(wire.CodeServiceNotAvail, wire.StatusSecurityOther, "Too many failed logons, closing connection")
		return actClose
	}
	return actContinue
}

// prompter is AUTH's side of a SASL exchange (RFC 4954 4).
type prompter struct{ s *session }

func (pr prompter) Challenge(b []byte) error {
	pr.s.reply(codeAuthContinue, wire.StatusNone, base64.StdEncoding.EncodeToString(b))
	return nil
}

func (pr prompter) Response() ([]byte, error) {
	line, err := pr.s.readLine(maxSASLLine)
	if err != nil {
		return nil, err
	}
	pr.s.plog.SASLResponse("auth", "", len(line), 0, 0)
	return line, nil
}

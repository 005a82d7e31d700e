package smtp

import (
	"strconv"
	"strings"

	"github.com/postern/postern/internal/login"
	"github.com/postern/postern/internal/smtp/wire"
)

// Reply codes of SMTP submission beyond those the codec names (RFC 3207,
// RFC 4954).
const (
	codeAuthOK          wire.Code = 235 // authentication succeeded
	codeAuthContinue    wire.Code = 334 // SASL challenge
	codeTLSUnavailable  wire.Code = 454 // TLS or auth temporarily unavailable
	codeAuthRequired    wire.Code = 530 // authentication (or STARTTLS) required
	codeAuthFailed      wire.Code = 535 // credentials invalid
	codeEncryptRequired wire.Code = 538 // mechanism needs TLS
)

// Enhanced status codes of SMTP submission (RFC 3463, RFC 4954 6, RFC
// 7372; 7.54 and 7.60 as Exchange uses them).
const (
	statusAuthOK        wire.Status = "7.0"  // with 235: authentication succeeded
	statusBadCreds      wire.Status = "7.3"  // with 535: Exchange's code (RFC 4954 would say 7.8)
	statusMechTooWeak   wire.Status = "7.4"  // security features not supported
	statusNeedEncrypt   wire.Status = "7.11" // encryption required (RFC 4954)
	statusSendAs        wire.Status = "7.60" // not allowed to send as this sender (Exchange)
	statusRelayDenied   wire.Status = "7.54" // unable to relay (Exchange)
	statusMsgQueued     wire.Status = "6.0"  // with 250 after DATA: queued (Exchange)
	statusHopCount      wire.Status = "4.14" // hop count exceeded (Exchange)
	statusTempAuthError wire.Status = "7.0"  // with 454: temporary authentication failure
)

// cmdEHLO answers EHLO with the extensions this connector and the state
// allow (RFC 5321 4.1.1.1, spec §11 items 44-47). Like every hello it may
// be repeated and then resets the transaction.
func (s *session) cmdEHLO(arg string) action {
	if !s.hello(arg, true) {
		return actContinue
	}
	lines := []string{
		s.lim.hostname + " Hello " + addressLiteral(s.remote),
		"SIZE " + strconv.FormatInt(s.lim.maxMessageSize, 10), // RFC 1870
		"PIPELINING",          // RFC 2920
		"ENHANCEDSTATUSCODES", // RFC 2034
	}
	if s.offerSTARTTLS() {
		lines = append(lines, "STARTTLS") // RFC 3207
	}
	if mechs := s.authMechanisms(); len(mechs) > 0 && s.sub.grant == nil {
		lines = append(lines, "AUTH "+strings.Join(mechs, " ")) // RFC 4954
	}
	lines = append(lines, "CHUNKING", "SMTPUTF8", "8BITMIME") // RFC 3030, RFC 6531, RFC 6152
	// No enhanced status codes on the EHLO reply (RFC 2034 3).
	s.replyLines(wire.CodeOK, wire.StatusNone, lines...)
	return actContinue
}

// cmdHELO answers HELO: the greeting line only, no extensions.
func (s *session) cmdHELO(arg string) action {
	if s.hello(arg, false) {
		s.reply(wire.CodeOK, wire.StatusNone, s.lim.hostname+" Hello "+addressLiteral(s.remote))
	}
	return actContinue
}

// hello checks the client's name and starts a fresh session state.
func (s *session) hello(arg string, esmtp bool) bool {
	name, err := wire.ParseHelloName(arg)
	if err != nil {
		s.log.Debug("bad hello", "err", err)
		verb := "HELO"
		if esmtp {
			verb = "EHLO"
		}
		s.reply(wire.CodeParamSyntax, wire.StatusInvalidArgs, "Syntax: "+verb+" hostname")
		return false
	}
	s.helo, s.sub.esmtp = name, esmtp
	s.state = stateReady
	s.resetTransaction()
	return true
}

// offerSTARTTLS reports whether STARTTLS is offered now: the connector
// has Tls, the connection is clear, a certificate is there, and the
// client has not authenticated.
func (s *session) offerSTARTTLS() bool {
	return s.sub.o.StartTLS && s.sub.c.CanStartTLS() && s.sub.grant == nil
}

// authMechanisms lists the SASL mechanisms offered now: Basic needs
// BasicAuth, and under BasicAuthRequireTLS a TLS connection; the
// protocol-neutral policy (login.Type) decides, as for POP3 and IMAP4.
// Integrated and ExchangeServer are never offered: Postern implements
// neither, and it advertises only what it accepts.
func (s *session) authMechanisms() []string {
	o := s.sub.o
	if !o.BasicAuth {
		return nil
	}
	return s.loginType().Mechanisms(s.sub.c.IsTLS())
}

// loginType maps the connector's Basic settings to the login policy.
func (s *session) loginType() login.Type {
	if s.sub.o.BasicAuthRequireTLS {
		return login.SecureLogin
	}
	return login.PlainTextLogin
}

// cmdSTARTTLS upgrades the connection (RFC 3207). The go-ahead is flushed,
// then whatever the client sent after the command in clear is thrown away
// with the reader (never executed), and the session starts over: the
// client must say EHLO again.
func (s *session) cmdSTARTTLS(arg string) action {
	switch {
	case arg != "":
		s.reply(wire.CodeParamSyntax, wire.StatusInvalidArgs, "STARTTLS takes no argument")
		return actContinue
	case s.sub.c.IsTLS():
		s.reply(wire.CodeBadSequence, wire.StatusInvalidCommand, "TLS already active")
		return actContinue
	case !s.offerSTARTTLS():
		s.reply(wire.CodeNotImplemented, wire.StatusInvalidCommand, "Command not implemented")
		return actContinue
	}
	s.reply(wire.CodeServiceReady, wire.StatusOther, "SMTP server ready")
	if err := s.w.Flush(); err != nil {
		return actClose
	}
	if err := s.sub.c.StartTLS(); err != nil {
		s.log.Info("TLS handshake failed", "err", err)
		return actClose
	}
	s.setConn(s.sub.c.NetConn())
	s.helo, s.sub.esmtp = "", false
	s.resetTransaction()
	s.state = stateConnected
	s.log.Debug("TLS started")
	return actContinue
}

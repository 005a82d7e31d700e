package smtp

import (
	"strconv"

	"github.com/postern/postern/internal/smtp/wire"
)

// cmdLHLO answers LHLO (RFC 2033 4.1) with the service extensions. Like
// EHLO it may be repeated and then resets the transaction (RFC 5321
// 4.1.4).
func (s *session) cmdLHLO(arg string) action {
	name, err := wire.ParseHelloName(arg)
	if err != nil {
		s.log.Debug("bad LHLO", "err", err)
		s.reply(wire.CodeParamSyntax, wire.StatusInvalidArgs, "Syntax: LHLO hostname")
		return actContinue
	}
	s.helo = name
	s.state = stateReady
	s.resetTransaction()
	// No enhanced status codes on the LHLO reply (RFC 2034 3).
	s.replyLines(wire.CodeOK, wire.StatusNone,
		s.lim.hostname,
		"PIPELINING",          // RFC 2920
		"ENHANCEDSTATUSCODES", // RFC 2034
		"8BITMIME",            // RFC 6152
		"SIZE "+strconv.FormatInt(s.lim.maxMessageSize, 10), // RFC 1870
	)
	return actContinue
}

// cmdNotLMTP answers HELO and EHLO: an LMTP server must not accept them
// (RFC 2033 4.1), so that an SMTP client reaching it by mistake fails.
func (s *session) cmdNotLMTP(string) action {
	s.reply(wire.CodeSyntaxError, wire.StatusInvalidCommand, "This is LMTP, use LHLO")
	return actContinue
}

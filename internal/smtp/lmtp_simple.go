package smtp

import "github.com/postern/postern/internal/smtp/wire"

// cmdRSET aborts the transaction (RFC 5321 4.1.1.5).
func (s *session) cmdRSET(arg string) action {
	if arg != "" {
		s.reply(wire.CodeParamSyntax, wire.StatusInvalidArgs, "RSET takes no argument")
		return actContinue
	}
	s.resetTransaction()
	s.reply(wire.CodeOK, wire.StatusOther, "Ok")
	return actContinue
}

// cmdNOOP does nothing; an argument is allowed and ignored (RFC 5321
// 4.1.1.9).
func (s *session) cmdNOOP(string) action {
	s.reply(wire.CodeOK, wire.StatusOther, "Ok")
	return actContinue
}

// cmdVRFY never confirms an address, so it cannot be used to harvest
// them (RFC 5321 3.5.3, 7.3).
func (s *session) cmdVRFY(arg string) action {
	if arg == "" {
		s.reply(wire.CodeParamSyntax, wire.StatusInvalidArgs, "Syntax: VRFY address")
		return actContinue
	}
	s.reply(wire.CodeCannotVerify, wire.StatusOther, "Cannot VRFY user, but will accept message and attempt delivery")
	return actContinue
}

// cmdQUIT says goodbye and ends the session (RFC 5321 4.1.1.10).
func (s *session) cmdQUIT(string) action {
	s.reply(wire.CodeClosing, wire.StatusOther, s.lim.hostname+" closing connection")
	return actClose
}

// cmdNotImplemented answers commands known from SMTP that this service
// does not offer.
func (s *session) cmdNotImplemented(string) action {
	s.reply(wire.CodeNotImplemented, wire.StatusInvalidCommand, "Command not implemented")
	return actContinue
}

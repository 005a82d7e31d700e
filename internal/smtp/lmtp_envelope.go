package smtp

import (
	"errors"

	"github.com/postern/postern/internal/smtp/wire"
)

// cmdMAIL starts a transaction (RFC 5321 4.1.1.2). Parameters: SIZE (RFC
// 1870) and BODY=7BIT/8BITMIME (RFC 6152); any other is 555 5.5.4.
func (s *session) cmdMAIL(arg string) action {
	m, err := wire.ParseMailFrom(arg)
	if err != nil {
		s.log.Debug("bad MAIL", "err", err)
		s.replyParseError(err, wire.StatusBadSenderSyntax, "Syntax: MAIL FROM:<address>")
		return actContinue
	}
	for _, p := range m.Params {
		if p.Key != "SIZE" && p.Key != "BODY" || m.Body == "BINARYMIME" {
			s.reply(wire.CodeParamNotSupported, wire.StatusInvalidArgs, "Unsupported parameter")
			return actContinue
		}
	}
	if m.UTF8 {
		// SMTPUTF8 is not offered (RFC 6531 3.5).
		s.reply(wire.CodeMailboxNameBad, wire.StatusNonASCIIAddress, "Non-ASCII address not permitted")
		return actContinue
	}
	if m.Size > s.lim.maxMessageSize {
		// RFC 1870 6.1: the declared size exceeds the fixed maximum.
		s.reply(wire.CodeExceededStorage, wire.StatusMsgTooBig, "Message size exceeds fixed maximum message size")
		return actContinue
	}
	s.from = m.Addr
	s.state = stateMail
	s.reply(wire.CodeOK, wire.StatusAddressOther, "Ok")
	return actContinue
}

// cmdRCPT adds a recipient after asking the Deliverer about it (RFC 5321
// 4.1.1.3). No RCPT parameters are offered.
func (s *session) cmdRCPT(arg string) action {
	p, ok := s.parseRcpt(arg)
	if !ok {
		return actContinue
	}
	if err := s.deliverer.Recipient(s.ctx, p.Addr); err != nil {
		f := replyForError(err)
		s.log.Info("recipient rejected", "rcpt", p.Addr, "code", int(f.code), "err", err)
		s.reply(f.code, f.status, f.text)
		return actContinue
	}
	s.rcpts = append(s.rcpts, p.Addr)
	s.state = stateRcpt
	s.reply(wire.CodeOK, wire.StatusRcptValid, "Ok")
	return actContinue
}

// replyParseError answers a MAIL or RCPT argument that did not parse:
// addrStatus for a bad address, usage for any other syntax error.
func (s *session) replyParseError(err error, addrStatus wire.Status, usage string) {
	switch {
	case errors.Is(err, wire.ErrBadAddress):
		s.reply(wire.CodeParamSyntax, addrStatus, "Bad address syntax")
	case errors.Is(err, wire.ErrBadParam):
		s.reply(wire.CodeParamSyntax, wire.StatusInvalidArgs, "Invalid parameter")
	default:
		s.reply(wire.CodeParamSyntax, wire.StatusSyntaxError, usage)
	}
}

// parseRcpt parses RCPT's argument and applies the checks LMTP and
// submission share (no parameters, ASCII addresses, the recipient limit).
// On failure it has replied and ok is false.
func (s *session) parseRcpt(arg string) (p wire.Path, ok bool) {
	p, err := wire.ParseRcptTo(arg)
	switch {
	case err != nil:
		s.log.Debug("bad RCPT", "err", err)
		s.replyParseError(err, wire.StatusBadRcptSyntax, "Syntax: RCPT TO:<address>")
	case len(p.Params) > 0:
		s.reply(wire.CodeParamNotSupported, wire.StatusInvalidArgs, "Unsupported parameter")
	case p.UTF8 && (s.sub == nil || !s.sub.utf8): // SMTPUTF8 is for SMTP only
		s.reply(wire.CodeMailboxNameBad, wire.StatusNonASCIIAddress, "Non-ASCII address not permitted")
	case len(s.rcpts) >= s.lim.maxRecipients:
		// RFC 5321 4.5.3.1.10: 452, and the client sends the rest later.
		s.reply(wire.CodeInsufficientSpace, wire.StatusTooManyRcpts, "Too many recipients")
	default:
		return p, true
	}
	return p, false
}

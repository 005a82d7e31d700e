package smtp

import "github.com/postern/postern/internal/smtp/wire"

// Fixed texts of the submission policy (Exchange's wording where it has
// one).
const (
	textNotAuthenticated = "Client was not authenticated"
	textNoSubmit         = "Client does not have permissions to submit to this server"
	textSendAs           = "SMTP; Client does not have permissions to send as this sender"
	textAnonSendAs       = "Client does not have permissions to send as this sender"
	textNoRelay          = "SMTP; Unable to relay recipient in non-accepted domain"
	textNoRemoteYet      = "SMTP; Delivery to remote domains is not available yet"
	textMustStartTLS     = "Must issue a STARTTLS command first"
	textTemporary        = "Temporary failure, try again later"
)

// cmdSubmitMAIL starts a transaction (RFC 5321 4.1.1.2) if the connector
// lets this client send from this address. Parameters: SIZE (RFC 1870),
// BODY=7BIT/8BITMIME (RFC 6152) and AUTH (RFC 4954 5, accepted and not
// used); any other is 555 5.5.4.
func (s *session) cmdSubmitMAIL(arg string) action {
	m, err := wire.ParseMailFrom(arg)
	if err != nil {
		s.log.Debug("bad MAIL", "err", err)
		s.replyParseError(err, wire.StatusBadSenderSyntax, "Syntax: MAIL FROM:<address>")
		return actContinue
	}
	for _, p := range m.Params {
		if p.Key != "SIZE" && p.Key != "BODY" && p.Key != "AUTH" && p.Key != "SMTPUTF8" || m.Body == "BINARYMIME" {
			s.reply(wire.CodeParamNotSupported, wire.StatusInvalidArgs, "Unsupported parameter")
			return actContinue
		}
	}
	if m.UTF8 && !m.SMTPUTF8 {
		// A non-ASCII address needs the SMTPUTF8 parameter (RFC 6531 3.4).
		s.reply(wire.CodeMailboxNameBad, wire.StatusNonASCIIAddress, "Non-ASCII address not permitted")
		return actContinue
	}
	if m.Size > s.lim.maxMessageSize {
		s.reply(wire.CodeExceededStorage, wire.StatusMsgTooBig, "Message size exceeds fixed maximum message size")
		return actContinue
	}
	if s.sub.o.RequireTLS && !s.sub.c.IsTLS() {
		s.reply(codeAuthRequired, wire.StatusSecurityOther, textMustStartTLS)
		return actContinue
	}
	r := s.rights()
	if !r.submit {
		if s.sub.grant == nil {
			s.reply(codeAuthRequired, wire.StatusNotAuthorized, textNotAuthenticated)
		} else {
			s.reply(wire.CodeMailboxUnavail, wire.StatusNotAuthorized, textNoSubmit)
		}
		return actContinue
	}
	if !s.senderAllowed(r, m.Path) {
		return actContinue
	}
	s.from = m.Addr
	s.sub.remote, s.sub.utf8 = nil, m.SMTPUTF8
	s.sub.chunked, s.sub.prevCR, s.sub.bareEnding, s.sub.chunkFail = false, false, false, nil
	s.state = stateMail
	s.reply(wire.CodeOK, wire.StatusAddressOther, "Sender OK")
	return actContinue
}

// senderAllowed applies the sender rule of the client's rights, answering
// when it refuses: an authenticated user sends as one of its own
// addresses only (RFC 6409 4.1, 6.1); an anonymous client may not use an
// address of an accepted domain (Exchange's anti-spoofing rule).
func (s *session) senderAllowed(r rights, p wire.Path) bool {
	switch {
	case r.anySender:
		return true
	case r.asUser:
		ok := false
		if !p.IsNull() {
			var err error
			if ok, err = s.sub.o.Directory.SendAs(s.ctx, s.sub.grant.User, p.Addr); err != nil {
				return s.temporary("sender check failed", err)
			}
		}
		if !ok {
			s.log.Info("sender refused", "from", p.Addr)
			s.reply(wire.CodeMailboxUnavail, statusSendAs, textSendAs)
		}
		return ok
	case p.IsNull():
		return true
	}
	accepted, err := s.sub.o.Directory.AcceptedDomain(s.ctx, p.Domain)
	if err != nil {
		return s.temporary("domain check failed", err)
	}
	if accepted {
		s.log.Info("anonymous sender in an accepted domain refused", "from", p.Addr)
		s.reply(wire.CodeMailboxUnavail, wire.StatusNotAuthorized, textAnonSendAs)
		return false
	}
	return true
}

// temporary answers a directory failure with 451 4.3.0 and logs it.
func (s *session) temporary(what string, err error) bool {
	s.log.Error(what, "err", err)
	s.reply(wire.CodeLocalError, wire.StatusSystemOther, textTemporary)
	return false
}

// cmdSubmitRCPT adds a recipient (RFC 5321 4.1.1.3): one of the accepted
// domains that has a mailbox here, or, for clients with relay rights, any
// other, for the outbound queue. No RCPT parameters are offered.
func (s *session) cmdSubmitRCPT(arg string) action {
	p, ok := s.parseRcpt(arg)
	if !ok {
		return actContinue
	}
	local := p.Domain == "" // the domain-less Postmaster is ours
	if !local {
		accepted, err := s.sub.o.Directory.AcceptedDomain(s.ctx, p.Domain)
		if err != nil {
			s.temporary("domain check failed", err)
			return actContinue
		}
		local = accepted
	}
	if !local {
		switch {
		case s.rights().relay && s.sub.o.Queue != nil:
			if s.sub.remote == nil {
				s.sub.remote = map[string]bool{}
			}
			s.sub.remote[p.Addr] = true
			s.rcpts = append(s.rcpts, p.Addr)
			s.state = stateRcpt
			s.reply(wire.CodeOK, wire.StatusRcptValid, "Recipient OK")
		case s.rights().relay:
			s.log.Info("remote recipient refused: no outbound queue", "rcpt", p.Addr)
			s.reply(wire.CodeMailboxUnavail, statusRelayDenied, textNoRemoteYet)
		default:
			s.log.Info("relay refused", "rcpt", p.Addr)
			s.reply(wire.CodeMailboxUnavail, statusRelayDenied, textNoRelay)
		}
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
	s.reply(wire.CodeOK, wire.StatusRcptValid, "Recipient OK")
	return actContinue
}

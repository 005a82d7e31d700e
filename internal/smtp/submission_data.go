package smtp

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/postern/postern/internal/smtp/wire"
)

// maxHopCount is Exchange's MaxHopCount default: more Received fields
// than this means a loop.
const maxHopCount = 30

// cmdSubmitDATA receives the message, checks its header section, adds
// the fields a submission server adds (RFC 6409 8: Date and Message-ID
// when missing, and From from the envelope when missing) and the trace
// fields, and stores it for the local recipients. It answers 250 only
// once every copy is durable (DESIGN.md "Storage").
func (s *session) cmdSubmitDATA(arg string) action {
	if arg != "" {
		s.reply(wire.CodeParamSyntax, wire.StatusInvalidArgs, "DATA takes no argument")
		return actContinue
	}
	if s.sub.chunked || s.sub.chunkFail != nil {
		// DATA may not follow BDAT in one transaction (RFC 3030 3).
		s.reply(wire.CodeBadSequence, wire.StatusInvalidCommand, "DATA after BDAT")
		return actContinue
	}
	s.reply(wire.CodeStartData, wire.StatusNone, "Start mail input; end with <CRLF>.<CRLF>")
	if err := s.receive(); err != nil {
		f, fatal := s.receiveFailure(err)
		if fatal {
			return actClose
		}
		s.reply(f.code, f.status, f.text)
	} else if f, ok := s.submit(); !ok {
		s.reply(f.code, f.status, f.text)
	}
	s.resetTransaction()
	return actContinue
}

// submit checks and stores the spooled message. It answers itself on
// success and returns the failure to answer otherwise.
func (s *session) submit() (failure, bool) {
	h, err := scanHeader(s.spool.reader(), maxHeaderSize)
	switch {
	case errors.Is(err, errHeaderTooBig):
		s.log.Info("message rejected", "from", s.from, "reason", "header too big")
		return failure{wire.CodeExceededStorage, wire.StatusMsgTooBig, "Header size exceeds fixed maximum size"}, false
	case err != nil:
		s.log.Error("reading the spooled header failed", "err", err)
		return replyForError(err), false
	case h.received > maxHopCount:
		s.log.Info("message rejected", "from", s.from, "reason", "hop count", "received", h.received)
		return failure{wire.CodeTransactionFailed, statusHopCount, "Hop count exceeded - possible mail loop"}, false
	}
	if f, ok := s.checkFrom(h); !ok {
		return f, false
	}
	id := randomID(8)
	msgID := h.messageID
	var added strings.Builder
	now := s.now()
	if from := s.from; len(h.from) == 0 && from != "" {
		if g := s.sub.grant; g != nil {
			from = g.User.Address() // the user's own spelling
		}
		added.WriteString("From: <" + from + ">\r\n")
	}
	if !h.hasDate {
		added.WriteString("Date: " + now.Format(rfc5322Date) + "\r\n")
	}
	if !h.hasMsgID {
		msgID = "<" + randomID(10) + "@" + s.lim.hostname + ">"
		added.WriteString("Message-ID: " + msgID + "\r\n")
	}
	head := traceFields(s.from, s.helo, s.remote, s.lim.hostname, s.withKeyword(), id, now) + added.String()
	all, _ := dedupe(s.rcpts)
	size := int64(len(head)) + s.spool.size
	// The client has sent everything: shutdown must not abort the commit.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), s.lim.timeout)
	defer cancel()
	uniq, remote := s.splitRemote(all)
	if len(remote) > 0 {
		// The remote copies are made durable first: if that fails, nothing
		// is stored and the client may send again.
		if err := s.sub.o.Queue.Enqueue(ctx, s.from, remote, &prependReader{head: head, body: s.spool.reader()}, size); err != nil {
			s.log.Error("queueing failed", "id", id, "from", s.from, "err", err)
			return replyForError(err), false
		}
		for _, r := range remote {
			s.log.Info("queued", "id", id, "from", s.from, "rcpt", r, "size", size)
		}
		if len(uniq) == 0 {
			s.reply(wire.CodeOK, statusMsgQueued, msgID+" Queued mail for delivery")
			s.junk = 0
			return failure{}, true
		}
	}
	errs := s.deliverer.Deliver(ctx, s.from, uniq, &prependReader{head: head, body: s.spool.reader()}, size)
	if len(errs) != len(uniq) {
		s.log.Error("bad Deliverer", "err", fmt.Errorf("%w: %d for %d recipients", errDelivererContract, len(errs), len(uniq)))
		return replyForError(errDelivererContract), false
	}
	var first error
	stored := 0
	for i, err := range errs {
		if err != nil {
			s.log.Warn("delivery failed", "id", id, "from", s.from, "rcpt", uniq[i], "err", err)
			if first == nil {
				first = err
			}
			continue
		}
		stored++
		s.log.Info("delivered", "id", id, "from", s.from, "rcpt", uniq[i], "size", size)
	}
	if stored == 0 && len(remote) == 0 {
		return replyForError(first), false
	}
	if first != nil {
		// Some copies are stored: a failure reply would make the client
		// send them again. Without delivery status notifications yet the
		// failed recipients are only logged.
		s.log.Error("message stored for some recipients only; no DSN is sent", "id", id, "stored", stored, "failed", len(uniq)-stored)
	}
	s.reply(wire.CodeOK, statusMsgQueued, msgID+" Queued mail for delivery")
	s.junk = 0
	return failure{}, true
}

// checkFrom applies the sender rule to the From fields: for an
// authenticated user every From address must be one of the user's
// (RFC 6409 6.1); other clients' From fields are not checked.
func (s *session) checkFrom(h headerInfo) (failure, bool) {
	if !s.rights().asUser || len(h.from) == 0 {
		return failure{}, true
	}
	addrs, err := fromAddresses(h.from)
	if err != nil || len(addrs) == 0 {
		s.log.Info("message rejected", "reason", "From field unreadable", "err", err)
		return failure{wire.CodeTransactionFailed, wire.StatusMediaOther, "The From header field is not valid"}, false
	}
	for _, a := range addrs {
		ok, err := s.sub.o.Directory.SendAs(s.ctx, s.sub.grant.User, a)
		if err != nil {
			s.log.Error("sender check failed", "err", err)
			return failure{wire.CodeLocalError, wire.StatusSystemOther, textTemporary}, false
		}
		if !ok {
			s.log.Info("message rejected", "reason", "From is not the user's", "header_from", a)
			return failure{wire.CodeMailboxUnavail, statusSendAs, textSendAs}, false
		}
	}
	return failure{}, true
}

// withKeyword is the Received field's protocol (RFC 3848): SMTP after
// HELO; ESMTP (UTF8SMTP with SMTPUTF8) with S for TLS and A for
// authentication.
func (s *session) withKeyword() string {
	if !s.sub.esmtp {
		return "SMTP"
	}
	w := "ESMTP"
	if s.sub.utf8 {
		w = "UTF8SMTP" // RFC 6531 3.7.3
	}
	if s.sub.c.IsTLS() {
		w += "S"
	}
	if s.sub.grant != nil {
		w += "A"
	}
	return w
}

// splitRemote separates the recipients for the outbound queue from the
// local ones, keeping their order.
func (s *session) splitRemote(rcpts []string) (local, remote []string) {
	for _, r := range rcpts {
		if s.sub.remote[r] {
			remote = append(remote, r)
		} else {
			local = append(local, r)
		}
	}
	return local, remote
}

package imap

import (
	"context"
	"encoding/base64"
	"errors"
	"time"

	"github.com/postern/postern/internal/imap/wire"
	"github.com/postern/postern/internal/login"
	"github.com/postern/postern/internal/proxy"
)

// loginCommand runs LOGIN. Under a policy that refuses plain text on this
// channel it is refused before any look-up (spec §2.1, §11 item 7).
func (p *preLogin) loginCommand(ctx context.Context, cmd *wire.Command, args *wire.Parser, plainOK bool) bool {
	if !plainOK {
		return p.fail(cmd.Tag, textInvalidState)
	}
	user := args.AString()
	pass := args.AString()
	if args.End(); args.Err() != nil {
		return p.fail(cmd.Tag, textArgError)
	}
	return p.logon(ctx, cmd.Tag, "LOGIN", login.Attempt{User: user, Password: pass})
}

// authenticate runs AUTHENTICATE with SASL-IR (RFC 3501 §6.2.2, RFC 4959).
func (p *preLogin) authenticate(ctx context.Context, cmd *wire.Command, args *wire.Parser, plainOK bool) bool {
	mech := args.Atom()
	initial, hasInitial := args.InitialResponse()
	if args.End(); args.Err() != nil {
		return p.fail(cmd.Tag, textArgError)
	}
	if !plainOK {
		return p.fail(cmd.Tag, textInvalidState)
	}
	if !hasInitial {
		initial = nil
	}
	// AUTH=PLAIN is advertised; LOGIN is accepted too for old clients.
	s, err := login.NewSASL(mech, []string{"PLAIN", "LOGIN"})
	if err != nil {
		p.reply(cmd.Tag, wire.StatusNO, textUnknownMech)
		return p.tooMany()
	}
	authz, user, pass, err := login.Exchange(s, initial, prompter{p})
	switch {
	case login.ClientError(err):
		return p.fail(cmd.Tag, textAuthCancelled)
	case err != nil:
		return true
	}
	// An authorization identity naming another mailbox (RFC 4616) is a
	// delegate logon to it: the engine allows it with full access only.
	return p.logon(ctx, cmd.Tag, "AUTHENTICATE", login.Attempt{User: user, AuthzID: authz, Password: pass, Start: time.Now()})
}

// prompter is AUTHENTICATE's side of a SASL exchange (RFC 3501 §6.2.2).
type prompter struct{ p *preLogin }

func (pr prompter) Challenge(b []byte) error {
	pr.p.c.WriteString(saslContinueFormat + base64.StdEncoding.EncodeToString(b) + "\r\n")
	return pr.p.c.Flush()
}

func (pr prompter) Response() ([]byte, error) {
	line, err := pr.p.d.ReadLine()
	if err != nil {
		if wire.IsFatal(err) {
			return nil, err
		}
		return nil, login.ErrSASLSyntax
	}
	pr.p.plog.SASLResponse("authenticate", "", len(line), 0, 0)
	return line, nil
}

// logon verifies the credentials, routes the user to the backend holding
// the mailbox, and on success runs the backend session on this
// connection. It reports whether the connection is finished.
func (p *preLogin) logon(ctx context.Context, tag, verb string, a login.Attempt) bool {
	a.Source = p.c.Remote.Addr()
	if a.Start.IsZero() { // LOGIN, USER/PASS: from the command's arrival
		a.Start = p.start
	}
	g, err := p.f.o.Engine.Login(ctx, p.log, a)
	if err != nil {
		return p.logonFailed(tag, verb, err)
	}
	defer g.Release()
	log := p.log.With("user", g.User.Address())
	s, err := p.f.o.Router.Connect(ctx, "IMAP4", proxy.NewHandoff(g.User, p.c, p.f.o.AuthTimeout, p.f.o.MaxCommandSize, log))
	if err != nil {
		log.Warn("handoff failed", "err", err)
		p.reply(tag, wire.StatusNO, textUnavailable)
		return false
	}
	p.plog.SetUser(g.User.Address())
	// No CAPABILITY response code here: Exchange never sends one (spec
	// §11 item 14).
	p.reply(tag, wire.StatusOK, verb+" completed.")
	p.c.SetIdleTimeout(p.f.o.AuthTimeout)
	s.Run(ctx, p.c)
	return true
}

// logonFailed answers a failed logon with the text for its kind.
func (p *preLogin) logonFailed(tag, verb string, err error) bool {
	switch {
	case errors.Is(err, login.ErrThrottled):
		p.reply(tag, wire.StatusNO, "[UNAVAILABLE] "+textThrottled)
	case errors.Is(err, login.ErrUserLimit):
		p.reply(tag, wire.StatusNO, textUserLimit)
	case errors.Is(err, login.ErrTemporary):
		p.reply(tag, wire.StatusNO, "[UNAVAILABLE] "+textUnavailable)
	default:
		// Unknown user, wrong password, built-in account, IMAP4
		// disabled for the mailbox: one answer (the log tells them
		// apart).
		p.reply(tag, wire.StatusNO, verb+" failed.")
	}
	return p.tooMany()
}

package pop3

import (
	"context"
	"encoding/base64"
	"errors"

	"github.com/postern/postern/internal/login"
	"github.com/postern/postern/internal/pop3/wire"
	"github.com/postern/postern/internal/proxy"
)

func encode(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// logon verifies the credentials, routes the user to the backend holding
// the mailbox, and on success runs the backend session on this connection.
// It reports whether the connection is finished.
func (p *preLogin) logon(ctx context.Context, a login.Attempt) bool {
	a.Source = p.c.Remote.Addr()
	if a.Start.IsZero() { // LOGIN, USER/PASS: from the command's arrival
		a.Start = p.start
	}
	g, err := p.f.o.Engine.Login(ctx, p.log, a)
	if err != nil {
		return p.logonFailed(err)
	}
	defer g.Release()
	log := p.log.With("user", g.User.Address())
	s, err := p.f.o.Router.Connect(ctx, "POP3", proxy.NewHandoff(g.User, p.c, p.f.o.AuthTimeout, p.f.o.MaxCommandSize, log))
	if err != nil {
		log.Warn("handoff failed", "err", err)
		wire.Err(p.c.Writer(), textUnavailable)
		return false
	}
	p.plog.SetUser(g.User.Address())
	wire.OK(p.c.Writer(), textLogonOK)
	p.c.SetIdleTimeout(p.f.o.AuthTimeout)
	s.Run(ctx, p.c)
	return true
}

// logonFailed answers a failed logon with the text for its kind; after
// too many failures the connection ends.
func (p *preLogin) logonFailed(err error) bool {
	switch {
	case errors.Is(err, login.ErrThrottled):
		return p.fail("[SYS/TEMP] " + textThrottled)
	case errors.Is(err, login.ErrUserLimit):
		return p.fail(textUserLimit)
	case errors.Is(err, login.ErrTemporary):
		return p.fail("[SYS/TEMP] " + textUnavailable)
	}
	// Unknown user, wrong password, built-in account, POP3 disabled for
	// the mailbox: one answer (the log tells them apart).
	return p.fail(textLogonFailed)
}

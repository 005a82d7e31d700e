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
func (p *preLogin) logon(ctx context.Context, user, pass string) bool {
	g, err := p.f.o.Engine.Login(ctx, p.log, user, pass)
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
	case errors.Is(err, login.ErrDisabled):
		return p.fail(textNotConnected)
	case errors.Is(err, login.ErrUserLimit):
		return p.fail(textUserLimit)
	case errors.Is(err, login.ErrTemporary):
		return p.fail(textUnavailable)
	}
	return p.fail(textLogonFailed)
}

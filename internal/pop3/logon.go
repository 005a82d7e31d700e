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
		return p.logonFailed(ctx, err)
	}
	defer g.Release()
	log := p.log.With("user", g.User.Address())
	b, err := p.f.o.Router.Route(ctx, "POP3", g.User)
	var s proxy.Session
	if err == nil {
		s, err = b.Open(ctx, proxy.Handoff{
			User:           g.User,
			SessionID:      p.c.ID,
			Remote:         p.c.Remote,
			Local:          p.c.Local,
			ClientTLS:      p.c.IsTLS(),
			AuthTimeout:    p.f.o.AuthTimeout,
			MaxCommandSize: p.f.o.MaxCommandSize,
			Log:            log,
		})
	}
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
func (p *preLogin) logonFailed(ctx context.Context, err error) bool {
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

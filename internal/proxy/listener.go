package proxy

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/postern/postern/internal/directory"
	"github.com/postern/postern/internal/netserve"
)

// DefaultHandoffTimeout bounds the wait for the handoff line.
const DefaultHandoffTimeout = 10 * time.Second

// ProxyHandler is the netserve.Handler of a backend service's
// ProxyTargetPort. Its listeners are implicit TLS with BackendTLS, so a
// connection reaching it has presented a certificate of the organisation;
// the handler reads the handoff line, loads the user by ID and runs the
// backend session on the connection.
type ProxyHandler struct {
	Protocol string // "POP3" or "IMAP4"
	// Backend returns the running backend service, or nil if it is
	// stopped.
	Backend func() Backend
	// LookupUser loads a user from this server's directory.
	LookupUser func(ctx context.Context, id int64) (directory.User, error)
	Logger     *slog.Logger
	// HandoffTimeout bounds the wait for the handoff line; zero means
	// DefaultHandoffTimeout.
	HandoffTimeout time.Duration
	// Deliver, if set, takes mail for mailboxes active here from the
	// other servers' transport (deliver.go); MaxDeliverSize bounds it.
	Deliver        DeliverFunc
	MaxDeliverSize int64
}

var _ netserve.Handler = (*ProxyHandler)(nil)

// Refuse answers a connection over the service's limits.
func (p *ProxyHandler) Refuse(c *netserve.Conn, reason string) {
	c.WriteString("NO temp " + oneLine(reason) + "\r\n")
}

// ServeConn serves one proxied session.
func (p *ProxyHandler) ServeConn(ctx context.Context, c *netserve.Conn) {
	log := p.Logger
	if log == nil {
		log = slog.Default()
	}
	log = log.With("service", p.Protocol+" proxy target", "conn", c.ID, "peer", c.Remote.String())
	st, ok := c.TLSState()
	if !ok || len(st.PeerCertificates) == 0 {
		log.Warn("proxy connection without a client certificate")
		return
	}
	frontend, ok := ServerNameOf(st.PeerCertificates[0])
	if !ok {
		log.Warn("proxy connection from a certificate that names no server")
		return
	}
	log = log.With("frontend", frontend)
	limit := p.HandoffTimeout
	if limit <= 0 {
		limit = DefaultHandoffTimeout
	}
	c.SetIdleTimeout(limit)
	// One deadline for the whole line: ReadLine arms it once.
	line, err := c.ReadLine(MaxHandoffLine)
	if err != nil {
		if errors.Is(err, netserve.ErrLineTooLong) {
			p.refuse(c, "perm", "bad handoff")
		}
		log.Warn("no handoff", "err", err)
		return
	}
	if p.Deliver != nil && bytes.HasPrefix(line, []byte(deliverPrefix)) {
		p.serveDeliver(ctx, c, line, log)
		return
	}
	w, err := ParseHandoff(line)
	if err != nil {
		log.Warn("bad handoff", "err", err)
		p.refuse(c, "perm", "bad handoff")
		return
	}
	log = log.With("session", w.SessionID, "remote", w.Remote.String(), "user_id", w.UserID)
	if w.Protocol != p.Protocol {
		log.Warn("handoff for another protocol", "protocol", w.Protocol)
		p.refuse(c, "perm", "wrong protocol")
		return
	}
	u, err := p.LookupUser(ctx, w.UserID)
	if err != nil {
		log.Warn("handoff for an unknown user", "named", w.UserName, "err", err)
		p.refuse(c, "temp", "user not found")
		return
	}
	log = log.With("user", u.Address())
	b := p.Backend()
	if b == nil {
		p.refuse(c, "temp", "backend stopped")
		return
	}
	// The session's logs and throttles see the client, not the frontend.
	c.ID, c.Remote = w.SessionID, w.Remote
	h := Handoff{
		User:           u,
		SessionID:      w.SessionID,
		Remote:         w.Remote,
		Local:          w.Local,
		ClientTLS:      w.ClientTLS,
		AuthTimeout:    w.AuthTimeout,
		MaxCommandSize: w.MaxCommandSize,
		Log:            log,
	}
	s, err := b.Open(ctx, h)
	if err != nil {
		log.Warn("mailbox unavailable", "err", err)
		p.refuse(c, "temp", "mailbox unavailable")
		return
	}
	c.WriteString("OK\r\n")
	if err := c.Flush(); err != nil {
		return
	}
	c.SetIdleTimeout(w.AuthTimeout)
	s.Run(ctx, c)
}

func (p *ProxyHandler) refuse(c *netserve.Conn, kind, text string) {
	c.WriteString("NO " + kind + " " + oneLine(text) + "\r\n")
	c.Flush()
}

func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// Package proxy is the seam between frontend and backend services: after a
// frontend has authenticated a user, the Router finds the mailbox database,
// the server holding its active copy, and that server's backend service for
// the protocol, and the frontend hands the session over.
//
// A backend on the same server is reached in process (no second hop); one
// on another server through Router.Remote, typically a RemoteBackend: TLS
// to that server's ProxyTargetPort with the organisation's certificates
// (orgca.go), a one-line handoff (wire.go), then a byte relay. The other
// server serves that port with a ProxyHandler.
//
// Invariant: a backend accepts a Handoff only from a frontend in the same
// process or from a connection whose client certificate the organisation
// CA signed for a server; nothing a client sent is taken as an identity,
// and a handoff names its user by directory ID only.
package proxy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"github.com/postern/postern/internal/directory"
	"github.com/postern/postern/internal/netserve"
)

// Routing failures; frontends answer them with a temporary error.
var (
	ErrBackendStopped = errors.New("proxy: backend service is not running")
	ErrRemoteServer   = errors.New("proxy: mailbox is on another server")
)

// Handoff is what a frontend tells a backend about an authenticated session.
type Handoff struct {
	User      directory.User
	SessionID string
	Remote    netip.AddrPort
	Local     netip.AddrPort
	ClientTLS bool
	// AuthTimeout and MaxCommandSize are frontend settings that govern the
	// client connection after the handoff.
	AuthTimeout    time.Duration
	MaxCommandSize int
	Log            *slog.Logger
}

// Session is a backend's post-login session on one mailbox.
type Session interface {
	// Run serves the client until the session ends.
	Run(ctx context.Context, c *netserve.Conn)
}

// Backend is a running backend service for one protocol.
type Backend interface {
	// Open prepares the user's session (opens the mailbox) or fails.
	Open(ctx context.Context, h Handoff) (Session, error)
}

// Directory is what the router reads.
type Directory interface {
	Database(ctx context.Context, name string) (directory.Database, error)
}

// Router finds the backend for an authenticated user.
type Router struct {
	Directory Directory
	// Server is this server's name.
	Server string
	// Local returns the running local backend for a protocol ("POP3",
	// "IMAP4"), or nil if it is stopped.
	Local func(protocol string) Backend
	// Remote, if set, returns the backend service for protocol on another
	// server (a RemoteBackend); without it such a mailbox fails with
	// ErrRemoteServer.
	Remote func(ctx context.Context, server, protocol string) (Backend, error)
	// Locate, if set, returns the server holding the database's active
	// copy (a lease table); nil means db.Server.
	Locate func(ctx context.Context, db directory.Database) (server string, err error)
}

// Route returns the backend that serves u's mailbox for protocol.
func (r *Router) Route(ctx context.Context, protocol string, u directory.User) (Backend, error) {
	db, err := r.Directory.Database(ctx, u.Database)
	if err != nil {
		return nil, fmt.Errorf("mailbox database of %s: %w", u.Address(), err)
	}
	server := db.Server
	if r.Locate != nil {
		if server, err = r.Locate(ctx, db); err != nil {
			return nil, fmt.Errorf("active server of %s: %w", db.Name, err)
		}
	}
	if server != r.Server {
		if r.Remote == nil {
			return nil, fmt.Errorf("%s on %s: %w", db.Name, server, ErrRemoteServer)
		}
		b, err := r.Remote(ctx, server, protocol)
		if err != nil {
			return nil, fmt.Errorf("%s on %s: %w", db.Name, server, err)
		}
		return b, nil
	}
	b := r.Local(protocol)
	if b == nil {
		return nil, ErrBackendStopped
	}
	return b, nil
}

// Connect routes an authenticated user to the backend holding the mailbox
// and opens the session there.
func (r *Router) Connect(ctx context.Context, protocol string, h Handoff) (Session, error) {
	b, err := r.Route(ctx, protocol, h.User)
	if err != nil {
		return nil, err
	}
	return b.Open(ctx, h)
}

// NewHandoff describes an authenticated session on a frontend connection.
func NewHandoff(u directory.User, c *netserve.Conn, authTimeout time.Duration, maxCommand int, log *slog.Logger) Handoff {
	return Handoff{
		User:           u,
		SessionID:      c.ID,
		Remote:         c.Remote,
		Local:          c.Local,
		ClientTLS:      c.IsTLS(),
		AuthTimeout:    authTimeout,
		MaxCommandSize: maxCommand,
		Log:            log,
	}
}

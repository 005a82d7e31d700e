// Package backend is the IMAP4 backend service's post-login session: the
// authenticated and selected states of RFC 3501 with the extensions
// Exchange advertises (IDLE, UIDPLUS, MOVE, ID, UNSELECT, CHILDREN,
// NAMESPACE, LITERAL+) and, unless AdvertiseExchangeCapabilitiesOnly,
// Postern's additions (listext.go: LIST-EXTENDED, LIST-STATUS,
// SPECIAL-USE, CREATE-SPECIAL-USE, STATUS=SIZE), over the mailbox store.
// It is reached only through a proxy.Handoff from a trusted frontend and
// never sees LOGIN or AUTHENTICATE.
//
// Invariants:
//   - Sequence numbers live only in the session's view; the store speaks
//     UIDs.
//   - The command table says in which states a command is valid and
//     whether EXPUNGE responses may be sent while it runs (RFC 3501
//     §7.4.1); handlers never re-check.
//   - APPEND streams the message to the store; nothing holds a whole
//     message in memory.
package backend

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/postern/postern/internal/imap/caps"
	"github.com/postern/postern/internal/protolog"
	"github.com/postern/postern/internal/proxy"
	"github.com/postern/postern/internal/store"
)

// Options are the backend settings, read when the service starts.
type Options struct {
	// ShowHidden lists hidden folders (ShowHiddenFoldersEnabled).
	ShowHidden bool
	// ExchangeCapabilitiesOnly advertises Exchange's capabilities only
	// and refuses the extensions' syntax
	// (AdvertiseExchangeCapabilitiesOnly).
	ExchangeCapabilitiesOnly bool
	// MaxAppend bounds an APPEND message, in bytes.
	MaxAppend int64
	// Store returns the store of a mailbox database.
	Store func(database string) (store.Store, error)
	// CreateMailbox creates a mailbox that has no folders yet at its
	// first logon, as Exchange does (cluster mode: a mailbox added on
	// another server exists only in the directory until then).
	CreateMailbox bool
	Logger        *slog.Logger
	ProtoLog      *protolog.Logger // nil: protocol logging off
}

// Backend is a running IMAP4 backend service.
type Backend struct {
	o        Options
	sessions *proxy.Tracker
}

// New returns a backend.
func New(o Options) *Backend {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.MaxAppend <= 0 {
		o.MaxAppend = caps.AppendLimit
	}
	return &Backend{o: o, sessions: proxy.NewTracker()}
}

// Open prepares the user's session.
func (b *Backend) Open(ctx context.Context, h proxy.Handoff) (proxy.Session, error) {
	st, err := b.o.Store(h.User.Database)
	if err != nil {
		return nil, err
	}
	acct := store.AccountID(h.User.ID)
	if _, err := store.InboxOf(ctx, st, acct, b.o.CreateMailbox); err != nil {
		return nil, fmt.Errorf("mailbox of %s: %w", h.User.Address(), err)
	}
	return &session{b: b, h: h, st: st, acct: acct, log: h.Log, changed: make(chan struct{}, 1), origin: origins.Add(1)}, nil
}

// origins numbers the sessions' store changes (session.origin), from 1.
var origins atomic.Uint64

// Stop ends every session and waits for them, at most grace.
func (b *Backend) Stop(grace time.Duration) { b.sessions.Stop(grace) }

// EndDatabase ends the sessions on mailboxes in a mailbox database that
// is leaving this server (a switchover, a lost lease); the clients
// reconnect and are routed to the server that holds it now.
func (b *Backend) EndDatabase(name string) int { return b.sessions.End(name) }

// EndUser ends the sessions on one user's mailbox, which is being moved
// to another mailbox database; the clients' next logons wait for the move.
func (b *Backend) EndUser(id int64) int { return b.sessions.EndUser(id) }

// Package backend is the POP3 backend service's post-login session (the
// TRANSACTION and UPDATE states of RFC 1939) over the mailbox store. It is
// reached only through a proxy.Handoff from a trusted frontend and never
// sees USER, PASS or AUTH.
//
// Invariants:
//   - The maildrop is the Inbox as listed at logon; message numbers are fixed
//     for the session (RFC 1939 §5).
//   - Deletions happen only in UPDATE, after QUIT, and the "+OK" to QUIT is
//     sent only after the expunge is durable. A dropped or timed-out session
//     deletes nothing.
package backend

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/postern/postern/internal/protolog"
	"github.com/postern/postern/internal/proxy"
	"github.com/postern/postern/internal/store"
)

// Options are the backend settings, read when the service starts.
type Options struct {
	// Descending lists the newest message first (MessageRetrievalSortOrder).
	Descending bool
	// ExactSize is EnableExactRFC822Size. Postern stores the message bytes
	// as received, so its sizes are always exact; the setting is kept for
	// when retrieval formats convert bodies.
	ExactSize bool
	// Store returns the store of a mailbox database.
	Store func(database string) (store.Store, error)
	// CreateMailbox creates a mailbox that has no folders yet at its
	// first logon, as Exchange does (cluster mode: a mailbox added on
	// another server exists only in the directory until then).
	CreateMailbox bool
	Logger        *slog.Logger
	ProtoLog      *protolog.Logger // nil: protocol logging off
}

// Backend is a running POP3 backend service.
type Backend struct {
	o        Options
	sessions *proxy.Tracker
}

// New returns a backend.
func New(o Options) *Backend {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Backend{o: o, sessions: proxy.NewTracker()}
}

// Stop ends every session and waits for them, at most grace.
func (b *Backend) Stop(grace time.Duration) { b.sessions.Stop(grace) }

// EndDatabase ends the sessions on mailboxes in a mailbox database that
// is leaving this server (a switchover, a lost lease); the clients
// reconnect and are routed to the server that holds it now.
func (b *Backend) EndDatabase(name string) int { return b.sessions.End(name) }

// EndUser ends the sessions on one user's mailbox, which is being moved
// to another mailbox database; the clients' next logons wait for the move.
func (b *Backend) EndUser(id int64) int { return b.sessions.EndUser(id) }

// Open lists the user's Inbox and returns the session.
func (b *Backend) Open(ctx context.Context, h proxy.Handoff) (proxy.Session, error) {
	st, err := b.o.Store(h.User.Database)
	if err != nil {
		return nil, err
	}
	acct := store.AccountID(h.User.ID)
	f, err := store.InboxOf(ctx, st, acct, b.o.CreateMailbox)
	if err != nil {
		return nil, fmt.Errorf("inbox of %s: %w", h.User.Address(), err)
	}
	msgs, err := st.Messages(ctx, f.ID)
	if err != nil {
		return nil, fmt.Errorf("inbox of %s: %w", h.User.Address(), err)
	}
	s := &session{b: b, h: h, st: st, folder: f, log: h.Log}
	s.drop = make([]entry, len(msgs))
	for i, m := range msgs {
		j := i
		if b.o.Descending {
			j = len(msgs) - 1 - i
		}
		s.drop[j] = entry{uid: m.UID, size: m.Size, seen: hasFlag(m.Flags, store.FlagSeen)}
	}
	s.uidlPrefix = fmt.Sprintf("%08x", f.UIDValidity)
	return s, nil
}

func hasFlag(flags []string, f string) bool {
	for _, x := range flags {
		if x == f {
			return true
		}
	}
	return false
}

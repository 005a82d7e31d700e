package login

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/postern/postern/internal/directory"
)

// Logon failures. Adapters map each to their protocol's fixed text; the log
// gets the cause.
var (
	// ErrFailed: unknown user, wrong password, or a blocked account. The
	// client cannot tell these apart.
	ErrFailed = errors.New("login: logon failure")
	// ErrDisabled: the credentials were right but the protocol is disabled
	// for this mailbox (PopEnabled/ImapEnabled $false).
	ErrDisabled = errors.New("login: protocol disabled for this mailbox")
	// ErrUserLimit: MaxConnectionsPerUser reached.
	ErrUserLimit = errors.New("login: too many connections for this user")
	// ErrTemporary: the directory could not answer.
	ErrTemporary = errors.New("login: temporary failure")
	// ErrThrottled: too many failures from the address or for the account;
	// refused before any credential check.
	ErrThrottled = errors.New("login: too many failed logons from this address or for this account")
)

// blocked are the built-in accounts that may never log on over POP3 or
// IMAP4 (spec §1.5), as directory.Canonical folds them.
var blocked = map[string]bool{"administrator": true, "guest": true, "anonymous": true}

// Blocked reports whether a name a client typed folds to a built-in
// account that may not log on.
func Blocked(name string) bool {
	n, err := directory.Canonical(name)
	return err == nil && blocked[n.Alias]
}

// Verifier checks credentials; *directory.Directory is one.
type Verifier interface {
	Verify(ctx context.Context, name, password string) (directory.User, error)
}

// Options configure an Engine.
type Options struct {
	Protocol string // "POP3" or "IMAP4", for logs
	Verifier Verifier
	// Permit decides, after the credentials were verified, whether the user
	// may use this protocol (the per-mailbox switch); it returns
	// ErrDisabled or nil.
	Permit func(u directory.User) error
	// MaxPerUser is MaxConnectionsPerUser; 0 means no limit.
	MaxPerUser int
	// FailureDelay is how long a failed logon waits before its reply.
	FailureDelay time.Duration
	Logger       *slog.Logger
	// Delegation, if set, allows delegate logon (SplitDelegate): the
	// delegate's credentials open the principal's mailbox when the
	// delegate has full access to it. IMAP4 sets it.
	Delegation Delegation
}

// Delegation answers the questions of a delegate logon;
// *directory.Directory is one.
type Delegation interface {
	Lookup(ctx context.Context, name string) (directory.User, error)
	HasFullAccess(ctx context.Context, mailbox, user int64) (bool, error)
}

// SplitDelegate recognises the user names of a delegate logon (spec §1,
// MS-OXIMAP4 2.2.2): "domain/delegateAlias/principal" and
// "delegateUPN/principal", and also "domain\delegateAlias\principal",
// as Exchange's documentation writes it for shared mailboxes. principal
// is an alias or an address. ok is false for any other name.
func SplitDelegate(name string) (delegate, principal string, ok bool) {
	parts := strings.Split(name, "/")
	if len(parts) == 1 {
		parts = strings.Split(name, `\`)
		if len(parts) != 3 {
			return "", "", false
		}
	}
	for _, p := range parts {
		if p == "" {
			return "", "", false
		}
	}
	switch len(parts) {
	case 2:
		return parts[0], parts[1], true
	case 3:
		return parts[0] + `\` + parts[1], parts[2], true
	}
	return "", "", false
}

// Engine performs logons for one running frontend service.
type Engine struct {
	o     Options
	mu    sync.Mutex
	users map[int64]int
}

// NewEngine returns an engine.
func NewEngine(o Options) *Engine {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Engine{o: o, users: map[int64]int{}}
}

// Grant is a successful logon. Release it when the session ends.
type Grant struct {
	// User owns the mailbox the session opens.
	User directory.User
	// Delegate, after a delegate logon, is who logged on (User's mailbox
	// is open to them by full access); zero otherwise.
	Delegate directory.User
	once     sync.Once
	e        *Engine
}

// Release gives back the user's connection slot.
func (g *Grant) Release() {
	g.once.Do(func() {
		g.e.mu.Lock()
		if g.e.users[g.User.ID]--; g.e.users[g.User.ID] <= 0 {
			delete(g.e.users, g.User.ID)
		}
		g.e.mu.Unlock()
	})
}

// Login verifies a user name and password. The caller has already checked
// PlainAllowed for the channel. log carries the session's attributes.
func (e *Engine) Login(ctx context.Context, log *slog.Logger, name, password string) (*Grant, error) {
	g, err := e.login(ctx, name, password)
	if err != nil {
		log.Info("logon failed", "user", name, "err", err)
		if errors.Is(err, ErrFailed) && e.o.FailureDelay > 0 {
			t := time.NewTimer(e.o.FailureDelay)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
			}
		}
		return nil, err
	}
	if g.Delegate.ID != 0 {
		log.Info("logon", "user", g.User.Address(), "delegate", g.Delegate.Address())
	} else {
		log.Info("logon", "user", g.User.Address())
	}
	return g, nil
}

// LoginThrottled is Login behind t: a logon t does not allow is refused
// with ErrThrottled before any credential check (and without the failure
// delay), and a failed one counts in t. ip is the client's address.
func (e *Engine) LoginThrottled(ctx context.Context, log *slog.Logger, t *Throttle, ip netip.Addr, name, password string) (*Grant, error) {
	if !t.Allow(ip, name) {
		log.Warn("logon throttled", "user", name)
		return nil, ErrThrottled
	}
	g, err := e.Login(ctx, log, name, password)
	if errors.Is(err, ErrFailed) {
		t.Failed(ip, name)
	}
	return g, err
}

func (e *Engine) login(ctx context.Context, name, password string) (*Grant, error) {
	var delegate directory.User
	if d, principal, ok := SplitDelegate(name); ok && e.o.Delegation != nil {
		u, err := e.verify(ctx, d, password)
		if err != nil {
			return nil, err
		}
		delegate, name = u, principal
	}
	if Blocked(name) {
		return nil, ErrFailed
	}
	var u directory.User
	var err error
	if delegate.ID == 0 {
		u, err = e.verify(ctx, name, password)
	} else {
		u, err = e.principal(ctx, delegate, name)
	}
	if err != nil {
		return nil, err
	}
	if blocked[u.Alias] {
		return nil, ErrFailed
	}
	if e.o.Permit != nil {
		if err := e.o.Permit(u); err != nil {
			return nil, err
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.o.MaxPerUser > 0 && e.users[u.ID] >= e.o.MaxPerUser {
		return nil, ErrUserLimit
	}
	e.users[u.ID]++
	return &Grant{User: u, Delegate: delegate, e: e}, nil
}

// verify checks a name and password, mapping the directory's answers to
// the engine's errors.
func (e *Engine) verify(ctx context.Context, name, password string) (directory.User, error) {
	if Blocked(name) {
		return directory.User{}, ErrFailed
	}
	u, err := e.o.Verifier.Verify(ctx, name, password)
	switch {
	case err == nil:
	case errors.Is(err, directory.ErrNotFound), errors.Is(err, directory.ErrBadPassword), errors.Is(err, directory.ErrBadName):
		return u, ErrFailed
	default:
		return u, errors.Join(ErrTemporary, err)
	}
	if blocked[u.Alias] {
		return u, ErrFailed
	}
	return u, nil
}

// principal finds the mailbox a verified delegate asks for; one they have
// no full access to fails like a wrong password.
func (e *Engine) principal(ctx context.Context, delegate directory.User, name string) (directory.User, error) {
	u, err := e.o.Delegation.Lookup(ctx, name)
	switch {
	case err == nil:
	case errors.Is(err, directory.ErrNotFound), errors.Is(err, directory.ErrBadName):
		return u, ErrFailed
	default:
		return u, errors.Join(ErrTemporary, err)
	}
	if u.ID == delegate.ID {
		return u, nil
	}
	ok, err := e.o.Delegation.HasFullAccess(ctx, u.ID, delegate.ID)
	if err != nil {
		return u, errors.Join(ErrTemporary, err)
	}
	if !ok {
		return u, fmt.Errorf("%w: %s has no full access to %s", ErrFailed, delegate.Address(), u.Address())
	}
	return u, nil
}

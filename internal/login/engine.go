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
	// for this mailbox (PopEnabled/ImapEnabled $false). It wraps ErrFailed:
	// the client gets the same answer, at the same time, as for a wrong
	// password; only the log tells.
	ErrDisabled = fmt.Errorf("%w: protocol disabled for this mailbox", ErrFailed)
	// ErrUserLimit: MaxConnectionsPerUser reached.
	ErrUserLimit = errors.New("login: too many connections for this user")
	// ErrTemporary: the directory could not answer.
	ErrTemporary = errors.New("login: temporary failure")
	// ErrThrottled: the source has failed too often (for this account, or
	// would wait too long for its turn); refused before any credential
	// check.
	ErrThrottled = errors.New("login: too many failed logons from this address")
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
	// FailureDelay is how long after its command a failed logon is
	// answered (plus the throttle's wait); negative: the throttle's
	// FailureDelay, the server's logon setting.
	FailureDelay time.Duration
	// Throttle paces logons per source; share one between the services
	// of a server so that a guesser gains nothing by switching. nil: one
	// of the engine's own with the default budgets.
	Throttle *Throttle
	Logger   *slog.Logger
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

// NewEngine returns an engine. Without Options.Throttle it paces logons
// with a throttle of its own, with the default budgets.
func NewEngine(o Options) *Engine {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Throttle == nil {
		o.Throttle = NewThrottle(ThrottleOptions{})
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

// Attempt is one logon as a client made it.
type Attempt struct {
	// Source is the client's address, which the throttle paces.
	Source netip.Addr
	// User is the name the client authenticates as (LOGIN's, USER's,
	// SASL's authentication identity), perhaps in a delegate form.
	User string
	// AuthzID is SASL's authorization identity; "" if none was given.
	// One that names another account asks for a delegate logon to it.
	AuthzID  string
	Password string
	// Start is when the command arrived; zero means now. A failure is
	// answered FailureDelay after it (plus the throttle's wait), so every
	// kind of failure takes the same time.
	Start time.Time
}

// Login checks a logon behind the throttle. The caller has already
// checked PlainAllowed for the channel. log carries the session's
// attributes. Unknown users, built-in accounts, a protocol disabled for
// the mailbox and wrong passwords all cost one password check and the same
// delay, and return ErrFailed (ErrDisabled, which wraps ErrFailed, for the
// switch, so the log can tell); ErrThrottled when the source must wait
// too long, ErrTemporary when the directory cannot answer.
func (e *Engine) Login(ctx context.Context, log *slog.Logger, a Attempt) (*Grant, error) {
	if a.Start.IsZero() {
		a.Start = time.Now()
	}
	turn, err := e.o.Throttle.Admit(a.Source, a.User)
	if err != nil {
		log.Warn("logon refused", "user", a.User, "err", err)
		e.sleepUntil(ctx, a.Start.Add(e.failureDelay()))
		return nil, err
	}
	if turn.Wait > 0 {
		log.Info("logon delayed", "user", a.User, "wait", turn.Wait)
		tm := time.NewTimer(turn.Wait)
		select {
		case <-tm.C:
		case <-turn.Ready():
			tm.Stop()
		case <-ctx.Done():
			tm.Stop()
			turn.Done(Unanswered)
			return nil, errors.Join(ErrTemporary, ctx.Err())
		}
	}
	g, err := e.login(ctx, a)
	failed := errors.Is(err, ErrFailed)
	switch {
	case failed:
		turn.Done(Failed)
	case err == nil, errors.Is(err, ErrUserLimit):
		turn.Done(Succeeded)
	default:
		turn.Done(Unanswered)
	}
	if err != nil {
		log.Info("logon failed", "user", a.User, "err", err)
		if failed {
			e.sleepUntil(ctx, a.Start.Add(turn.Wait+e.failureDelay()))
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

// failureDelay is how long after its command a failure is answered.
func (e *Engine) failureDelay() time.Duration {
	if e.o.FailureDelay >= 0 {
		return e.o.FailureDelay
	}
	return max(0, e.o.Throttle.Options().FailureDelay)
}

// sleepUntil waits until t or the end of ctx; it reports whether t came.
func (e *Engine) sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// identity is who authenticates and whose mailbox opens.
type identity struct {
	authn     string // the name whose password is checked
	principal string // the mailbox to open; "" for authn's own
}

// identify reads an attempt's names: a delegate form of the user name
// (SplitDelegate) or an authorization identity naming another account
// asks for a delegate logon, which only an engine with Delegation
// accepts; ok is false for a request it refuses.
func (e *Engine) identify(a Attempt) (id identity, ok bool) {
	if a.AuthzID != "" && !sameAccount(a.AuthzID, a.User) {
		if e.o.Delegation == nil || strings.ContainsAny(a.User+a.AuthzID, `/\`) {
			return identity{authn: a.User}, false
		}
		return identity{authn: a.User, principal: a.AuthzID}, true
	}
	if e.o.Delegation != nil {
		if d, p, split := SplitDelegate(a.User); split {
			return identity{authn: d, principal: p}, true
		}
	}
	return identity{authn: a.User}, true
}

// sameAccount reports whether two names fold to the same account.
func sameAccount(a, b string) bool {
	x, err1 := directory.Canonical(a)
	y, err2 := directory.Canonical(b)
	return err1 == nil && err2 == nil && x.Alias == y.Alias
}

// login checks one attempt: always exactly one password check, whatever
// is wrong with the names, so that a refusal takes the time of a wrong
// password.
func (e *Engine) login(ctx context.Context, a Attempt) (*Grant, error) {
	id, ok := e.identify(a)
	delegate, err := e.verify(ctx, id.authn, a.Password)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%w: authorization as %q is not offered here", ErrFailed, a.AuthzID)
	}
	u := delegate
	if id.principal != "" {
		if u, err = e.principal(ctx, delegate, id.principal); err != nil {
			return nil, err
		}
		if u.ID == delegate.ID {
			delegate = directory.User{}
		}
	} else {
		delegate = directory.User{}
	}
	if blocked[u.Alias] {
		return nil, fmt.Errorf("%w: %s is a built-in account", ErrFailed, u.Alias)
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
	u, err := e.o.Verifier.Verify(ctx, name, password)
	switch {
	case err == nil:
	case errors.Is(err, directory.ErrNotFound), errors.Is(err, directory.ErrBadPassword), errors.Is(err, directory.ErrBadName):
		return u, errors.Join(ErrFailed, err)
	default:
		return u, errors.Join(ErrTemporary, err)
	}
	if blocked[u.Alias] {
		return u, fmt.Errorf("%w: %s is a built-in account", ErrFailed, u.Alias)
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

package admin

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/postern/postern/internal/admin/api"
	"github.com/postern/postern/internal/directory"
	"github.com/postern/postern/internal/login"
	"github.com/postern/postern/internal/server"
)

// The remote admin API: the same endpoints as the Unix socket, over HTTPS
// only, for administrators (users holding the administrator role; see
// directory.SetAdministrator) authenticated with HTTP Basic (RFC 7617)
// and their mailbox password, through the logon engine: failed logons are
// answered FailureDelay after the request and paced per client address
// (login.Throttle); past the throttle's limits attempts are refused
// without checking the password.
// Every change is in the admin audit log with the administrator's
// address and the client's address.

// HTTPSOptions configure ListenHTTPS. Zero fields take the defaults.
type HTTPSOptions struct {
	// Addr is the address to listen on, e.g. 127.0.0.1:8443.
	Addr string
	// FailureDelay is how long a failed logon waits before its answer.
	// Default 1 second.
	FailureDelay time.Duration
	// Throttle paces logons per source; nil means login's defaults.
	// The server shares one between every logon path.
	Throttle *login.Throttle
}

// Realm is the HTTP authentication realm of the remote admin API.
const Realm = "Postern administration"

// ListenHTTPS serves the admin API over HTTPS on o.Addr.
func ListenHTTPS(s *server.Server, o HTTPSOptions, log *slog.Logger) (*API, error) {
	if o.FailureDelay <= 0 {
		o.FailureDelay = time.Second
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return nil, err
	}
	a := &API{s: s, log: log, ln: ln}
	dir := s.Directory()
	// Only administrators: anyone else fails as a wrong password does,
	// counted and delayed, with a reply of its own.
	permit := func(u directory.User) error {
		ok, err := dir.IsAdministrator(context.Background(), u.ID)
		switch {
		case err != nil:
			return errors.Join(login.ErrTemporary, err)
		case !ok:
			return fmt.Errorf("%w: %w", login.ErrFailed, errNotAdmin)
		}
		return nil
	}
	ra := &remoteAuth{o: o, log: log, engine: login.NewEngine(login.Options{Protocol: "Admin", Verifier: dir, Permit: permit,
		FailureDelay: o.FailureDelay, Throttle: o.Throttle, Logger: log})}
	a.hs = &http.Server{Handler: ra.wrap(a.routes()), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 10 * time.Minute, IdleTimeout: 2 * time.Minute,
		MaxHeaderBytes: 64 << 10, TLSConfig: s.WebTLSConfig(), ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelDebug)}
	go a.hs.Serve(tls.NewListener(ln, a.hs.TLSConfig))
	return a, nil
}

// Addr is the address the API listens on.
func (a *API) Addr() net.Addr { return a.ln.Addr() }

// remoteKey is the context key of the administrator a remote request
// authenticated as.
type remoteKey struct{}

// remoteCaller is who made a remote request, for the audit log.
type remoteCaller struct {
	admin  string // the administrator's primary address
	client string // the client's IP address
}

type remoteAuth struct {
	engine *login.Engine // the mail protocols' logon rules
	o      HTTPSOptions
	log    *slog.Logger
}

// wrap admits only requests from an administrator.
func (ra *remoteAuth) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil {
			http.Error(w, "TLS is required", http.StatusForbidden)
			return
		}
		ip := clientIP(r)
		user, pass, ok := r.BasicAuth()
		if !ok {
			challenge(w, "This API needs an administrator's credentials (HTTP Basic).")
			return
		}
		u, err := ra.verify(r.Context(), ip, user, pass)
		if err != nil {
			if errors.Is(err, errNotAdmin) {
				ra.log.Warn("remote admin refused: not an administrator", "user", user, "client", ip)
				writeError(w, http.StatusForbidden, fmt.Sprintf("%s is not an administrator: grant the role with `postern user admin ADDRESS on`.", user))
				return
			}
			if !errors.Is(err, errLogonFailed) {
				ra.log.Error("remote admin logon", "err", err)
			}
			ra.log.Warn("remote admin logon failed", "user", user, "client", ip)
			challenge(w, "The user name or password is incorrect.")
			return
		}
		ctx := context.WithValue(r.Context(), remoteKey{}, &remoteCaller{admin: u.Address(), client: ip.String()})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

var (
	errLogonFailed = errors.New("logon failed")
	errNotAdmin    = errors.New("not an administrator")
)

// verify checks the credentials, through the logon engine as the mail
// protocols do, and the role. A failed or refused logon waits
// FailureDelay and counts in the throttle; a throttled one checks nothing.
func (ra *remoteAuth) verify(ctx context.Context, ip netip.Addr, user, pass string) (directory.User, error) {
	g, err := ra.engine.Login(ctx, ra.log, login.Attempt{Source: ip, User: user, Password: pass})
	switch {
	case errors.Is(err, errNotAdmin):
		return directory.User{}, errNotAdmin
	case errors.Is(err, login.ErrThrottled), errors.Is(err, login.ErrFailed):
		return directory.User{}, errLogonFailed
	case err != nil:
		return directory.User{}, err
	}
	g.Release()
	return g.User, nil
}

func clientIP(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

func challenge(w http.ResponseWriter, msg string) {
	w.Header().Set("WWW-Authenticate", `Basic realm="`+Realm+`", charset="UTF-8"`)
	writeError(w, http.StatusUnauthorized, msg)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(api.Error{Error: msg})
}

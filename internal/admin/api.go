// Package admin is the admin API: the only way settings, users and services
// change. The server side is JSON over HTTP on a local Unix socket (mode
// 0600, so only the server's own user reaches it) and, with
// ListenHTTPS, over HTTPS for administrators; every change is audited.
// The request and answer bodies are package api's (admin/api). Client is
// the other end: its Requests, one typed method per endpoint, are what the
// CLI verbs and the cmdlet shell call, so that the endpoints' paths are
// written in this package only.
//
// Invariant: handlers call exported methods of server.Server and convert
// their answers to the api types, nothing else; passwords arrive in
// request bodies, never in URLs, and are never logged.
package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/postern/postern/internal/admin/api"
	"github.com/postern/postern/internal/config"
	"github.com/postern/postern/internal/directory"
	"github.com/postern/postern/internal/queue"
	"github.com/postern/postern/internal/server"
	"github.com/postern/postern/internal/tlsconf"
)

// maxRequest bounds a JSON request body.
const maxRequest = 1 << 20

// API serves the admin endpoints for one server.
type API struct {
	s   *server.Server
	log *slog.Logger
	hs  *http.Server
	ln  net.Listener
}

// Listen binds the admin socket at path (replacing a stale one) and serves.
func Listen(s *server.Server, path string, log *slog.Logger) (*API, error) {
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSocket != 0 {
		if c, err := net.Dial("unix", path); err == nil {
			c.Close()
			return nil, fmt.Errorf("admin socket %s is in use: is another postern running on this data folder?", path)
		}
		os.Remove(path)
	}
	old := umask(0o177)
	ln, err := net.Listen("unix", path)
	umask(old)
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, err
	}
	a := &API{s: s, log: log, ln: ln}
	a.hs = &http.Server{Handler: a.routes(), ReadHeaderTimeout: 10 * time.Second, ConnContext: peerContext}
	go a.hs.Serve(ln)
	return a, nil
}

// Close stops serving.
func (a *API) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return a.hs.Shutdown(ctx)
}

func (a *API) routes() http.Handler {
	m := http.NewServeMux()
	m.HandleFunc("GET /v1/info", get(a, a.info))
	m.HandleFunc("GET /v1/users", get(a, a.listUsers))
	m.HandleFunc("POST /v1/users", post(a, a.addUser))
	m.HandleFunc("POST /v1/users/remove", post(a, a.removeUser))
	m.HandleFunc("POST /v1/users/password", post(a, a.setPassword))
	m.HandleFunc("GET /v1/servers", get(a, a.listServers))
	m.HandleFunc("GET /v1/databases", get(a, a.listDatabases))
	m.HandleFunc("POST /v1/databases", post(a, a.newDatabase))
	m.HandleFunc("POST /v1/databases/action", post(a, a.databaseAction))
	m.HandleFunc("GET /v1/services", get(a, a.listServices))
	m.HandleFunc("POST /v1/services/action", post(a, a.serviceAction))
	m.HandleFunc("POST /v1/services/startup", post(a, a.setStartup))
	m.HandleFunc("GET /v1/settings/transport", get(a, a.getTransport))
	m.HandleFunc("POST /v1/settings/transport", post(a, a.setTransport))
	a.logonRoutes(m) // before /v1/settings/{protocol}
	a.backupRoutes(m)
	a.moveRoutes(m)
	m.HandleFunc("GET /v1/settings/web", get(a, a.getWeb))
	m.HandleFunc("POST /v1/settings/web", post(a, a.setWeb))
	m.HandleFunc("GET /v1/settings/{protocol}", get(a, a.getSettings))
	m.HandleFunc("POST /v1/settings/{protocol}", post(a, a.setSettings))
	m.HandleFunc("GET /v1/casmailbox", get(a, a.getCAS))
	m.HandleFunc("POST /v1/casmailbox", post(a, a.setCAS))
	m.HandleFunc("POST /v1/deliver", get(a, a.deliver)) // the body is the message
	m.HandleFunc("GET /v1/certificates", get(a, a.listCerts))
	m.HandleFunc("POST /v1/certificates", post(a, a.importCert))
	m.HandleFunc("POST /v1/certificates/new", post(a, a.newCert))
	m.HandleFunc("GET /v1/connectors", get(a, a.listConnectors))
	m.HandleFunc("POST /v1/connectors", post(a, a.newConnector))
	m.HandleFunc("POST /v1/connectors/set", post(a, a.setConnector))
	m.HandleFunc("POST /v1/connectors/remove", post(a, a.removeConnector))
	m.HandleFunc("GET /v1/queue", get(a, a.listQueue))
	m.HandleFunc("POST /v1/queue/retry", post(a, a.retryQueue))
	m.HandleFunc("POST /v1/queue/remove", post(a, a.removeQueued))
	m.HandleFunc("POST /v1/settings/transport/outbound", post(a, a.setOutbound))
	m.HandleFunc("GET /v1/sendconnectors", get(a, a.listSendConnectors))
	m.HandleFunc("POST /v1/sendconnectors", post(a, a.newSendConnector))
	m.HandleFunc("POST /v1/sendconnectors/set", post(a, a.setSendConnector))
	m.HandleFunc("POST /v1/sendconnectors/remove", post(a, a.removeSendConnector))
	a.shellRoutes(m)
	a.domainRoutes(m)
	a.roleRoutes(m)
	a.permissionRoutes(m)
	return a.audited(m)
}

// get adapts a handler that takes no JSON body.
func get[T any](a *API, fn func(*http.Request) (T, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := fn(r)
		if err != nil {
			a.fail(w, err)
			return
		}
		reply(w, v)
	}
}

// post adapts a handler that takes a JSON body.
func post[Req, T any](a *API, fn func(*http.Request, Req) (T, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req Req
		if err := decode(r, &req); err != nil {
			a.fail(w, err)
			return
		}
		v, err := fn(r, req)
		if err != nil {
			a.fail(w, err)
			return
		}
		reply(w, v)
	}
}

func reply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func (a *API) fail(w http.ResponseWriter, err error) {
	code := http.StatusInternalServerError
	var pe *config.ParamError
	switch {
	case errors.Is(err, directory.ErrNotFound), errors.Is(err, server.ErrNoService), errors.Is(err, queue.ErrNotFound):
		code = http.StatusNotFound
	case errors.Is(err, directory.ErrExists), errors.Is(err, tlsconf.ErrExists):
		code = http.StatusConflict
	case errors.As(err, &pe), errors.Is(err, directory.ErrBadName), errors.Is(err, directory.ErrOwnMailbox), errors.Is(err, errBadRequest),
		errors.Is(err, server.ErrDisabled), errors.Is(err, tlsconf.ErrInvalid), errors.Is(err, server.ErrMove):
		code = http.StatusBadRequest
	}
	if code == http.StatusInternalServerError {
		a.log.Error("admin request failed", "err", err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(api.Error{Error: err.Error()})
}

var errBadRequest = errors.New("bad request")

func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, maxRequest))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %v", errBadRequest, err)
	}
	return nil
}

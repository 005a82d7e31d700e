// Package admin is the admin API: the only way settings, users and services
// change. The server side is JSON over HTTP on a local Unix socket (mode
// 0600, so only the server's own user reaches it); Client is the other end,
// used by the CLI verbs (and later the cmdlet shell and the web pages).
//
// Invariant: handlers call exported methods of server.Server and nothing
// else; passwords arrive in request bodies, never in URLs, and are never
// logged.
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

	"github.com/postern/postern/internal/config"
	"github.com/postern/postern/internal/directory"
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
	a.hs = &http.Server{Handler: a.routes(), ReadHeaderTimeout: 10 * time.Second}
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
	m.HandleFunc("GET /v1/info", a.info)
	m.HandleFunc("GET /v1/users", a.listUsers)
	m.HandleFunc("POST /v1/users", a.addUser)
	m.HandleFunc("POST /v1/users/remove", a.removeUser)
	m.HandleFunc("POST /v1/users/password", a.setPassword)
	m.HandleFunc("GET /v1/services", a.listServices)
	m.HandleFunc("POST /v1/services/action", a.serviceAction)
	m.HandleFunc("POST /v1/services/startup", a.setStartup)
	m.HandleFunc("GET /v1/settings/transport", a.getTransport)
	m.HandleFunc("POST /v1/settings/transport", a.setTransport)
	m.HandleFunc("GET /v1/settings/{protocol}", a.getSettings)
	m.HandleFunc("POST /v1/settings/{protocol}", a.setSettings)
	m.HandleFunc("GET /v1/casmailbox", a.getCAS)
	m.HandleFunc("POST /v1/casmailbox", a.setCAS)
	m.HandleFunc("POST /v1/deliver", a.deliver)
	m.HandleFunc("GET /v1/certificates", a.listCerts)
	m.HandleFunc("POST /v1/certificates", a.importCert)
	return m
}

// Error is the body of every failed request.
type Error struct {
	Error string `json:"error"`
}

func reply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func (a *API) fail(w http.ResponseWriter, err error) {
	code := http.StatusInternalServerError
	var pe *config.ParamError
	switch {
	case errors.Is(err, directory.ErrNotFound), errors.Is(err, server.ErrNoService):
		code = http.StatusNotFound
	case errors.Is(err, directory.ErrExists), errors.Is(err, tlsconf.ErrExists):
		code = http.StatusConflict
	case errors.As(err, &pe), errors.Is(err, directory.ErrBadName), errors.Is(err, errBadRequest),
		errors.Is(err, server.ErrDisabled), errors.Is(err, tlsconf.ErrInvalid):
		code = http.StatusBadRequest
	}
	if code == http.StatusInternalServerError {
		a.log.Error("admin request failed", "err", err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(Error{Error: err.Error()})
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

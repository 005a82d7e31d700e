package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/postern/postern/internal/admin/api"
)

// The admin audit log records every change made through the API, as
// Exchange's admin audit logging does: one JSON line per POST request in
// <data>/Logging/AdminAudit/audit.log (mode 0600), with the time, the
// caller (the uid of the process at the other end of the socket, from
// SO_PEERCRED; or, over HTTPS, the administrator's address and the
// client's), the cmdlet the shell ran, the endpoint, the parameters
// with secrets masked, and the outcome. Requests that change nothing
// (-WhatIf validation) and mail delivery are not recorded.
//
// Invariant: a password, a private key or any other secret never reaches
// the file; maskSecrets replaces them before anything is written.

// AuditPath returns the audit log's path in a data folder.
func AuditPath(dataDir string) string {
	return filepath.Join(dataDir, "Logging", "AdminAudit", "audit.log")
}

// AuditEntry is one line of the audit log.
type AuditEntry struct {
	Time time.Time `json:"time"`
	// UID is the caller's user id, or "local" when it is not known.
	UID  string `json:"uid"`
	User string `json:"user,omitempty"`
	PID  int32  `json:"pid,omitempty"`
	// Admin is the administrator a remote (HTTPS) request authenticated
	// as, and Client the address it came from; UID is then "remote".
	Admin  string `json:"admin,omitempty"`
	Client string `json:"client,omitempty"`
	// Cmdlet is the shell cmdlet that made the request; empty for the CLI
	// verbs.
	Cmdlet     string          `json:"cmdlet,omitempty"`
	Endpoint   string          `json:"endpoint"`
	Parameters json.RawMessage `json:"parameters,omitempty"`
	Status     int             `json:"status"`
	Error      string          `json:"error,omitempty"`
}

type auditLog struct {
	mu   sync.Mutex
	path string
	log  *slog.Logger
}

// audited wraps the API's handler so that every change is recorded.
func (a *API) audited(next http.Handler) http.Handler {
	al := &auditLog{path: AuditPath(a.s.DataDir()), log: a.log}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !auditable(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxRequest+1))
		if err != nil {
			a.fail(w, fmt.Errorf("%w: %v", errBadRequest, err))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		e := AuditEntry{Time: time.Now().UTC(), UID: "local", Cmdlet: r.Header.Get(CmdletHeader),
			Endpoint: r.Method + " " + r.URL.Path, Parameters: maskSecrets(body), Status: rec.status}
		if p, ok := r.Context().Value(peerKey{}).(*peer); ok {
			e.UID, e.User, e.PID = strconv.Itoa(int(p.uid)), p.user, p.pid
		}
		if rc, ok := r.Context().Value(remoteKey{}).(*remoteCaller); ok {
			e.UID, e.Admin, e.Client = "remote", rc.admin, rc.client
		}
		if rec.status != http.StatusOK {
			var fe api.Error
			json.Unmarshal(rec.body.Bytes(), &fe)
			e.Error = fe.Error
		}
		al.write(e)
	})
}

// auditable reports whether a POST endpoint changes something.
func auditable(path string) bool {
	return !strings.HasPrefix(path, "/v1/whatif/") && path != "/v1/deliver"
}

func (al *auditLog) write(e AuditEntry) {
	line, err := json.Marshal(e)
	if err != nil {
		al.log.Error("admin audit log", "err", err)
		return
	}
	al.mu.Lock()
	defer al.mu.Unlock()
	if err := os.MkdirAll(filepath.Dir(al.path), 0o700); err != nil {
		al.log.Error("admin audit log", "err", err)
		return
	}
	f, err := os.OpenFile(al.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		al.log.Error("admin audit log", "err", err)
		return
	}
	defer f.Close()
	if _, err := f.Write(append(line, '\n')); err != nil {
		al.log.Error("admin audit log", "err", err)
	}
}

// recorder keeps the status and, for a failure, the (small) error body.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status != http.StatusOK && r.body.Len() < 4096 {
		r.body.Write(b[:min(len(b), 4096-r.body.Len())])
	}
	return r.ResponseWriter.Write(b)
}

// maskSecrets returns the JSON body with every secret replaced: members
// whose name says password, secret or key, and certificate PEM text
// (recorded by size). A body that is not JSON is recorded by size only.
func maskSecrets(body []byte) json.RawMessage {
	if len(body) == 0 {
		return nil
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		b, _ := json.Marshal(fmt.Sprintf("(%d bytes, not JSON)", len(body)))
		return b
	}
	b, err := json.Marshal(maskValue("", v))
	if err != nil {
		return nil
	}
	return b
}

func maskValue(name string, v any) any {
	n := strings.ToLower(name)
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = maskValue(k, e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = maskValue(name, e)
		}
		return x
	case string:
		switch {
		case strings.Contains(n, "password") || strings.Contains(n, "secret") || n == "key" || strings.HasSuffix(n, "privatekey"):
			return "********"
		case n == "certificate":
			return fmt.Sprintf("(PEM, %d bytes)", len(x))
		}
	}
	return v
}

// peerKey is the context key of the caller's credentials.
type peerKey struct{}

// peer is the process at the other end of the admin socket.
type peer struct {
	uid  uint32
	pid  int32
	user string
}

// peerContext records the caller's credentials for the audit log; it is
// the http.Server's ConnContext.
func peerContext(ctx context.Context, c net.Conn) context.Context {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return ctx
	}
	p, err := peerCredentials(uc)
	if err != nil {
		return ctx
	}
	if u, err := user.LookupId(strconv.Itoa(int(p.uid))); err == nil {
		p.user = u.Username
	}
	return context.WithValue(ctx, peerKey{}, p)
}

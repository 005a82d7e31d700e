package admin

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/internal/admin/api"
	"github.com/postern/postern/internal/login"
	"github.com/postern/postern/internal/server"
)

// TestRemoteAdmin drives the HTTPS admin API in this process: TLS only,
// HTTP Basic with a mailbox password, administrators only, failures
// delayed and throttled, and every change audited with the
// administrator's address and secrets masked.
func TestRemoteAdmin(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	log := slog.New(slog.DiscardHandler)
	s, err := server.Open(ctx, server.Options{DataDir: dir, FQDN: "mail.test", Logger: log, Local: true,
		HashParams: server.HashParams{MemoryKiB: 1024, Time: 1, Threads: 1}, NoAutostart: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, u := range []string{"boss@mail.test", "clerk@mail.test"} {
		if _, err := s.AddUser(ctx, u, "Right-1", "", ""); err != nil {
			t.Fatal(err)
		}
	}
	boss, _ := s.Directory().Lookup(ctx, "boss@mail.test")
	if err := s.Directory().SetAdministrator(ctx, boss.ID, true); err != nil {
		t.Fatal(err)
	}
	const delay = 50 * time.Millisecond
	ra, err := ListenHTTPS(s, HTTPSOptions{Addr: "127.0.0.1:0", FailureDelay: delay,
		Throttle: login.NewThrottle(login.ThrottleOptions{PerAccountSource: 3, MaxPenalty: 10 * time.Millisecond, PerMinute: 1000})}, log)
	if err != nil {
		t.Fatal(err)
	}
	defer ra.Close()
	base := "https://" + ra.Addr().String()
	pem, err := os.ReadFile(s.CertificatePath())
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	client := func(user, pw string) *Client {
		c, err := NewRemoteClient(base, user, pw, roots)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	status := func(err error) int {
		var se *StatusError
		if errors.As(err, &se) {
			return se.Code
		}
		return 0
	}

	// An administrator reads and changes; the change is audited.
	var in api.Info
	if err := client("boss@mail.test", "Right-1").Get(ctx, "/v1/info", &in); err != nil || in.FQDN != "mail.test" {
		t.Fatalf("GET /v1/info as an administrator: %+v %v", in, err)
	}
	err = client("Boss@Mail.Test", "Right-1").Do(ctx, http.MethodPost, "New-Mailbox", "/v1/users", api.NewUser{Address: "new@mail.test", Password: "Secret-Pw-7"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	audit, _ := os.ReadFile(AuditPath(dir))
	var e AuditEntry
	lines := strings.Split(strings.TrimSpace(string(audit)), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &e); err != nil {
		t.Fatalf("audit log %q: %v", audit, err)
	}
	if e.UID != "remote" || e.Admin != "boss@mail.test" || e.Client != "127.0.0.1" || e.Cmdlet != "New-Mailbox" ||
		e.Endpoint != "POST /v1/users" || strings.Contains(string(audit), "Secret-Pw-7") || strings.Contains(string(audit), "Right-1") {
		t.Errorf("audit entry %+v\n%s", e, audit)
	}

	// Wrong password, unknown user: 401 after the delay. A user who is
	// not an administrator: 403.
	start := time.Now()
	if err := client("boss@mail.test", "wrong").Get(ctx, "/v1/info", &in); status(err) != http.StatusUnauthorized ||
		!strings.Contains(err.Error(), "incorrect") || time.Since(start) < delay {
		t.Errorf("wrong password: %v after %v", err, time.Since(start))
	}
	if err := client("nobody@mail.test", "x").Get(ctx, "/v1/info", &in); status(err) != http.StatusUnauthorized {
		t.Errorf("unknown user: %v", err)
	}
	if err := client("clerk@mail.test", "Right-1").Post(ctx, "/v1/domains", api.NewDomain{DomainName: "x.example"}, nil); status(err) != http.StatusForbidden ||
		!strings.Contains(err.Error(), "not an administrator") {
		t.Errorf("non-administrator: %v", err)
	}
	if list, _ := s.Directory().Domains(ctx); len(list) != 1 {
		t.Errorf("the refused request changed the domains: %v", list)
	}
	// No credentials at all: a Basic challenge.
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	resp, err := hc.Get(base + "/v1/info")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic ") {
		t.Errorf("no credentials: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	// Plain HTTP is not served.
	if resp, err := http.Get("http://" + ra.Addr().String() + "/v1/info"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Error("plain HTTP answered")
		}
	}
	// Throttled: after 3 failures on the account from this address (one
	// above, two here), even the right password is refused from it,
	// without a check.
	for range 2 {
		client("boss@mail.test", "wrong").Get(ctx, "/v1/info", &in)
	}
	if err := client("boss@mail.test", "Right-1").Get(ctx, "/v1/info", &in); status(err) != http.StatusUnauthorized {
		t.Errorf("after 3 failures the right password was accepted: %v", err)
	}
	// Other accounts are not affected.
	s.Directory().SetAdministrator(ctx, mustLookup(t, s, "clerk@mail.test"), true)
	if err := client("clerk@mail.test", "Right-1").Get(ctx, "/v1/info", &in); err != nil {
		t.Errorf("another administrator after the throttle: %v", err)
	}

	// The client refuses anything but https, and a certificate it can't verify.
	if _, err := NewRemoteClient("http://"+ra.Addr().String(), "boss@mail.test", "x", roots); err == nil {
		t.Error("NewRemoteClient took an http URL")
	}
	c, _ := NewRemoteClient(base, "clerk@mail.test", "Right-1", x509.NewCertPool())
	if err := c.Get(ctx, "/v1/info", &in); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("untrusted certificate: %v", err)
	}
}

func mustLookup(t *testing.T, s *server.Server, name string) int64 {
	t.Helper()
	u, err := s.Directory().Lookup(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

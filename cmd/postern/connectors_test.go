package main

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/postern/postern/internal/admin"
	"github.com/postern/postern/internal/server"
	"github.com/postern/postern/internal/testkit"
)

// TestConnectorVerbs drives `postern connector list|show|new|set|remove`
// against a server in this process, through the admin socket.
func TestConnectorVerbs(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	log := slog.New(slog.DiscardHandler)
	s, err := server.Open(ctx, server.Options{DataDir: dir, FQDN: "mail.test", Logger: log,
		HashParams: server.HashParams{MemoryKiB: 1024, Time: 1, Threads: 1}, NoAutostart: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	api, err := admin.Listen(s, filepath.Join(dir, "admin.sock"), log)
	if err != nil {
		t.Fatal(err)
	}
	defer api.Close()
	do := func(args ...string) (string, error) {
		var out bytes.Buffer
		c := &cli{dataDir: dir, stdin: strings.NewReader(""), out: &out}
		err := c.connector(ctx, args)
		return out.String(), err
	}
	must := func(args ...string) string {
		t.Helper()
		out, err := do(args...)
		if err != nil {
			t.Fatalf("connector %s: %v", strings.Join(args, " "), err)
		}
		return out
	}

	list := strings.Join(strings.Fields(must("list")), " ")
	for _, want := range []string{
		`MAIL\Client Frontend MAIL True {[::]:587, 0.0.0.0:587} Tls, Integrated, BasicAuth, BasicAuthRequireTLS ExchangeUsers`,
		`MAIL\Default Frontend MAIL True {[::]:25, 0.0.0.0:25} Tls, Integrated, BasicAuth, BasicAuthRequireTLS, ExchangeServer AnonymousUsers, ExchangeServers, ExchangeLegacyServers`,
	} {
		if !strings.Contains(list, want) {
			t.Errorf("list lacks %q:\n%s", want, list)
		}
	}
	show := must("show", `MAIL\client frontend mail`)
	for _, want := range []string{"Identity                      : MAIL\\Client Frontend MAIL", "MaxMessageSize                : 36 MB (37,748,736 bytes)",
		"AuthTarpitInterval            : 00:00:05", "Fqdn                          : mail.test"} {
		if !strings.Contains(show, want) {
			t.Errorf("show lacks %q:\n%s", want, show)
		}
	}
	// Spec §11 item 46, with Exchange's wording; nothing is stored.
	_, err = do("set", "Client Frontend MAIL", "AuthMechanism=BasicAuthRequireTLS")
	if err == nil || !strings.Contains(err.Error(), "BasicAuthRequireTLS requires BasicAuth and Tls") {
		t.Errorf("BasicAuthRequireTLS alone: %v", err)
	}
	// Port 0 would move at every restart: refused; nothing is stored.
	_, err = do("set", "Client Frontend MAIL", "Fqdn=mail.contoso.com", "Bindings=127.0.0.1:0")
	if err == nil || !strings.Contains(err.Error(), "Cannot validate argument on parameter 'Bindings'. The value 127.0.0.1:0 is not in the valid range 1-65535 for the port") {
		t.Errorf("Bindings=127.0.0.1:0: %v", err)
	}
	if show := must("show", "Client Frontend MAIL"); !strings.Contains(show, "{[::]:587, 0.0.0.0:587}") || strings.Contains(show, "mail.contoso.com") {
		t.Errorf("refused set stored:\n%s", show)
	}
	// Settings given together are validated together, in any order.
	out := must("set", "Client Frontend MAIL", "RequireTLS=$true", "AuthMechanism=Tls,BasicAuth,BasicAuthRequireTLS",
		"Fqdn=mail.contoso.com", "Bindings="+testkit.FreeLoopbackAddr(t))
	for _, want := range []string{"AuthMechanism                 : Tls, BasicAuth, BasicAuthRequireTLS", "RequireTLS                    : True",
		"Fqdn                          : mail.contoso.com"} {
		if !strings.Contains(out, want) {
			t.Errorf("set output lacks %q:\n%s", want, out)
		}
	}
	if _, err := do("new", "Broken"); err == nil || !strings.Contains(err.Error(), "at least one binding") {
		t.Errorf("new without bindings: %v", err)
	}
	tlsBinding := "Bindings=" + testkit.FreeLoopbackAddr(t)
	if _, err := do("new", "X", "--usage", "Partner", tlsBinding); err == nil {
		t.Error("usage Partner accepted")
	}
	out = must("new", "Client Frontend TLS MAIL", "--usage", "Client", tlsBinding, "ImplicitTls=$true")
	if !strings.Contains(out, "ImplicitTls                   : True") || !strings.Contains(out, "PermissionGroups              : ExchangeUsers") {
		t.Errorf("new output:\n%s", out)
	}
	if _, err := do("new", "client frontend tls mail", tlsBinding); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("duplicate name: %v", err)
	}
	must("set", "Default Frontend MAIL", "Bindings="+testkit.FreeLoopbackAddr(t))
	if err := s.StartService(ctx, "smtp"); err != nil {
		t.Fatal(err)
	}
	if list := must("list"); strings.Count(list, "127.0.0.1:") != 6 { // three Bindings, three Listening
		t.Errorf("list while running:\n%s", list)
	}
	must("remove", "Client Frontend TLS MAIL")
	if _, err := do("remove", "Client Frontend TLS MAIL"); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("removing twice: %v", err)
	}
	if _, err := do("frobnicate"); err != errUsage {
		t.Errorf("unknown verb: %v", err)
	}
}

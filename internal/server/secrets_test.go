package server

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/postern/postern/internal/config"
)

func openSecretsServer(t *testing.T, dir string) *Server {
	t.Helper()
	s, err := Open(context.Background(), Options{DataDir: dir, FQDN: "mail.test", Local: true, NoAutostart: true,
		Logger: slog.New(slog.DiscardHandler), HashParams: HashParams{MemoryKiB: 1024, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestSmarthostPasswordSealed: a send connector's password is in the
// directory only sealed under the server's key (a file of the data folder,
// mode 0600), comes back in clear only for the sender's route, and a
// directory without its key cannot give it back.
func TestSmarthostPasswordSealed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	s := openSecretsServer(t, dir)
	const pw = "Relay-Secret-42"
	_, err := s.EditSendConnector(ctx, "Relay", true, func(c *config.SendConnector) error {
		c.AddressSpaces, c.SmartHosts, c.SmartHostAuthMechanism = []string{"*"}, []string{"relay.test"}, config.SmartHostAuthBasic
		c.AuthenticationUser, c.AuthenticationPassword = "u", pw
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := s.dir.Setting(ctx, s.name, keyTransport)
	if err != nil || strings.Contains(string(raw), pw) || !strings.Contains(string(raw), sealedPrefix) {
		t.Fatalf("stored transport settings: %s, %v", raw, err)
	}
	for _, name := range []string{"directory.db", "directory.db-wal"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if (err != nil && !os.IsNotExist(err)) || strings.Contains(string(b), pw) {
			t.Fatalf("%s holds the password in clear (%v)", name, err)
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, secretKeyFile)); err != nil || fi.Mode().Perm() != 0o600 || fi.Size() != 32 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	// Another change keeps the sealed password as it is.
	if _, err := s.EditSendConnector(ctx, "Relay", false, func(c *config.SendConnector) error { c.Port = 587; return nil }); err != nil {
		t.Fatal(err)
	}
	r, ok, err := s.outboundRoute(ctx, "example.org")
	if err != nil || !ok || r.AuthPassword != pw || r.AuthUser != "u" || r.Port != 587 {
		t.Fatalf("route %+v %v %v", r, ok, err)
	}
	list, _ := s.SendConnectors(ctx)
	if p := list[0].Public().AuthenticationPassword; p != "********" {
		t.Errorf("shown as %q", p)
	}
	// Without its key, the directory cannot give the password back; a
	// password kept in clear by an earlier version still works.
	s.secretMu.Lock()
	s.secretKey = make([]byte, 32)
	s.secretMu.Unlock()
	if _, _, err := s.outboundRoute(ctx, "example.org"); err == nil || !strings.Contains(err.Error(), secretKeyFile) {
		t.Errorf("with another key: %v", err)
	}
	if got, err := s.unseal("plain-from-before"); err != nil || got != "plain-from-before" {
		t.Errorf("unsealed text: %q %v", got, err)
	}
}

package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// command prepares a program for a test: it runs in dir (a new temporary
// folder when dir is "") with a home of its own, dir/.home, so that nothing
// it reads comes from the user's home and nothing it writes lands there.
// Every third-party client and every postern verb a test runs goes through
// here.
func command(ctx context.Context, t testing.TB, dir, name string, args ...string) *exec.Cmd {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	if ctx == nil {
		ctx = context.Background()
	}
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = clientEnv(t, dir)
	return cmd
}

// clientEnv is the process environment with a private home under dir:
// HOME and the XDG folders (configuration, cache, data, state) point into
// it, and the variables that name a user's mail or terminal multiplexer
// are dropped.
func clientEnv(t testing.TB, dir string) []string {
	t.Helper()
	home := filepath.Join(dir, ".home")
	set := map[string]string{
		"HOME":            home,
		"XDG_CONFIG_HOME": filepath.Join(home, ".config"),
		"XDG_CACHE_HOME":  filepath.Join(home, ".cache"),
		"XDG_DATA_HOME":   filepath.Join(home, ".local", "share"),
		"XDG_STATE_HOME":  filepath.Join(home, ".local", "state"),
		"MAIL":            filepath.Join(home, "mbox"),
		"TMUX_TMPDIR":     home,
	}
	for _, d := range set {
		if d == set["MAIL"] {
			continue
		}
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if _, ours := set[k]; ours || dropped(k) {
			continue
		}
		env = append(env, kv)
	}
	for k, v := range set {
		env = append(env, k+"="+v)
	}
	return env
}

// dropped names the variables of the user's session that would point a
// client at the user's own files or terminal.
func dropped(k string) bool {
	switch k {
	case "TMUX", "TMUX_PANE", "MAILRC", "MAILDIR", "MAILCAPS", "MUTT", "NEOMUTT", "MUTTRC", "NETRC",
		"FETCHMAILHOME", "FETCHMAILUSER", "XDG_RUNTIME_DIR", "XDG_DATA_DIRS", "XDG_CONFIG_DIRS",
		"SSL_CERT_FILE", "SSL_CERT_DIR", "CURL_HOME", "PYTHONSTARTUP", "PYTHONUSERBASE":
		return true
	}
	return false
}

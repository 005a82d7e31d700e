package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/postern/postern/internal/loadgen"
	"github.com/postern/postern/internal/testkit"
)

// load runs the command and returns its exit status and outputs.
func load(args ...string) (int, string, string) {
	var out, errb strings.Builder
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestCommandAgainstPostern(t *testing.T) {
	t.Parallel()
	s := testkit.Start(t, testkit.Options{})
	s.AddUser("user1@mail.test", "secret")
	s.AddUser("user2@mail.test", "secret")
	users := []string{"-users", "user%d@mail.test:secret", "-nusers", "2"}

	code, out, errs := load(append([]string{"-workload", "seed", "-addr", s.LMTP, "-messages", "5", "-seed", "9"}, users...)...)
	if code != 0 || !strings.Contains(out, "seed: clients=1 ops=2 errors=0") || !strings.Contains(out, "messages=10") {
		t.Fatalf("seed: %d\n%s%s", code, out, errs)
	}
	fetch := append([]string{"-workload", "pop3-fetch", "-addr", s.POP3S, "-ca", s.CertificatePath(),
		"-clients", "2", "-ops", "4", "-expect-messages", "5", "-json", "-label", "postern", "-round", "2"}, users...)
	code, out, errs = load(fetch...)
	if code != 0 {
		t.Fatalf("fetch: %d\n%s%s", code, out, errs)
	}
	var res loadgen.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v: %q", err, out)
	}
	if res.Ops != 4 || res.Messages != 20 || res.Errors != 0 || res.Label != "postern" || res.Round != 2 || res.Value <= 0 {
		t.Errorf("%+v", res)
	}
	results := filepath.Join(t.TempDir(), "results.jsonl")
	os.WriteFile(results, []byte(out), 0o600)
	if code, out, _ := load("-report", results); code != 0 || !strings.Contains(out, "| pop3-fetch | 2 | messages/s |") {
		t.Errorf("report: %d\n%s", code, out)
	}

	// A wrong expectation is an error: exit 1, unless -allow-errors.
	bad := append([]string{"-workload", "pop3-fetch", "-addr", s.POP3S, "-ca", s.CertificatePath(),
		"-ops", "1", "-expect-messages", "6"}, users...)
	if code, out, errs := load(bad...); code != 1 || !strings.Contains(out, "errors=1") || !strings.Contains(errs, "1 operations failed") {
		t.Errorf("wrong count: %d\n%s%s", code, out, errs)
	}
	if code, _, _ := load(append(bad, "-allow-errors")...); code != 0 {
		t.Errorf("-allow-errors: exit %d", code)
	}
	// STLS on the plaintext port, with the name on the certificate.
	stls := append([]string{"-workload", "pop3-login", "-addr", s.POP3, "-tls", "starttls", "-servername", "localhost",
		"-ca", s.CertificatePath(), "-ops", "2"}, users...)
	if code, out, errs := load(stls...); code != 0 || !strings.Contains(out, "ops=2 errors=0") {
		t.Errorf("STLS login: %d\n%s%s", code, out, errs)
	}
}

func TestCommandIMAPWorkloads(t *testing.T) {
	t.Parallel()
	s := testkit.Start(t, testkit.Options{})
	s.AddUser("user1@mail.test", "secret")
	s.AddUser("user2@mail.test", "secret")
	users := []string{"-users", "user%d@mail.test:secret", "-nusers", "2"}
	if code, out, errs := load(append([]string{"-workload", "seed", "-addr", s.LMTP, "-messages", "3"}, users...)...); code != 0 {
		t.Fatalf("seed: %d\n%s%s", code, out, errs)
	}
	imap := append([]string{"-addr", s.IMAPS, "-ca", s.CertificatePath(), "-clients", "2", "-ops", "4"}, users...)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-workload", "imap-fetch", "-expect-messages", "3"}, "messages=12 "},
		{[]string{"-workload", "imap-mixed"}, "ops=4 errors=0"},
		{[]string{"-workload", "imap-login"}, "ops=4 errors=0"},
		{[]string{"-workload", "append", "-size", "2048"}, "messages=4"},
		{[]string{"-workload", "idle-conns", "-idle-conns", "4", "-lmtp", s.LMTP, "-server-pid", strconv.Itoa(os.Getpid()), "-mem-settle", "2s"}, "idle=4 memory="},
	} {
		code, out, errs := load(append(c.args, imap...)...)
		if code != 0 || !strings.Contains(out, c.want) {
			t.Errorf("%v: %d\n%s%s", c.args, code, out, errs)
		}
	}
}

func TestCommandUsage(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"-bogus"},
		{"-workload", "pop3-fetch", "-addr", "127.0.0.1:1", "-tls", "sometimes", "-users", "a:b"},
		{"-workload", "pop3-fetch", "-addr", "127.0.0.1:1", "-tls", "none"},
		{"-workload", "nothing", "-addr", "127.0.0.1:1", "-tls", "none", "-users", "u%d@x:p", "-nusers", "1", "-ops", "1"},
		{"-workload", "pop3-login", "-addr", "127.0.0.1:1", "-ca", "/nonexistent", "-users", "u%d@x:p", "-nusers", "1", "-ops", "1"},
		{"-report", "/nonexistent"},
	} {
		if code, _, _ := load(args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

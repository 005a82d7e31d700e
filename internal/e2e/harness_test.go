// Package e2e runs the real postern binary as a newcomer would (serve, then
// the CLI verbs) and drives it with real third-party clients: python3
// poplib, curl, mpop, fetchmail and getmail6. .ci/run installs the clients;
// under CI a missing client fails the test instead of skipping it.
package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/internal/admin"
	"github.com/postern/postern/internal/admin/api"
	"github.com/postern/postern/internal/testkit"
	"github.com/postern/postern/internal/testkit/pgtest"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "postern-e2e-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "postern")
	out, err := exec.Command("go", "build", "-o", binary, "github.com/postern/postern/cmd/postern").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "building postern: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	pgtest.StopShared()
	os.RemoveAll(dir)
	os.Exit(code)
}

// need skips the test if a client program is missing, except under CI,
// where .ci/run installs it and its absence is a failure.
func need(t *testing.T, prog string) {
	t.Helper()
	if _, err := exec.LookPath(prog); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed (.ci/run installs it)", prog)
		}
		t.Skipf("%s is not installed", prog)
	}
}

// instance is one `postern serve` process on its own data folder.
type instance struct {
	t    testing.TB
	data string
	home string // the working folder of its processes, with their home
	cmd  *exec.Cmd
	log  *bytes.Buffer
	// Listener addresses once the services run.
	POP3S, POP3, IMAPS, IMAP, LMTP string
}

// serve starts `postern serve --local` on a fresh (or given) data folder:
// every default listener on 127.0.0.1, before the tests rebind them.
func serve(t testing.TB, data string) *instance {
	t.Helper()
	return serveWith(t, data, "--local")
}

// serveWith is serve with extra `serve` flags.
func serveWith(t testing.TB, data string, flags ...string) *instance {
	t.Helper()
	if data == "" {
		data = filepath.Join(t.TempDir(), "data")
	}
	in := &instance{t: t, data: data, home: t.TempDir(), log: &bytes.Buffer{}}
	in.cmd = command(nil, t, in.home, binary, append([]string{"--data", data, "serve", "--fqdn", "mail.test"}, flags...)...)
	in.cmd.Stderr = in.log
	if err := in.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(in.stop)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(data, "admin.sock")); err == nil {
			if in.client().Get(context.Background(), "/v1/info", &api.Info{}) == nil {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not start:\n%s", in.log)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return in
}

func (in *instance) stop() {
	if in.cmd.ProcessState == nil {
		in.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { in.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			in.cmd.Process.Kill()
			<-done
		}
	}
	if in.t.Failed() {
		in.t.Logf("server log:\n%s", in.log)
	}
}

// kill ends the server with SIGKILL.
func (in *instance) kill() {
	in.cmd.Process.Kill()
	in.cmd.Wait()
}

func (in *instance) client() *admin.Client {
	return admin.NewClient(filepath.Join(in.data, "admin.sock"))
}

// cli runs a postern verb and returns its standard output.
func (in *instance) cli(stdin string, args ...string) string {
	in.t.Helper()
	cmd := command(nil, in.t, in.home, binary, append([]string{"--data", in.data}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		in.t.Fatalf("postern %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errb.String())
	}
	return out.String()
}

// freeLoopbackAddr returns 127.0.0.1:PORT with a port free now, for a
// binding setting: the settings refuse port 0, which would move at every
// restart (testkit.FreeLoopbackAddr).
func freeLoopbackAddr(t testing.TB) string {
	t.Helper()
	return testkit.FreeLoopbackAddr(t)
}

// setup configures loopback listeners on free ports, starts the POP3
// services and adds alice, with the CLI verbs a newcomer uses.
func (in *instance) setup(popSettings ...string) {
	in.t.Helper()
	in.cli("", "transport", "set", "LmtpBindings="+freeLoopbackAddr(in.t))
	in.cli("", "service", "restart", "transport")
	in.cli("", append([]string{"pop", "set", "SSLBindings=" + freeLoopbackAddr(in.t), "UnencryptedOrTLSBindings=" + freeLoopbackAddr(in.t)}, popSettings...)...)
	in.cli("", "service", "start", "pop3-backend")
	in.cli("", "service", "start", "pop3")
	in.cli("secret1\n", "user", "add", "alice@mail.test")
	in.listeners()
}

// listeners reads the bound addresses from the admin API.
func (in *instance) listeners() {
	in.t.Helper()
	var st []api.ServiceStatus
	if err := in.client().Get(context.Background(), "/v1/services", &st); err != nil {
		in.t.Fatal(err)
	}
	for _, s := range st {
		switch {
		case s.Name == "pop3" && len(s.Listeners) == 2:
			in.POP3S, in.POP3 = s.Listeners[0], s.Listeners[1]
		case s.Name == "imap4" && len(s.Listeners) == 2:
			in.IMAPS, in.IMAP = s.Listeners[0], s.Listeners[1]
		case s.Name == "transport" && len(s.Listeners) == 1:
			in.LMTP = s.Listeners[0]
		}
	}
	if in.POP3S == "" || in.LMTP == "" {
		in.t.Fatalf("listeners not found in %+v", st)
	}
}

// ca is the certificate a client trusts.
func (in *instance) ca() string { return filepath.Join(in.data, "certs", "mail.test.crt") }

func port(addr string) string { _, p, _ := strings.Cut(addr, "127.0.0.1:"); return p }

// run runs a client program and returns its combined output.
func run(t *testing.T, dir string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := command(ctx, t, dir, name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

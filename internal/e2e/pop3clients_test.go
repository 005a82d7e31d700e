package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// testMessage is a small, valid message; n makes each one distinct.
func testMessage(n int) string {
	return fmt.Sprintf("From: Bob <bob@mail.test>\r\nTo: alice@mail.test\r\nSubject: e2e message %d\r\nMessage-ID: <e2e-%d@mail.test>\r\nDate: Sun, 22 Nov 2026 10:00:00 +0000\r\n\r\nHello %d.\r\n.A line that starts with a dot.\r\n", n, n, n)
}

// deliver puts count messages into alice's Inbox with `postern deliver`.
func (in *instance) deliver(count int) {
	in.t.Helper()
	for i := 1; i <= count; i++ {
		out := in.cli(testMessage(i), "deliver", "--to", "alice@mail.test")
		if !strings.Contains(out, "alice@mail.test: delivered") {
			in.t.Fatalf("deliver: %s", out)
		}
	}
}

func TestPythonPoplib(t *testing.T) {
	need(t, "python3")
	in := serve(t, "")
	in.setup()
	in.deliver(3)
	script := `
import poplib, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[1])
def check(p):
    caps = p.capa()
    assert 'TOP' in caps and 'UIDL' in caps and 'USER' in caps, caps
    assert 'PLAIN' in caps['SASL'], caps
    assert 'STLS' not in caps, caps
    p.user('alice@mail.test')
    assert p.pass_('secret1') == b'+OK User successfully logged on.'
    n, size = p.stat()
    assert n == 3, n
    uidl = p.uidl()[1]
    assert len(uidl) == 3, uidl
    for i in range(1, n + 1):
        lines = p.retr(i)[1]
        assert ('Subject: e2e message %d' % i).encode() in lines, lines
        assert lines[0].startswith(b'Received: '), lines
        assert b'.A line that starts with a dot.' in lines, lines
    assert p.quit().startswith(b'+OK')
    return uidl
# 995, implicit TLS
u1 = check(poplib.POP3_SSL('127.0.0.1', int(sys.argv[2]), context=ctx))
# 110 with STLS; before it, USER is refused under SecureLogin.
p = poplib.POP3('127.0.0.1', int(sys.argv[3]))
try:
    p.user('alice@mail.test')
    raise SystemExit('USER accepted before STLS')
except poplib.error_proto as e:
    assert b'Command is not valid in this state.' in e.args[0], e
assert 'STLS' in p.capa()
p.stls(context=ctx)
u2 = check(p)
assert u1 == u2, (u1, u2)
print('poplib ok')
`
	out := run(t, "", "python3", "-c", script, in.ca(), port(in.POP3S), port(in.POP3))
	if !strings.Contains(out, "poplib ok") {
		t.Fatal(out)
	}
}

// TestCurlExactSize is the curl check: with EnableExactRFC822Size
// on, LIST's size equals the bytes RETR returns.
func TestCurlExactSize(t *testing.T) {
	need(t, "curl")
	in := serve(t, "")
	in.setup("EnableExactRFC822Size=$true")
	in.deliver(2)
	base := "pop3s://127.0.0.1:" + port(in.POP3S)
	list := run(t, "", "curl", "-sS", "--cacert", in.ca(), "-u", "alice@mail.test:secret1", base+"/")
	lines := strings.Fields(strings.ReplaceAll(list, "\r", ""))
	if len(lines) != 4 {
		t.Fatalf("LIST: %q", list)
	}
	for i := 0; i < 2; i++ {
		want, _ := strconv.Atoi(lines[2*i+1])
		body := run(t, "", "curl", "-sS", "--cacert", in.ca(), "-u", "alice@mail.test:secret1", base+"/"+lines[2*i])
		if len(body) != want || !strings.HasSuffix(body, testMessage(i+1)) {
			t.Errorf("message %s: LIST says %d, RETR gave %d bytes", lines[2*i], want, len(body))
		}
	}
	// STLS on 110 with curl too.
	body := run(t, "", "curl", "-sS", "--ssl-reqd", "--cacert", in.ca(), "-u", "alice@mail.test:secret1", "pop3://localhost:"+port(in.POP3)+"/1")
	if !strings.HasSuffix(body, testMessage(1)) {
		t.Errorf("curl over STLS: %q", body)
	}
}

func TestMpop(t *testing.T) {
	need(t, "mpop")
	in := serve(t, "")
	in.setup()
	in.deliver(3)
	dir := t.TempDir()
	mbox := filepath.Join(dir, "mpop.mbox")
	os.WriteFile(mbox, nil, 0o600)
	args := []string{"--host=127.0.0.1", "--port=" + port(in.POP3S), "--tls=on", "--tls-starttls=off", "--tls-trust-file=" + in.ca(),
		"--auth=plain", "--user=alice@mail.test", "--passwordeval=echo secret1", "--keep=on", "--only-new=on",
		"--delivery=mbox," + mbox, "--uidls-file=" + filepath.Join(dir, "uidls")}
	info := run(t, dir, "mpop", append(args, "--serverinfo")...)
	for _, want := range []string{"TOP", "UIDL", "PLAIN"} {
		if !strings.Contains(info, want) {
			t.Errorf("--serverinfo lacks %s:\n%s", want, info)
		}
	}
	out := run(t, dir, "mpop", append(args, "-q")...)
	got, _ := os.ReadFile(mbox)
	if n := strings.Count(string(got), "Subject: e2e message"); n != 3 {
		t.Fatalf("first run fetched %d messages:\n%s\n%s", n, out, got)
	}
	run(t, dir, "mpop", append(args, "-q")...)
	got, _ = os.ReadFile(mbox)
	if n := strings.Count(string(got), "Subject: e2e message"); n != 3 {
		t.Fatalf("second run with --only-new fetched again: %d messages", n)
	}
	// STLS on 110.
	args[1], args[3] = "--port="+port(in.POP3), "--tls-starttls=on"
	info = run(t, dir, "mpop", append(args, "--serverinfo")...)
	if !strings.Contains(info, "TLS") {
		t.Errorf("STLS serverinfo:\n%s", info)
	}
}

func TestFetchmail(t *testing.T) {
	need(t, "fetchmail")
	in := serve(t, "")
	in.setup()
	in.deliver(3)
	dir := t.TempDir()
	mbox := filepath.Join(dir, "fetchmail.mbox")
	rc := fmt.Sprintf("set no bouncemail\npoll 127.0.0.1 with proto POP3 service %s uidl\n  user \"alice@mail.test\" there with password \"secret1\" is \"root\" here\n  ssl sslcertck sslcommonname \"mail.test\" sslcertfile \"%s\"\n  keep\n  mda \"sh -c 'cat >> %s'\"\n",
		port(in.POP3S), in.ca(), mbox)
	rcPath := filepath.Join(dir, "fetchmailrc")
	os.WriteFile(rcPath, []byte(rc), 0o600)
	env := []string{"-f", rcPath, "--nodetach", "-i", filepath.Join(dir, "fetchids")}
	run(t, dir, "fetchmail", env...)
	got, _ := os.ReadFile(mbox)
	if n := strings.Count(string(got), "Subject: e2e message"); n != 3 {
		t.Fatalf("fetchmail fetched %d:\n%s", n, got)
	}
	// Keep mode with UIDL: a second run finds nothing new (fetchmail exits 1
	// for "no mail", so run it without the failure check).
	cmd := fetchmailAgain(t, dir, env)
	got, _ = os.ReadFile(mbox)
	if n := strings.Count(string(got), "Subject: e2e message"); n != 3 {
		t.Fatalf("second fetchmail run fetched again (%d):\n%s", n, cmd)
	}
}

func TestGetmail(t *testing.T) {
	need(t, "getmail")
	in := serve(t, "")
	in.setup()
	in.deliver(3)
	g := newGetmail(t, in, "type = SimplePOP3SSLRetriever\nport = "+port(in.POP3S))
	g.runTwice(3)
	// A wrong CA must fail.
	out := g.runWithCA("/etc/ssl/certs/ca-certificates.crt")
	if !strings.Contains(out, "CERTIFICATE_VERIFY_FAILED") {
		t.Errorf("wrong CA accepted:\n%s", out)
	}
}

// getmail is one getmail6 set-up: a Maildir that nobody can write to (it
// refuses to deliver as root) and an rc file for a retriever.
type getmail struct {
	t                *testing.T
	dir, maildir, gm string
	rc, ca           string
}

func newGetmail(t *testing.T, in *instance, retriever string) *getmail {
	// getmail delivers as nobody, who must be able to reach the folder.
	dir, err := os.MkdirTemp("", "getmail-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	g := &getmail{t: t, dir: dir, maildir: filepath.Join(dir, "Maildir"), gm: filepath.Join(dir, "gm"), ca: in.ca()}
	for _, d := range []string{"cur", "new", "tmp"} {
		os.MkdirAll(filepath.Join(g.maildir, d), 0o777)
	}
	chownNobody(t, g.maildir)
	g.rc = fmt.Sprintf("[retriever]\n%s\nserver = 127.0.0.1\nusername = alice@mail.test\npassword = secret1\nca_certs = %s\nssl_cert_hostname = mail.test\n\n[destination]\ntype = Maildir\npath = %s/\nuser = nobody\n\n[options]\nread_all = false\ndelete = false\n",
		retriever, in.ca(), g.maildir)
	os.MkdirAll(g.gm, 0o700)
	os.WriteFile(filepath.Join(g.gm, "getmailrc"), []byte(g.rc), 0o600)
	return g
}

// runTwice fetches want messages, then checks that a second run, with
// read_all off, fetches nothing more: UIDL or UID stability.
func (g *getmail) runTwice(want int) {
	g.t.Helper()
	for i := 0; i < 2; i++ {
		g.run()
		if n := countFiles(g.t, filepath.Join(g.maildir, "new")); n != want {
			g.t.Fatalf("getmail run %d: %d messages, want %d", i+1, n, want)
		}
	}
}

// run runs getmail once. Under load getmail sometimes stops for good in
// the middle of a run while the server, its reply sent, waits for the
// next command (seen in the server's protocol log; see the closing note of
// 2026-12-07): such a run is ended after 30 s and tried once more, with
// the same UIDs state, so a server that does not answer still fails.
func (g *getmail) run() {
	g.t.Helper()
	for try := 1; ; try++ {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		out, err := command(ctx, g.t, g.dir, "getmail", "--getmaildir="+g.gm, "--rcfile=getmailrc").CombinedOutput()
		timedOut := ctx.Err() != nil
		cancel()
		switch {
		case err == nil:
			return
		case timedOut && try == 1:
			g.t.Logf("getmail stopped answering after 30 s; once more:\n%s", out)
		default:
			g.t.Fatalf("getmail: %v\n%s", err, out)
		}
	}
}

// runWithCA runs once trusting another CA file and returns the output.
func (g *getmail) runWithCA(ca string) string {
	os.WriteFile(filepath.Join(g.gm, "bad"), []byte(strings.Replace(g.rc, g.ca, ca, 1)), 0o600)
	out, _ := runAllowFail(g.t, g.dir, "getmail", "--getmaildir="+g.gm, "--rcfile=bad")
	return out
}

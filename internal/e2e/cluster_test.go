package e2e

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/internal/admin/api"
	"github.com/postern/postern/internal/testkit/pgtest"
)

// clusterServer is one server of a test organisation on PostgreSQL.
type clusterServer struct {
	*instance
	name, ip, fqdn string
}

func (s *clusterServer) ca() string { return filepath.Join(s.data, "certs", s.fqdn+".crt") }

// startCluster starts n `postern serve --directory-file` processes on
// 127.0.0.11, .12, ... sharing one PostgreSQL database, with their POP3
// and IMAP4 services (frontends and backends) running on the default
// ports of their own address.
func startCluster(t *testing.T, n int) []*clusterServer {
	t.Helper()
	return startClusterAt(t, n, 11)
}

// startClusterAt is startCluster on 127.0.0.<first>, <first+1>, ...: tests
// that may run at the same time as TestCluster (another checkout's) use
// addresses of their own, as the services listen on fixed ports.
func startClusterAt(t *testing.T, n, first int) []*clusterServer {
	t.Helper()
	return startClusterOn(t, pgtest.URL(t), n, first)
}

// startClusterOn is startClusterAt on the PostgreSQL database url.
func startClusterOn(t *testing.T, url string, n, first int) []*clusterServer {
	t.Helper()
	urlFile := filepath.Join(t.TempDir(), "directory-url")
	if err := os.WriteFile(urlFile, []byte(url+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out []*clusterServer
	for i := 0; i < n; i++ {
		name := string(rune('a' + i))
		s := &clusterServer{name: "SRV" + strings.ToUpper(name), ip: fmt.Sprintf("127.0.0.%d", first+i), fqdn: "srv" + name + ".mail.test"}
		s.instance = serveWith(t, "", "--local", "--fqdn", s.fqdn, "--domain", "mail.test", "--address", s.ip, "--directory-file", urlFile,
			"--lease-ttl", "6s") // failover after 6 s unrenewed, not the default 15
		for _, svc := range []string{"imap4-backend", "imap4", "pop3-backend", "pop3"} {
			s.cli("", "service", "start", svc)
		}
		// A server built with -race (GOFLAGS=-race) reports races in its
		// log: any is a failure.
		t.Cleanup(func() {
			s.stop()
			if l := s.log.String(); strings.Contains(l, "DATA RACE") || strings.Contains(l, "panic:") {
				t.Errorf("%s:\n%s", s.name, l)
			}
		})
		out = append(out, s)
	}
	return out
}

// activeOn waits until a database is mounted on server, and returns how
// long that took.
func activeOn(t *testing.T, via *clusterServer, db, server string, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		var list []api.MailboxDatabase
		err := via.client().Get(context.Background(), "/v1/databases?status=1", &list)
		for _, d := range list {
			if err == nil && d.Name == db && d.Server == server && d.Mounted != nil && *d.Mounted {
				return time.Since(start)
			}
		}
		if time.Since(start) > limit {
			t.Fatalf("%s not active on %s within %s: %+v %v", db, server, limit, list, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// clusterScript is a python imaplib/poplib client driven line by line:
// the test writes a command, the script answers one line.
const clusterScript = `
import imaplib, poplib, ssl, sys, time
ctx = ssl.create_default_context(cafile=sys.argv[2]); ctx.check_hostname = False
host = sys.argv[1]
m = None
def out(*a):
    print(*a, flush=True)
for line in sys.stdin:
    cmd = line.split()
    try:
        if cmd[0] == "login":
            m = imaplib.IMAP4_SSL(host, 993, ssl_context=ctx)
            m.login("alice@mail.test", "secret1")
            typ, d = m.select("INBOX")
            out("ok", d[0].decode())
        elif cmd[0] == "append":
            typ, d = m.append("INBOX", None, None, ("Subject: %s\r\n\r\nbody\r\n" % cmd[1]).encode())
            out(typ, d[0].decode())
        elif cmd[0] == "subjects":
            typ, d = m.uid("FETCH", "1:*", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
            subs = sorted(x[1].decode().strip().split(": ", 1)[1] for x in d if isinstance(x, tuple))
            out("ok", ",".join(subs))
        elif cmd[0] == "idle":
            tag = m._new_tag().decode()
            m.send(("%s IDLE\r\n" % tag).encode())
            l = m.readline()
            out("idling", l.decode().strip())
        elif cmd[0] == "waitexists":
            m.sock.settimeout(10)
            t0 = time.time()
            while True:
                l = m.readline().decode()
                if "EXISTS" in l:
                    break
            out("exists", "%.0f" % (time.time() * 1000))
            m.send(b"DONE\r\n")
            while not m.readline().decode().startswith(tag):
                pass
        elif cmd[0] == "waitbye":
            m.sock.settimeout(15)
            got = b""
            try:
                while True:
                    l = m.readline()
                    if not l:
                        break
                    got += l
            except Exception as e:
                got += str(e).encode()
            out("closed", got.decode(errors="replace").replace("\r\n", " ").strip() or "-")
        elif cmd[0] == "pop":
            p = poplib.POP3_SSL(host, 995, context=ctx)
            p.user("alice@mail.test"); p.pass_("secret1")
            n, size = p.stat()
            out("ok", n)
            p.quit()
        elif cmd[0] == "logout":
            m.logout()
            out("ok")
    except Exception as e:
        out("error", type(e).__name__, str(e).replace("\n", " "))
`

// pyClient is a running clusterScript.
type pyClient struct {
	t   *testing.T
	in  io.WriteCloser
	out *bufio.Reader
}

func newPyClient(t *testing.T, host, ca string) *pyClient {
	t.Helper()
	dir := t.TempDir()
	script := filepath.Join(dir, "client.py")
	os.WriteFile(script, []byte(clusterScript), 0o600)
	cmd := command(nil, t, dir, "python3", script, host, ca)
	in, _ := cmd.StdinPipe()
	outp, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { in.Close(); cmd.Process.Kill(); cmd.Wait() })
	return &pyClient{t: t, in: in, out: bufio.NewReader(outp)}
}

// do sends one command and returns the answer's fields; an "error"
// answer fails the test unless the caller expects one (prefix "?").
func (p *pyClient) do(cmd string) []string {
	p.t.Helper()
	expectErr := strings.HasPrefix(cmd, "?")
	fmt.Fprintln(p.in, strings.TrimPrefix(cmd, "?"))
	line := make(chan string, 1)
	go func() { l, _ := p.out.ReadString('\n'); line <- l }()
	select {
	case l := <-line:
		f := strings.Fields(l)
		if len(f) == 0 || (f[0] == "error" && !expectErr) {
			p.t.Fatalf("%s: %q", cmd, l)
		}
		return f
	case <-time.After(45 * time.Second):
		p.t.Fatalf("%s: no answer", cmd)
	}
	return nil
}

// TestCluster runs three servers on one PostgreSQL: a mailbox in a
// database active on B is read through A with python imaplib and poplib,
// mail submitted on C reaches a session in IDLE on A, a switchover to C
// ends the session and the client finds everything through A again, and
// after C is killed with SIGKILL, B takes the database over and every
// acknowledged message is there.
func TestCluster(t *testing.T) {
	need(t, "python3")
	need(t, "swaks")
	srv := startCluster(t, 3)
	a, b, c := srv[0], srv[1], srv[2]
	if got := a.cli("", "server", "list"); !strings.Contains(got, "SRVB") || !strings.Contains(got, "SRVC") {
		t.Fatalf("server list:\n%s", got)
	}
	a.cli("", "database", "add", "DB02", "--server", "SRVB")
	a.cli("", "database", "add-copy", "DB02", "SRVC")
	a.cli("secret1\n", "user", "add", "alice@mail.test", "--database", "DB02")
	activeOn(t, a, "DB02", "SRVB", 20*time.Second)

	// Straight to a backend's ProxyTargetPort without the organisation's
	// certificate: refused before any mailbox is opened.
	conn, err := tls.Dial("tcp", b.ip+":1993", &tls.Config{InsecureSkipVerify: true})
	if err == nil {
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		fmt.Fprintf(conn, `{"v":1,"protocol":"IMAP4","user_id":1,"session":"x","remote":"127.0.0.1:1","local":"127.0.0.1:2"}`+"\n")
		buf := make([]byte, 64)
		n, rerr := conn.Read(buf)
		conn.Close()
		if rerr == nil {
			t.Fatalf("a client without a certificate got %q from the ProxyTargetPort", buf[:n])
		}
	}

	// Through A to the mailbox on B.
	py := newPyClient(t, a.ip, a.ca())
	if f := py.do("login"); f[1] != "0" {
		t.Fatalf("new mailbox: %v", f)
	}
	if f := py.do("append one"); f[0] != "OK" {
		t.Fatalf("append: %v", f)
	}
	// IDLE on A; swaks submits on C; the session sees it.
	py.do("idle")
	sent := time.Now()
	sw := run(t, t.TempDir(), "swaks", "--server", c.ip+":25", "--to", "alice@mail.test", "--from", "bob@example.org",
		"--header", "Subject: two", "--body", "from C")
	if !strings.Contains(sw, "250 2.6.0") {
		t.Fatalf("swaks on C:\n%s", sw)
	}
	f := py.do("waitexists")
	var at int64
	fmt.Sscan(f[1], &at)
	idle := time.UnixMilli(at).Sub(sent)
	t.Logf("swaks on C to EXISTS in IDLE on A (session on B): %s", idle)
	if idle > 5*time.Second {
		t.Fatalf("the delivery took %s to reach the session in IDLE", idle)
	}
	if f := py.do("subjects"); f[1] != "one,two" {
		t.Fatalf("subjects: %v", f)
	}
	if f := py.do("pop"); f[1] != "2" {
		t.Fatalf("POP3 through A: %v", f)
	}

	// Switchover to C: the session on B ends, the client comes back
	// through A and finds its mail on C.
	a.cli("", "database", "move", "DB02", "SRVC")
	if f := py.do("waitbye"); !strings.Contains(strings.Join(f, " "), "BYE") {
		t.Logf("session at switchover ended with: %v", f)
	}
	took := activeOn(t, a, "DB02", "SRVC", 20*time.Second)
	t.Logf("switchover: DB02 mounted on SRVC after %s", took)
	py.do("login")
	if f := py.do("subjects"); f[1] != "one,two" {
		t.Fatalf("after switchover: %v", f)
	}
	py.do("append three")
	run(t, t.TempDir(), "swaks", "--server", b.ip+":25", "--to", "alice@mail.test", "--from", "bob@example.org", "--header", "Subject: four")

	// Failover: C dies; B (the other copy) takes DB02 with a higher epoch.
	c.kill()
	took = activeOn(t, a, "DB02", "SRVB", 30*time.Second)
	t.Logf("failover: DB02 mounted on SRVB %s after SIGKILL of SRVC (lease 6 s)", took)
	py = newPyClient(t, a.ip, a.ca())
	py.do("login")
	if f := py.do("subjects"); f[1] != "four,one,three,two" {
		t.Fatalf("after failover: %v", f)
	}
	var list []api.MailboxDatabase
	if err := a.client().Get(context.Background(), "/v1/databases?status=1", &list); err != nil {
		t.Fatal(err)
	}
	for _, d := range list {
		if d.Name == "DB02" && d.Epoch < 3 {
			t.Fatalf("DB02 after a switchover and a failover has epoch %d", d.Epoch)
		}
	}
}

package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/internal/testkit"
)

// freePort returns a port free on a loopback address now.
func freePort(t *testing.T, ip string) string {
	t.Helper()
	l, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// remoteServer starts a second Postern for the accepted domain
// remote.test, its Default Frontend on addr (another loopback address),
// with carol as a user and POP3 to read her mail.
func remoteServer(t *testing.T, addr string) *instance {
	t.Helper()
	b := serveWith(t, "", "--local", "--domain", "remote.test")
	b.cli("", "transport", "set", "LmtpBindings="+freeLoopbackAddr(t))
	b.cli("", "service", "restart", "transport")
	b.cli("", "pop", "set", "SSLBindings="+freeLoopbackAddr(t), "UnencryptedOrTLSBindings="+freeLoopbackAddr(t))
	b.cli("", "service", "start", "pop3-backend")
	b.cli("", "service", "start", "pop3")
	b.cli("", "connector", "set", "Client Frontend MAIL", "Bindings="+freeLoopbackAddr(t))
	b.cli("", "connector", "set", "Default Frontend MAIL", "Bindings="+addr)
	b.cli("", "service", "restart", "smtp")
	b.cli("secret3\n", "user", "add", "carol@remote.test")
	b.listeners()
	return b
}

// popUser retrieves every message of a mailbox over POP3S.
func popUser(t *testing.T, in *instance, user, pass string) []string {
	t.Helper()
	pem, err := os.ReadFile(in.ca())
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	c := testkit.Dial(t, in.POP3S, &tls.Config{RootCAs: pool, ServerName: "localhost"})
	c.Expect("+OK*")
	c.Cmd("USER "+user, "+OK")
	c.Cmd("PASS "+pass, "+OK User successfully logged on.")
	var n int
	c.Send("STAT\r\n")
	fmt.Sscanf(c.Line(), "+OK %d", &n)
	var out []string
	for i := 1; i <= n; i++ {
		c.Cmd(fmt.Sprintf("RETR %d", i), "+OK*")
		out = append(out, strings.Join(c.Lines(), "\r\n")+"\r\n")
	}
	c.Cmd("QUIT", "+OK*")
	return out
}

// waitFor polls cond for up to 30 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// swaksFrom submits a message as alice on 587 with STARTTLS and AUTH.
func swaksFrom(t *testing.T, in *instance, submission, to, subject string) string {
	t.Helper()
	return run(t, "", "swaks", "--server", submission, "--tls", "--tls-verify", "--tls-ca-path", in.ca(),
		"--auth", "PLAIN", "--auth-user", "alice@mail.test", "--auth-password", "secret1",
		"--from", "alice@mail.test", "--to", to, "--header", "Subject: "+subject)
}

// TestOutboundRelay: alice submits with swaks to a remote domain; the
// queue delivers it to a second Postern (found through the test
// resolver); a refusing destination gives alice a DSN she reads over
// POP3; an unreachable one is retried, listed, removed and, once it
// answers, delivered by `queue retry`; anonymous clients still cannot
// relay.
func TestOutboundRelay(t *testing.T) {
	need(t, "swaks")
	remoteAddr := freePort(t, "127.0.0.2")
	b := remoteServer(t, remoteAddr)
	a := serve(t, "")
	a.setup()
	sa := a.setupSMTP()
	out := a.cli("", "transport", "set", "--resolve", "remote.test="+remoteAddr)
	if !strings.Contains(out, "remote.test="+remoteAddr) || !strings.Contains(out, "LoopbackOnly             : true") {
		t.Fatalf("transport set:\n%s", out)
	}

	// One message, one local and one remote recipient.
	swaksFrom(t, a, sa.Submission, "carol@remote.test,bob@mail.test", "to carol")
	waitFor(t, "carol's message", func() bool { return len(popUser(t, b, "carol@remote.test", "secret3")) == 1 })
	got := popUser(t, b, "carol@remote.test", "secret3")[0]
	for _, want := range []string{"Subject: to carol", "from mail.test", "with ESMTPS", "with ESMTPSA"} {
		if !strings.Contains(got, want) {
			t.Errorf("carol's message lacks %q:\n%s", want, got)
		}
	}
	if n := len(popUser(t, a, "bob@mail.test", "secret2")); n != 1 {
		t.Errorf("bob has %d messages", n)
	}

	// A recipient the remote server does not know: a DSN for alice.
	swaksFrom(t, a, sa.Submission, "nobody@remote.test", "to nobody")
	var dsn string
	waitFor(t, "the DSN", func() bool {
		for _, m := range popUser(t, a, "alice@mail.test", "secret1") {
			if strings.Contains(m, "report-type=delivery-status") {
				dsn = m
				return true
			}
		}
		return false
	})
	for _, want := range []string{"Return-Path: <>", "Subject: Undeliverable: to nobody", "Final-Recipient: rfc822; nobody@remote.test",
		"Action: failed", "Status: 5.1.1", "Diagnostic-Code: smtp; 550 5.1.1", "Content-Type: text/rfc822-headers"} {
		if !strings.Contains(dsn, want) {
			t.Errorf("DSN lacks %q:\n%s", want, dsn)
		}
	}

	// Over IMAP4 the DSN is a multipart/report whose second part is the
	// machine-readable status (imaplib, BODYSTRUCTURE and BODY[2]).
	if _, err := exec.LookPath("python3"); err == nil {
		a.setupIMAP()
		out := run(t, "", "python3", "-c", dsnOverIMAP, a.ca(), port(a.IMAPS))
		if !strings.Contains(out, "dsn ok") {
			t.Errorf("DSN over IMAP4:\n%s", out)
		}
	}

	// The remote server stops: the message waits in the queue.
	b.cli("", "service", "stop", "smtp")
	swaksFrom(t, a, sa.Submission, "carol@remote.test", "while down")
	var list []queueMsg
	waitFor(t, "a failed attempt", func() bool { list = queueList(t, a); return len(list) == 1 && list[0].Recipients[0].Attempts > 0 })
	if r := list[0].Recipients[0]; r.State != "Retry" || !strings.Contains(r.LastError, "connection refused") || r.NextRetry.Before(time.Now().Add(30*time.Second)) {
		t.Errorf("queued recipient: %+v", r)
	}
	out = a.cli("", "queue", "list")
	if !strings.Contains(out, "carol@remote.test") || !strings.Contains(out, "Retry") || !strings.Contains(out, "1 message(s)") {
		t.Errorf("queue list:\n%s", out)
	}
	a.cli("", "queue", "remove", fmt.Sprint(list[0].ID))
	if l := queueList(t, a); len(l) != 0 {
		t.Errorf("after remove: %+v", l)
	}
	swaksFrom(t, a, sa.Submission, "carol@remote.test", "retried")
	waitFor(t, "a failed attempt", func() bool { list = queueList(t, a); return len(list) == 1 && list[0].Recipients[0].Attempts > 0 })
	b.cli("", "service", "start", "smtp")
	a.cli("", "queue", "retry", "--all")
	waitFor(t, "the retried delivery", func() bool { return len(queueList(t, a)) == 0 })
	msgs := popUser(t, b, "carol@remote.test", "secret3")
	if len(msgs) != 2 || !strings.Contains(msgs[1], "Subject: retried") {
		t.Errorf("carol has %d messages after the retry", len(msgs))
	}

	// No open relay: an anonymous client on 25 cannot reach remote.test.
	out, err := runAllowFail(t, "", "swaks", "--server", sa.MX, "--from", "x@elsewhere.test", "--to", "carol@remote.test")
	if err == nil || !strings.Contains(out, "550 5.7.54") {
		t.Errorf("anonymous relay not refused: %v\n%s", err, out)
	}
}

// queueMsg is a queued message as GET /v1/queue returns it.
type queueMsg struct {
	ID         int64
	Recipients []struct {
		Address   string
		State     string
		Attempts  int
		NextRetry time.Time
		LastError string
	}
}

func queueList(t *testing.T, in *instance) []queueMsg {
	t.Helper()
	var ql struct {
		Total    int
		Messages []queueMsg
	}
	if err := in.client().Get(context.Background(), "/v1/queue", &ql); err != nil {
		t.Fatal(err)
	}
	return ql.Messages
}

// dsnOverIMAP finds the DSN in alice's Inbox over IMAP4 and checks its
// structure and status part.
const dsnOverIMAP = `
import imaplib, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[1])
m = imaplib.IMAP4_SSL('127.0.0.1', int(sys.argv[2]), ssl_context=ctx)
assert m.login('alice@mail.test', 'secret1')[0] == 'OK'
m.select('INBOX', readonly=True)
typ, data = m.search(None, 'SUBJECT', '"Undeliverable"')
ids = data[0].split()
assert len(ids) == 1, data
typ, data = m.fetch(ids[0], '(BODYSTRUCTURE)')
bs = data[0].upper()
assert b'"REPORT" ("REPORT-TYPE" "DELIVERY-STATUS"' in bs and b'"MESSAGE" "DELIVERY-STATUS"' in bs, bs
typ, data = m.fetch(ids[0], '(BODY.PEEK[2])')
status = data[0][1]
assert b'Final-Recipient: rfc822; nobody@remote.test' in status and b'Status: 5.1.1' in status, status
m.logout()
print('dsn ok')
`

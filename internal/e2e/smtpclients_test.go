package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/postern/postern/internal/admin/api"
)

// smtpAddrs are the loopback addresses of the receive connectors.
type smtpAddrs struct {
	Submission string // Client Frontend: 587, STARTTLS
	SMTPS      string // Client Frontend TLS: 465, implicit TLS (RFC 8314)
	MX         string // Default Frontend: 25
}

// setupSMTP moves the default receive connectors to free loopback ports,
// adds the optional implicit-TLS connector, restarts the smtp service and
// adds bob (alice comes from setup). It uses the admin API, which the
// `postern connector` verbs call.
func (in *instance) setupSMTP() smtpAddrs {
	in.t.Helper()
	ctx := context.Background()
	cl := in.client()
	loopback := func() []api.TextChange { return []api.TextChange{{Name: "Bindings", Text: freeLoopbackAddr(in.t)}} }
	for _, name := range []string{"Client Frontend MAIL", "Default Frontend MAIL"} {
		if err := cl.Post(ctx, "/v1/connectors/set", api.Changes{Name: name, Texts: loopback()}, nil); err != nil {
			in.t.Fatal(err)
		}
	}
	tlsConn := api.NewConnector{Name: "Client Frontend TLS MAIL", Usage: "Client",
		Texts: append(loopback(), api.TextChange{Name: "ImplicitTls", Text: "$true"})}
	if err := cl.Post(ctx, "/v1/connectors", tlsConn, nil); err != nil {
		in.t.Fatal(err)
	}
	var st api.ServiceStatus
	if err := cl.Post(ctx, "/v1/services/action", api.ServiceRequest{Name: "smtp", Action: "restart"}, &st); err != nil {
		in.t.Fatal(err)
	}
	var list []api.Connector
	if err := cl.Get(ctx, "/v1/connectors", &list); err != nil {
		in.t.Fatal(err)
	}
	var a smtpAddrs
	for _, k := range list {
		if len(k.Listening) != 1 {
			in.t.Fatalf("connector %s listens on %v (%s)", k.Name, k.Listening, k.Error)
		}
		switch k.Name {
		case "Client Frontend MAIL":
			a.Submission = k.Listening[0]
		case "Client Frontend TLS MAIL":
			a.SMTPS = k.Listening[0]
		case "Default Frontend MAIL":
			a.MX = k.Listening[0]
		}
	}
	in.cli("secret2\n", "user", "add", "bob@mail.test")
	return a
}

// TestSwaks submits with swaks on 587 (STARTTLS, AUTH PLAIN and LOGIN)
// and 465 (implicit TLS); without TLS, AUTH is not advertised.
func TestSwaks(t *testing.T) {
	need(t, "swaks")
	need(t, "curl")
	in := serve(t, "")
	in.setup()
	a := in.setupSMTP()
	common := []string{"--tls-verify", "--tls-ca-path", in.ca(), "--auth-user", "alice@mail.test", "--auth-password", "secret1",
		"--from", "alice@mail.test", "--to", "bob@mail.test"}
	for _, c := range []struct{ name, server, tls, mech string }{
		{"587 PLAIN", a.Submission, "--tls", "PLAIN"},
		{"587 LOGIN", a.Submission, "--tls", "LOGIN"},
		{"465 PLAIN", a.SMTPS, "--tlsc", "PLAIN"},
	} {
		args := append([]string{"--server", c.server, c.tls, "--auth", c.mech, "--header", "Subject: swaks " + c.name}, common...)
		out := run(t, "", "swaks", args...)
		for _, want := range []string{"235 2.7.0 Authentication successful", "250 2.6.0 ", "Queued mail for delivery"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: swaks output lacks %q:\n%s", c.name, want, out)
			}
		}
		if c.tls == "--tls" && (!strings.Contains(out, "STARTTLS") || strings.Index(out, "AUTH PLAIN LOGIN") < strings.Index(out, "TLS started")) {
			t.Errorf("%s: AUTH offered before STARTTLS:\n%s", c.name, out)
		}
	}
	// No TLS: AUTH is not advertised, so swaks gives up.
	out, err := runAllowFail(t, "", "swaks", append([]string{"--server", a.Submission, "--auth", "PLAIN"}, common[3:]...)...)
	if err == nil || !strings.Contains(out, "Host did not advertise authentication") {
		t.Errorf("swaks --auth without --tls: %v\n%s", err, out)
	}
	// bob has the three messages.
	list := run(t, "", "curl", "-sS", "--cacert", in.ca(), "-u", "bob@mail.test:secret2", "pop3s://127.0.0.1:"+port(in.POP3S)+"/")
	if n := len(strings.Fields(list)); n != 6 {
		t.Errorf("bob's POP3 LIST:\n%s", list)
	}
}

// TestCurlSMTP submits with curl: smtp:// with --ssl-reqd (STARTTLS) and
// smtps:// (implicit TLS).
func TestCurlSMTP(t *testing.T) {
	need(t, "curl")
	in := serve(t, "")
	in.setup()
	a := in.setupSMTP()
	dir := t.TempDir()
	msg := filepath.Join(dir, "msg.eml")
	if err := os.WriteFile(msg, []byte("From: alice@mail.test\r\nTo: bob@mail.test\r\nSubject: curl\r\n\r\nsent by curl\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, url := range []string{"smtp://127.0.0.1:" + port(a.Submission), "smtps://127.0.0.1:" + port(a.SMTPS)} {
		run(t, dir, "curl", "-sS", "--ssl-reqd", "--cacert", in.ca(), "--url", url, "--mail-from", "alice@mail.test",
			"--mail-rcpt", "bob@mail.test", "--user", "alice@mail.test:secret1", "--upload-file", msg)
	}
	// Sending as someone else is refused with a clear error.
	out, err := runAllowFail(t, dir, "curl", "-sS", "--ssl-reqd", "--cacert", in.ca(), "--url", "smtp://127.0.0.1:"+port(a.Submission),
		"--mail-from", "bob@mail.test", "--mail-rcpt", "bob@mail.test", "--user", "alice@mail.test:secret1", "--upload-file", msg)
	if err == nil || !strings.Contains(out, "550") {
		t.Errorf("sending as bob: %v\n%s", err, out)
	}
	list := run(t, "", "curl", "-sS", "--cacert", in.ca(), "-u", "bob@mail.test:secret2", "pop3s://127.0.0.1:"+port(in.POP3S)+"/")
	if n := len(strings.Fields(list)); n != 4 {
		t.Errorf("bob's POP3 LIST:\n%s", list)
	}
}

// TestPythonSmtplib: alice sends with smtplib on 587 and 465; bob then
// reads both messages over POP3 (poplib) and IMAP4 (imaplib).
func TestPythonSmtplib(t *testing.T) {
	need(t, "python3")
	in := serve(t, "")
	in.setup()
	in.setupIMAP()
	a := in.setupSMTP()
	script := `
import smtplib, poplib, imaplib, ssl, sys
from email.message import EmailMessage
ca, sub, smtps, pop, imap = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
ctx = ssl.create_default_context(cafile=ca)
def message(n):
    m = EmailMessage()
    m['From'] = 'Alice <alice@mail.test>'
    m['To'] = 'bob@mail.test'
    m['Subject'] = 'smtplib %d' % n
    m.set_content('Hello Bob, number %d.\n.a dot line\n' % n)
    return m
s = smtplib.SMTP('127.0.0.1', sub)
s.ehlo()
assert not s.has_extn('auth'), s.esmtp_features
assert s.has_extn('starttls'), s.esmtp_features
try:
    s.login('alice@mail.test', 'secret1')
    raise SystemExit('login without TLS')
except smtplib.SMTPNotSupportedError:
    pass
s.starttls(context=ctx)
s.ehlo()
assert s.esmtp_features['auth'].split() == ['PLAIN', 'LOGIN'], s.esmtp_features
s.login('alice@mail.test', 'secret1')
assert s.send_message(message(1)) == {}
try:
    s.sendmail('bob@mail.test', ['bob@mail.test'], 'Subject: spoof\r\n\r\nx\r\n')
    raise SystemExit('sent as bob')
except smtplib.SMTPSenderRefused as e:
    assert e.smtp_code == 550 and b'5.7.60' in e.smtp_error, e
s.quit()
s = smtplib.SMTP_SSL('127.0.0.1', smtps, context=ctx)
s.login('alice@mail.test', 'secret1')
assert s.send_message(message(2)) == {}
s.quit()
p = poplib.POP3_SSL('127.0.0.1', pop, context=ctx)
p.user('bob@mail.test'); p.pass_('secret2')
subjects = []
for i in range(1, p.stat()[0] + 1):
    lines = p.retr(i)[1]
    subjects += [l for l in lines if l.startswith(b'Subject: ')]
    assert b'.a dot line' in lines, lines
    assert any(l.startswith(b'Received: from ') for l in lines), lines
p.quit()
assert subjects == [b'Subject: smtplib 1', b'Subject: smtplib 2'], subjects
m = imaplib.IMAP4_SSL('127.0.0.1', imap, ssl_context=ctx)
m.login('bob@mail.test', 'secret2')
typ, data = m.select('INBOX', readonly=True)
assert data == [b'2'], data
typ, data = m.search(None, 'SUBJECT', '"smtplib 2"')
assert data == [b'2'], data
m.logout()
print('smtplib ok')
`
	out := run(t, "", "python3", "-c", script, in.ca(), port(a.Submission), port(a.SMTPS), port(in.POP3S), port(in.IMAPS))
	if !strings.Contains(out, "smtplib ok") {
		t.Fatal(out)
	}
}

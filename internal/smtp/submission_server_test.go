package smtp_test

import (
	"context"
	"crypto/tls"
	"net"
	"net/smtp"
	"os"
	"strings"
	"testing"

	"github.com/postern/postern/internal/config"
	"github.com/postern/postern/internal/testkit"
)

// These tests run the smtp service of a real server (directory, store,
// certificates) on loopback, with the connectors a fresh server creates.

// sendMail submits a message over STARTTLS and AUTH PLAIN with Go's
// net/smtp client.
func sendMail(t *testing.T, s *testkit.Server, user, from string, to []string, msg string) error {
	t.Helper()
	c, err := smtp.Dial(s.Submission)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := c.Extension("AUTH"); ok {
		t.Fatal("AUTH advertised before STARTTLS")
	}
	if err := c.StartTLS(s.ClientTLS("mail.test")); err != nil {
		t.Fatal(err)
	}
	if err := c.Auth(smtp.PlainAuth("", user, "secret1", "127.0.0.1")); err != nil {
		return err
	}
	if err := c.Mail(from); err != nil {
		return err
	}
	for _, r := range to {
		if err := c.Rcpt(r); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	w.Write([]byte(msg))
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// TestSubmissionEndToEnd: alice submits on the Client Frontend, bob reads
// the message at once over POP3 and IMAP4.
func TestSubmissionEndToEnd(t *testing.T) {
	t.Parallel()
	s := testkit.Start(t, testkit.Options{})
	s.AddUser("alice@mail.test", "secret1")
	s.AddUser("bob@mail.test", "secret1")
	msg := "From: Alice <alice@mail.test>\r\nTo: bob@mail.test\r\nSubject: lunch?\r\n\r\nAt noon.\r\n.leading dot\r\n"
	if err := sendMail(t, s, "alice@mail.test", "alice@mail.test", []string{"bob@mail.test"}, msg); err != nil {
		t.Fatal(err)
	}
	// Refusals reach the client as errors.
	if err := sendMail(t, s, "alice@mail.test", "bob@mail.test", []string{"bob@mail.test"}, msg); err == nil || !strings.Contains(err.Error(), "5.7.60") {
		t.Errorf("sending as bob: %v", err)
	}
	// A remote recipient is queued (the transport is loopback-only, so it
	// goes nowhere).
	if err := sendMail(t, s, "alice@mail.test", "alice@mail.test", []string{"carol@example.org"}, msg); err != nil {
		t.Errorf("remote recipient: %v", err)
	}
	if list, _, err := s.Queue().List(context.Background(), 0); err != nil || len(list) != 1 || list[0].Recipients[0].Address != "carol@example.org" {
		t.Errorf("queue after a remote recipient: %+v, %v", list, err)
	}

	p := testkit.Dial(t, s.POP3S, s.ClientTLS("mail.test"))
	p.Expect("+OK*")
	p.Cmd("USER bob@mail.test", "+OK")
	p.Cmd("PASS secret1", "+OK User successfully logged on.")
	p.Cmd("STAT", "+OK 1 *")
	p.Cmd("RETR 1", "+OK*")
	body := strings.Join(p.Lines(), "\n")
	// net/smtp declares SMTPUTF8 when offered: UTF8SMTPSA (RFC 6531 3.7.3).
	for _, want := range []string{"Return-Path: <alice@mail.test>", "by mail.test with UTF8SMTPSA id", "Subject: lunch?", "Message-ID: <", "Date: ", "\n.leading dot"} {
		if !strings.Contains(body, want) {
			t.Errorf("POP3 message lacks %q:\n%s", want, body)
		}
	}
	p.Cmd("QUIT", "+OK*")

	m := testkit.Dial(t, s.IMAPS, s.ClientTLS("mail.test"))
	m.Expect("* OK*")
	m.Cmd("a LOGIN bob@mail.test secret1", "a OK LOGIN completed.")
	m.Cmd("b SELECT INBOX", "* 1 EXISTS")
	for !strings.HasPrefix(m.Line(), "b OK") {
	}
	m.Cmd("c FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])", "* 1 FETCH*")
	if l := m.Line(); l != "Subject: lunch?" {
		t.Errorf("IMAP subject line %q", l)
	}
}

// TestSubmissionDefaultFrontend: anonymous mail from outside reaches a
// local mailbox on the Default Frontend; relaying is refused.
func TestSubmissionDefaultFrontend(t *testing.T) {
	t.Parallel()
	s := testkit.Start(t, testkit.Options{NoIMAP: true})
	s.AddUser("bob@mail.test", "secret1")
	c := testkit.Dial(t, s.SMTP, nil)
	c.Expect("220 mail.test Postern ESMTP MAIL service ready at *")
	c.Send("EHLO mx.example.org\r\n")
	for !strings.HasPrefix(c.Line(), "250 ") {
	}
	c.Cmd("MAIL FROM:<bob@mail.test>", "550 5.7.1 Client does not have permissions to send as this sender")
	c.Cmd("MAIL FROM:<news@example.org>", "250 2.1.0 Sender OK")
	c.Cmd("RCPT TO:<someone@example.net>", "550 5.7.54 SMTP; Unable to relay recipient in non-accepted domain")
	c.Cmd("RCPT TO:<carol@mail.test>", "550 5.1.1 User unknown")
	c.Cmd("RCPT TO:<bob@mail.test>", "250 2.1.5 Recipient OK")
	c.Cmd("DATA", "354 *")
	c.Cmd("Subject: news\r\n\r\nhello\r\n.", "250 2.6.0 *")
	c.Cmd("QUIT", "221 *")

	p := testkit.Dial(t, s.POP3S, s.ClientTLS("mail.test"))
	p.Expect("+OK*")
	p.Cmd("USER bob@mail.test", "+OK")
	p.Cmd("PASS secret1", "+OK*")
	p.Cmd("STAT", "+OK 1 *")
	// The Default Frontend logs verbosely by default.
	if !dirHasFiles(t, s.DataDir()+"/Logging/SmtpReceive") {
		t.Error("no SMTP receive protocol log")
	}
}

// TestSubmissionConnectors: a new implicit-TLS connector (465 style), a
// changed Fqdn, and a connector that cannot bind.
func TestSubmissionConnectors(t *testing.T) {
	t.Parallel()
	s := testkit.Start(t, testkit.Options{NoPOP3: true, NoIMAP: true})
	s.AddUser("alice@mail.test", "secret1")
	s.NewConnector("Client Frontend TLS MAIL", config.UsageClient, map[string]string{"Bindings": testkit.FreeLoopbackAddr(t), "ImplicitTls": "$true"})
	s.SetConnector("Client Frontend MAIL", map[string]string{"Fqdn": "smtp.contoso.com"})
	s.RestartSMTP()
	tlsAddr := s.ConnectorAddr("Client Frontend TLS MAIL")
	conn, err := tls.Dial("tcp", tlsAddr, s.ClientTLS("mail.test"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := smtp.NewClient(conn, "mail.test")
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		t.Error("STARTTLS offered on implicit TLS")
	}
	if ok, mechs := c.Extension("AUTH"); !ok || mechs != "PLAIN LOGIN" {
		t.Errorf("AUTH %v %q", ok, mechs)
	}
	if err := c.Auth(smtp.PlainAuth("", "alice@mail.test", "secret1", "mail.test")); err != nil {
		t.Fatal(err)
	}
	c.Quit()

	p := testkit.Dial(t, s.Submission, nil)
	p.Expect("220 smtp.contoso.com Postern ESMTP MAIL service ready at *")
	p.Cmd("EHLO client.test", "250-smtp.contoso.com Hello [127.0.0.1]")

	// A connector whose binding is taken does not stop the others, and
	// says why.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	s.NewConnector("Busy", config.UsageInternet, map[string]string{"Bindings": ln.Addr().String()})
	s.RestartSMTP()
	if st := s.ConnectorState("Busy"); st.Error == "" || len(st.Listening) != 0 {
		t.Errorf("busy connector state %+v", st)
	}
	if s.Submission == "" {
		t.Error("Client Frontend stopped with the busy connector")
	}
	st, _ := s.Service(context.Background(), "smtp")
	if st.Status != "Running" {
		t.Errorf("smtp service %+v", st)
	}
	// When no connector can listen the service fails and says why.
	for _, name := range []string{"Client Frontend MAIL", "Default Frontend MAIL", "Client Frontend TLS MAIL"} {
		s.SetConnector(name, map[string]string{"Enabled": "$false"})
	}
	if err := s.RestartService(context.Background(), "smtp"); err == nil {
		t.Fatal("smtp started with no connector able to listen")
	}
	st, _ = s.Service(context.Background(), "smtp")
	if st.Status != "Stopped" || !strings.Contains(st.Error, "address already in use") {
		t.Errorf("smtp service %+v", st)
	}
}

func dirHasFiles(t *testing.T, dir string) bool {
	t.Helper()
	es, err := os.ReadDir(dir)
	return err == nil && len(es) > 0
}

// TestSubmissionConnectionLimit: MaxInboundConnectionPerSource refuses a
// second connection from the same address with 421.
func TestSubmissionConnectionLimit(t *testing.T) {
	t.Parallel()
	s := testkit.Start(t, testkit.Options{NoPOP3: true, NoIMAP: true})
	s.SetConnector("Default Frontend MAIL", map[string]string{"MaxInboundConnectionPerSource": "1"})
	s.RestartSMTP()
	first := testkit.Dial(t, s.SMTP, nil)
	first.Expect("220 *")
	second := testkit.Dial(t, s.SMTP, nil)
	second.Expect("421 4.3.2 The maximum number of concurrent connections has exceeded a limit, closing transmission channel")
	second.Closed()
	first.Cmd("NOOP", "250 2.0.0 Ok")
}

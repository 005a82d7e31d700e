package smtp

import (
	"encoding/base64"

	"github.com/postern/postern/internal/login"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// TestSubmissionClientFrontend is spec §11 items 44 and 45 on a connector
// shaped like "Client Frontend": before STARTTLS no AUTH and no mail;
// after it AUTH PLAIN and LOGIN, then submission.
func TestSubmissionClientFrontend(t *testing.T) {
	t.Parallel()
	ts := startSubmission(t, false, clientOptions)
	c := ts.greeted(t, false)
	want := []string{"SIZE 37748736", "PIPELINING", "ENHANCEDSTATUSCODES", "STARTTLS", "CHUNKING", "SMTPUTF8", "8BITMIME"}
	if got := c.ehlo("mx.test"); !slices.Equal(got, want) {
		t.Fatalf("EHLO before STARTTLS %q, want %q", got, want)
	}
	// Refused before any credential check (spec 2.1).
	c.do("AUTH PLAIN "+plainIR("alice", "pw"), "538 5.7.11 Encryption required for requested authentication mechanism")
	c.do("AUTH LOGIN", "538 5.7.11 Encryption required for requested authentication mechanism")
	c.do("AUTH CRAM-MD5", "504 5.7.4 Unrecognized authentication type")
	if n := ts.dir.verifies.Load(); n != 0 {
		t.Fatalf("%d credential checks before TLS", n)
	}
	// Anonymous mail is refused: the connector has ExchangeUsers only.
	c.do("MAIL FROM:<alice@mx.test>", "530 5.7.1 Client was not authenticated")
	c.do("MAIL FROM:<someone@example.org>", "530 5.7.1 Client was not authenticated")
	c.do("RCPT TO:<bob@mx.test>", "503 5.5.1 Need MAIL command")

	c.do("STARTTLS", "220 2.0.0 SMTP server ready")
	c.startTLS(ts.clientTLS)
	c.do("MAIL FROM:<alice@mx.test>", "503 5.5.1 Send EHLO first")
	want = []string{"SIZE 37748736", "PIPELINING", "ENHANCEDSTATUSCODES", "AUTH PLAIN LOGIN", "CHUNKING", "SMTPUTF8", "8BITMIME"}
	if got := c.ehlo("mx.test"); !slices.Equal(got, want) {
		t.Fatalf("EHLO after STARTTLS %q, want %q", got, want)
	}
	c.do("STARTTLS", "503 5.5.1 TLS already active")
	c.do("MAIL FROM:<alice@mx.test>", "530 5.7.1 Client was not authenticated")
	c.do("AUTH PLAIN "+plainIR("alice", "wrong"), "535 5.7.3 Authentication unsuccessful")
	c.login("alice@mx.test")
	c.do("AUTH PLAIN "+plainIR("alice", "pw"), "503 5.5.1 Already authenticated")
	if got := c.ehlo("mx.test"); slices.Contains(got, "AUTH PLAIN LOGIN") || slices.Contains(got, "STARTTLS") {
		t.Errorf("EHLO after AUTH %q", got)
	}
	c.do("MAIL FROM:<alice@mx.test> SIZE=100 BODY=8BITMIME AUTH=<>", "250 2.1.0 Sender OK")
	c.do("RCPT TO:<bob@mx.test>", "250 2.1.5 Recipient OK")
	c.do("RCPT TO:<nobody@mx.test>", "550 5.1.1 User unknown")
	c.do("RCPT TO:<someone@example.org>", "550 5.7.54 SMTP; Delivery to remote domains is not available yet")
	c.do("DATA", "354 Start mail input; end with <CRLF>.<CRLF>")
	c.send("From: Alice <alice@mx.test>\r\nTo: bob@mx.test\r\nSubject: hi\r\n\r\nHello Bob.\r\n.\r\n")
	c.expectMatch(`^250 2\.6\.0 <[A-Z2-7]{16}@mx\.test> Queued mail for delivery$`)
	c.do("QUIT", "221 2.0.0 mx.test closing connection")
	c.expectClosed()

	got := ts.d.deliveries()
	if len(got) != 1 || !slices.Equal(got[0].rcpts, []string{"bob@mx.test"}) || got[0].from != "alice@mx.test" {
		t.Fatalf("deliveries %+v", got)
	}
	head := regexp.MustCompile(`^Return-Path: <alice@mx\.test>\r\n` +
		`Received: from client\.test \(\[127\.0\.0\.1\]\)\r\n\tby mx\.test with ESMTPSA id [A-Z2-7]{13};\r\n` +
		`\tFri, 02 Jan 2026 03:04:05 \+0000\r\n` +
		`Date: Fri, 02 Jan 2026 03:04:05 \+0000\r\n` +
		`Message-ID: <[A-Z2-7]{16}@mx\.test>\r\n` +
		`From: Alice <alice@mx\.test>\r\nTo: bob@mx\.test\r\nSubject: hi\r\n\r\nHello Bob\.\r\n$`)
	if !head.MatchString(got[0].body) {
		t.Errorf("stored message:\n%s", got[0].body)
	}
}

// expectMatch reads one line and matches it against a regular expression.
func (tc *tconn) expectMatch(re string) string {
	tc.t.Helper()
	tc.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	line, err := tc.r.ReadString('\n')
	if err != nil {
		tc.t.Fatalf("reading for %s: %q, %v", re, line, err)
	}
	line = strings.TrimSuffix(line, "\r\n")
	if !regexp.MustCompile(re).MatchString(line) {
		tc.t.Fatalf("got %q, want %s", line, re)
	}
	return line
}

// TestSubmissionEHLOMatrix checks the EHLO list for each AuthMechanism
// combination, before and after STARTTLS (spec 8.2, §11 item 44).
func TestSubmissionEHLOMatrix(t *testing.T) {
	t.Parallel()
	base := []string{"SIZE 37748736", "PIPELINING", "ENHANCEDSTATUSCODES"}
	with := func(extra ...string) []string {
		return append(append(slices.Clone(base), extra...), "CHUNKING", "SMTPUTF8", "8BITMIME")
	}
	for _, c := range []struct {
		name          string
		mod           func(*SubmissionOptions)
		implicit      bool
		clear, secure []string // nil secure: STARTTLS is not possible
	}{
		{"None", func(o *SubmissionOptions) {}, false, with(), nil},
		{"Tls", func(o *SubmissionOptions) { o.StartTLS = true }, false, with("STARTTLS"), with()},
		{"BasicAuth", func(o *SubmissionOptions) { o.BasicAuth = true }, false, with("AUTH PLAIN LOGIN"), nil},
		{"Tls,BasicAuth", func(o *SubmissionOptions) { o.StartTLS, o.BasicAuth = true, true }, false,
			with("STARTTLS", "AUTH PLAIN LOGIN"), with("AUTH PLAIN LOGIN")},
		{"Tls,BasicAuth,BasicAuthRequireTLS", clientOptions, false, with("STARTTLS"), with("AUTH PLAIN LOGIN")},
		{"Integrated", func(o *SubmissionOptions) {}, false, with(), nil},
		{"implicit Tls,BasicAuth,BasicAuthRequireTLS", func(o *SubmissionOptions) { o.BasicAuth, o.BasicAuthRequireTLS = true, true },
			true, with("AUTH PLAIN LOGIN"), nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ts := startSubmission(t, c.implicit, c.mod)
			conn := ts.greeted(t, c.implicit)
			if got := conn.ehlo("mx.test"); !slices.Equal(got, c.clear) {
				t.Fatalf("EHLO %q, want %q", got, c.clear)
			}
			if c.secure == nil {
				want := "502 5.5.1 Command not implemented"
				if c.implicit {
					want = "503 5.5.1 TLS already active"
				}
				conn.do("STARTTLS", want)
				return
			}
			conn.do("STARTTLS", "220 2.0.0 SMTP server ready")
			conn.startTLS(ts.clientTLS)
			if got := conn.ehlo("mx.test"); !slices.Equal(got, c.secure) {
				t.Fatalf("EHLO after STARTTLS %q, want %q", got, c.secure)
			}
		})
	}
}

// TestSubmissionFqdnAndBanner is spec §11 item 47: Fqdn changes the banner
// and the EHLO name; Banner replaces the greeting.
func TestSubmissionFqdnAndBanner(t *testing.T) {
	t.Parallel()
	ts := startSubmission(t, false, func(o *SubmissionOptions) { o.Hostname = "mail.contoso.com" })
	c := ts.dialPlain(t)
	c.expect("220 mail.contoso.com Postern ESMTP MAIL service ready at Fri, 02 Jan 2026 03:04:05 +0000")
	c.ehlo("mail.contoso.com")
	c.do("HELO client.test", "250 mail.contoso.com Hello [127.0.0.1]")
	c.do("QUIT", "221 2.0.0 mail.contoso.com closing connection")

	ts = startSubmission(t, false, func(o *SubmissionOptions) { o.Banner = "Contoso mail, authorised use only" })
	c = ts.dialPlain(t)
	c.expect("220 Contoso mail, authorised use only")
}

// TestSubmissionNoOpenRelay: on a connector shaped like "Default
// Frontend" anonymous clients deliver to the accepted domains only, and
// may not use a sender address of those domains.
func TestSubmissionNoOpenRelay(t *testing.T) {
	t.Parallel()
	ts := startSubmission(t, false, defaultOptions)
	c := ts.greeted(t, false)
	c.ehlo("mx.test")
	c.do("MAIL FROM:<alice@mx.test>", "550 5.7.1 Client does not have permissions to send as this sender")
	c.do("MAIL FROM:<ALICE@MX.TEST>", "550 5.7.1 Client does not have permissions to send as this sender")
	c.do("MAIL FROM:<someone@example.org>", "250 2.1.0 Sender OK")
	c.do("RCPT TO:<someone@example.com>", "550 5.7.54 SMTP; Unable to relay recipient in non-accepted domain")
	c.do("RCPT TO:<bob@[127.0.0.1]>", "550 5.7.54 SMTP; Unable to relay recipient in non-accepted domain")
	c.do("RCPT TO:<@mx.test:someone@example.com>", "550 5.7.54 SMTP; Unable to relay recipient in non-accepted domain")
	c.do("RCPT TO:<nobody@mx.test>", "550 5.1.1 User unknown")
	c.do("DATA", "503 5.5.1 No valid recipients")
	c.do("RCPT TO:<bob@MX.test>", "250 2.1.5 Recipient OK")
	c.do("DATA", "354 Start mail input; end with <CRLF>.<CRLF>")
	c.send("From: <someone@example.org>\r\nSubject: from outside\r\n\r\nhi\r\n.\r\n")
	c.expectMatch(`^250 2\.6\.0 <.*> Queued mail for delivery$`)
	// Bounces (null sender) are accepted.
	c.do("MAIL FROM:<>", "250 2.1.0 Sender OK")
	c.do("RCPT TO:<alice@mx.test>", "250 2.1.5 Recipient OK")
	c.do("RSET", "250 2.0.0 Ok")
	got := ts.d.deliveries()
	if len(got) != 1 || !strings.Contains(got[0].body, "with ESMTP id") {
		t.Fatalf("deliveries %+v", got)
	}
}

// TestSubmissionSendAs: an authenticated user sends only as itself, in
// MAIL FROM and in the From field (RFC 6409 6.1).
func TestSubmissionSendAs(t *testing.T) {
	t.Parallel()
	ts := startSubmission(t, false, defaultOptions)
	c := ts.tlsReady(t)
	c.login("alice")
	c.do("MAIL FROM:<bob@mx.test>", "550 5.7.60 SMTP; Client does not have permissions to send as this sender")
	c.do("MAIL FROM:<>", "550 5.7.60 SMTP; Client does not have permissions to send as this sender")
	c.do("MAIL FROM:<alice@example.org>", "550 5.7.60 SMTP; Client does not have permissions to send as this sender")
	for _, from := range []string{
		"From: bob@mx.test",
		"From: Alice <alice@mx.test>, Bob <bob@mx.test>",
		"From: Alice <alice@mx.test>\r\nFrom: bob@mx.test",
		"From: Alice\r\n <bob@mx.test>",
		"X-Junk\r\nFrom: bob@mx.test",
		"From: Alice <alice@mx.test>\r\nFrom : bob@mx.test",
		"From: =?x-unknown?q?Bob?= <bob@mx.test>",
		"From: " + strings.Repeat("x", 5000) + " <bob@mx.test>",
	} {
		c.do("MAIL FROM:<alice@mx.test>", "250 2.1.0 Sender OK")
		c.do("RCPT TO:<bob@mx.test>", "250 2.1.5 Recipient OK")
		c.do("DATA", "354 Start mail input; end with <CRLF>.<CRLF>")
		c.send(from + "\r\nSubject: spoof\r\n\r\nbody\r\n.\r\n")
		c.expect("550 5.7.60 SMTP; Client does not have permissions to send as this sender")
	}
	c.do("MAIL FROM:<alice@mx.test>", "250 2.1.0 Sender OK")
	c.do("RCPT TO:<bob@mx.test>", "250 2.1.5 Recipient OK")
	c.do("DATA", "354 Start mail input; end with <CRLF>.<CRLF>")
	c.send("From: <<<\r\n\r\nbody\r\n.\r\n")
	c.expect("554 5.6.0 The From header field is not valid")
	if n := len(ts.d.deliveries()); n != 0 {
		t.Fatalf("%d deliveries of refused messages", n)
	}
	// A message without From, Date or Message-ID gets them; one with
	// Date and Message-ID keeps them.
	c.do("MAIL FROM:<Alice@MX.TEST>", "250 2.1.0 Sender OK")
	c.do("RCPT TO:<bob@mx.test>", "250 2.1.5 Recipient OK")
	c.do("DATA", "354 Start mail input; end with <CRLF>.<CRLF>")
	c.send("Subject: bare\r\n\r\nbody\r\n.\r\n")
	c.expectMatch(`^250 2\.6\.0 <[A-Z2-7]{16}@mx\.test> Queued mail for delivery$`)
	c.do("MAIL FROM:<alice@mx.test>", "250 2.1.0 Sender OK")
	c.do("RCPT TO:<bob@mx.test>", "250 2.1.5 Recipient OK")
	c.do("DATA", "354 Start mail input; end with <CRLF>.<CRLF>")
	c.send("Message-ID: <own@client.test>\r\nDate: Thu, 01 Jan 2026 00:00:00 +0000\r\nFrom: alice@mx.test\r\n\r\nbody\r\n.\r\n")
	c.expect("250 2.6.0 <own@client.test> Queued mail for delivery")
	got := ts.d.deliveries()
	if len(got) != 2 {
		t.Fatalf("%d deliveries", len(got))
	}
	if b := got[0].body; !strings.Contains(b, "From: <alice@mx.test>\r\nDate: Fri, 02 Jan 2026 03:04:05 +0000\r\nMessage-ID: <") {
		t.Errorf("added fields missing:\n%s", b)
	}
	if b := got[1].body; strings.Count(b, "Date:") != 1 || strings.Count(b, "Message-ID:") != 1 || strings.Count(b, "From:") != 1 {
		t.Errorf("fields duplicated:\n%s", b)
	}
}

// TestSubmissionAuthLogin runs AUTH LOGIN with its challenges, a
// cancelled exchange, a blocked built-in account and the failure limit.
func TestSubmissionAuthLogin(t *testing.T) {
	t.Parallel()
	ts := startSubmission(t, false, clientOptions, func(o *SubmissionOptions) { o.MaxLogonFailures = 3 })
	c := ts.tlsReady(t)
	c.do("AUTH LOGIN", "334 VXNlcm5hbWU6")
	c.do("*", "501 5.0.0 Authentication cancelled")
	c.do("AUTH LOGIN "+b64("alice"), "334 UGFzc3dvcmQ6")
	c.do("!!!", "501 5.5.2 Cannot decode response")
	c.do("AUTH PLAIN", "334 ")
	c.do(b64("\x00administrator\x00pw"), "535 5.7.3 Authentication unsuccessful") // blocked whatever the password
	c.do("AUTH PLAIN "+plainIR("bob", "wrong"), "535 5.7.3 Authentication unsuccessful")
	c.do("AUTH PLAIN "+b64("bob\x00alice\x00pw"), "535 5.7.3 Authentication unsuccessful") // acting as another
	c.expect("421 4.7.0 Too many failed logons, closing connection")
	c.expectClosed()

	c = ts.tlsReady(t)
	c.do("AUTH LOGIN", "334 VXNlcm5hbWU6")
	c.do(b64("alice@mx.test"), "334 UGFzc3dvcmQ6")
	c.do(b64("pw"), "235 2.7.0 Authentication successful")
	c.do("MAIL FROM:<alice@mx.test>", "250 2.1.0 Sender OK")
	c.do("RCPT TO:<bob@mx.test>", "250 2.1.5 Recipient OK")
	c.do("AUTH LOGIN", "503 5.5.1 Not allowed in a mail transaction")
	c.do("STARTTLS", "503 5.5.1 Not allowed in a mail transaction")
}

// TestSubmissionAuthTarpit: a failed AUTH is answered only after
// AuthTarpitInterval (the engine's failure delay).
func TestSubmissionAuthTarpit(t *testing.T) {
	t.Parallel()
	ts2 := startSubmission(t, false, clientOptions, func(o *SubmissionOptions) {
		o.Engine = login.NewEngine(login.Options{Verifier: o.Directory.(*fakeDirectory), FailureDelay: 300 * time.Millisecond})
	})
	c := ts2.tlsReady(t)
	start := time.Now()
	c.do("AUTH PLAIN "+plainIR("alice", "wrong"), "535 5.7.3 Authentication unsuccessful")
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("failure answered after %v", d)
	}
}

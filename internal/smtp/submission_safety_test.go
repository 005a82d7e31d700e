package smtp

import (
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/internal/login"
)

// TestSubmissionSTARTTLSInjection: commands pipelined after STARTTLS in
// clear are discarded, never executed after the handshake (RFC 3207 5,
// spec §11 item 13).
func TestSubmissionSTARTTLSInjection(t *testing.T) {
	t.Parallel()
	ts := startSubmission(t, false, defaultOptions)
	c := ts.greeted(t, false)
	c.ehlo("mx.test")
	c.send("STARTTLS\r\nEHLO evil.test\r\nMAIL FROM:<evil@example.org>\r\nRCPT TO:<bob@mx.test>\r\n")
	c.expect("220 2.0.0 SMTP server ready")
	c.startTLS(ts.clientTLS)
	// Had the injected EHLO run, the session would be past it, and the
	// first reply would be its 250 lines.
	c.do("MAIL FROM:<someone@example.org>", "503 5.5.1 Send EHLO first")
	c.do("NOOP", "250 2.0.0 Ok")
	c.ehlo("mx.test")
	c.do("RCPT TO:<bob@mx.test>", "503 5.5.1 Need MAIL command")
}

// TestSubmissionSmuggling sends bodies with would-be terminators made of
// bare CR or LF followed by a smuggled transaction: none ends the body;
// the message is refused at the real terminator and nothing smuggled runs.
func TestSubmissionSmuggling(t *testing.T) {
	t.Parallel()
	smuggled := "MAIL FROM:<evil@example.org>\r\nRCPT TO:<bob@mx.test>\r\nDATA\r\nforged\r\n"
	for name, fake := range map[string]string{
		`\n.\n`: "\n.\n", `\r.\r`: "\r.\r", `\r\n.\n`: "\r\n.\n", `\n.\r\n`: "\n.\r\n", `\r.\r\n`: "\r.\r\n", `\r\n.\r`: "\r\n.\r",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ts := startSubmission(t, false, defaultOptions)
			c := ts.greeted(t, false)
			c.ehlo("mx.test")
			c.do("MAIL FROM:<someone@example.org>", "250 2.1.0 Sender OK")
			c.do("RCPT TO:<bob@mx.test>", "250 2.1.5 Recipient OK")
			c.do("DATA", "354 Start mail input; end with <CRLF>.<CRLF>")
			c.send("Subject: x\r\n\r\nhello" + fake + smuggled + ".\r\n")
			c.expect("554 5.6.0 Bare CR or LF in message")
			c.do("RCPT TO:<bob@mx.test>", "503 5.5.1 Need MAIL command")
			c.do("NOOP", "250 2.0.0 Ok")
			if n := len(ts.d.deliveries()); n != 0 {
				t.Errorf("%d deliveries", n)
			}
		})
	}
}

// TestSubmissionLimits: line length, recipient count, declared and real
// message size, header size, hop count.
func TestSubmissionLimits(t *testing.T) {
	t.Parallel()
	ts := startSubmission(t, false, defaultOptions, func(o *SubmissionOptions) {
		o.MaxRecipients, o.MaxMessageSize, o.MaxErrors = 2, 300<<10, -1
	})
	c := ts.greeted(t, false)
	c.ehlo("mx.test")
	c.do("NOOP "+strings.Repeat("x", 5000), "500 5.5.2 Line too long")
	c.do("MAIL FROM:<someone@example.org> SIZE=307201", "552 5.3.4 Message size exceeds fixed maximum message size")
	c.do("MAIL FROM:<someone@example.org> SMTPUTF8=yes", "501 5.5.4 Invalid parameter")
	c.do("MAIL FROM:<someone@example.org> BODY=BINARYMIME", "555 5.5.4 Unsupported parameter")
	c.do("MAIL FROM:<ü@example.org>", "553 5.6.7 Non-ASCII address not permitted")
	c.do("MAIL FROM:<someone@example.org>", "250 2.1.0 Sender OK")
	c.do("RCPT TO:<alice@mx.test> NOTIFY=NEVER", "555 5.5.4 Unsupported parameter")
	c.do("RCPT TO:<alice@mx.test>", "250 2.1.5 Recipient OK")
	c.do("RCPT TO:<bob@mx.test>", "250 2.1.5 Recipient OK")
	c.do("RCPT TO:<alice@mx.test>", "452 4.5.3 Too many recipients")
	c.do("DATA", "354 Start mail input; end with <CRLF>.<CRLF>")
	c.send(strings.Repeat(strings.Repeat("y", 998)+"\r\n", 310) + ".\r\n")
	c.expect("552 5.3.4 Message too big")
	c.do("MAIL FROM:<someone@example.org>", "250 2.1.0 Sender OK")
	c.do("RCPT TO:<bob@mx.test>", "250 2.1.5 Recipient OK")
	c.do("DATA", "354 Start mail input; end with <CRLF>.<CRLF>")
	c.send(strings.Repeat("X-Filler: "+strings.Repeat("z", 900)+"\r\n", 290) + "\r\nbody\r\n.\r\n")
	c.expect("552 5.3.4 Header size exceeds fixed maximum size")
	c.do("MAIL FROM:<someone@example.org>", "250 2.1.0 Sender OK")
	c.do("RCPT TO:<bob@mx.test>", "250 2.1.5 Recipient OK")
	c.do("DATA", "354 Start mail input; end with <CRLF>.<CRLF>")
	c.send(strings.Repeat("Received: from a by b; Thu, 01 Jan 2026 00:00:00 +0000\r\n", 31) + "\r\nloop\r\n.\r\n")
	c.expect("554 5.4.14 Hop count exceeded - possible mail loop")
	if n := len(ts.d.deliveries()); n != 0 {
		t.Errorf("%d deliveries", n)
	}
}

// TestSubmissionErrorLimit: MaxProtocolErrors closes the connection.
func TestSubmissionErrorLimit(t *testing.T) {
	t.Parallel()
	ts := startSubmission(t, false, defaultOptions, func(o *SubmissionOptions) { o.MaxErrors = 3 })
	c := ts.greeted(t, false)
	c.do("FOO", "500 5.5.1 Command unrecognized")
	c.do("MAIL FROM:<a@example.org>", "503 5.5.1 Send EHLO first")
	c.do("EXPN x", "502 5.5.1 Command not implemented", "421 4.7.0 Too many errors, closing connection")
	c.expectClosed()
}

// TestSubmissionRequireTLS refuses mail before STARTTLS.
func TestSubmissionRequireTLS(t *testing.T) {
	t.Parallel()
	ts := startSubmission(t, false, defaultOptions, func(o *SubmissionOptions) { o.RequireTLS = true })
	c := ts.greeted(t, false)
	c.ehlo("mx.test")
	c.do("MAIL FROM:<someone@example.org>", "530 5.7.0 Must issue a STARTTLS command first")
	c.do("STARTTLS", "220 2.0.0 SMTP server ready")
	c.startTLS(ts.clientTLS)
	c.ehlo("mx.test")
	c.do("MAIL FROM:<someone@example.org>", "250 2.1.0 Sender OK")
}

// TestSubmissionImplicitTLS: a connector with implicit TLS (RFC 8314)
// takes AUTH at once and submits.
func TestSubmissionImplicitTLS(t *testing.T) {
	t.Parallel()
	ts := startSubmission(t, true, func(o *SubmissionOptions) {
		o.BasicAuth, o.BasicAuthRequireTLS, o.ExchangeUsers = true, true, true
	})
	c := ts.greeted(t, true)
	c.ehlo("mx.test")
	c.login("bob@mx.test")
	c.do("MAIL FROM:<bob@mx.test>", "250 2.1.0 Sender OK")
	c.do("RCPT TO:<alice@mx.test>", "250 2.1.5 Recipient OK")
	c.do("DATA", "354 Start mail input; end with <CRLF>.<CRLF>")
	c.send("From: bob@mx.test\r\n\r\nover 465\r\n.\r\n")
	c.expectMatch(`^250 2\.6\.0 .* Queued mail for delivery$`)
	if got := ts.d.deliveries(); len(got) != 1 || !strings.Contains(got[0].body, "with ESMTPSA id") {
		t.Errorf("deliveries %+v", got)
	}
	// A plain client on the implicit-TLS port gets nothing it can read.
	p := ts.dialPlain(t)
	p.send("EHLO client.test\r\n")
	p.expectClosed()
}

// TestSubmissionConnectionTimeout: ConnectionTimeout ends a busy
// connection; the inactivity time-out an idle one.
func TestSubmissionConnectionTimeout(t *testing.T) {
	t.Parallel()
	ts := startSubmission(t, false, defaultOptions, func(o *SubmissionOptions) {
		o.ConnectionTimeout, o.InactivityTimeout = 900*time.Millisecond, 600*time.Millisecond
	})
	c := ts.greeted(t, false)
	start := time.Now()
	for time.Since(start) < 700*time.Millisecond {
		time.Sleep(200 * time.Millisecond)
		c.do("NOOP", "250 2.0.0 Ok")
	}
	c.expect("421 4.4.2 Timeout, closing connection")
	if d := time.Since(start); d > 1500*time.Millisecond {
		t.Errorf("closed after %v", d)
	}
	c.expectClosed()
}

// TestSubmissionPipelining answers a pipelined transaction in order.
func TestSubmissionPipelining(t *testing.T) {
	t.Parallel()
	ts := startSubmission(t, false, defaultOptions)
	c := ts.greeted(t, false)
	c.send("EHLO client.test\r\nMAIL FROM:<someone@example.org>\r\nRCPT TO:<alice@mx.test>\r\nRCPT TO:<nobody@mx.test>\r\nRCPT TO:<bob@mx.test>\r\nDATA\r\n")
	c.expectMatch(`^250-mx\.test Hello`)
	for range 6 { // SIZE, PIPELINING, ENHANCEDSTATUSCODES, STARTTLS, CHUNKING, SMTPUTF8
		c.expectMatch(`^250-`)
	}
	c.expect("250 8BITMIME", "250 2.1.0 Sender OK", "250 2.1.5 Recipient OK", "550 5.1.1 User unknown", "250 2.1.5 Recipient OK",
		"354 Start mail input; end with <CRLF>.<CRLF>")
	c.send("Subject: one\r\n\r\n.\r\nQUIT\r\n")
	c.expectMatch(`^250 2\.6\.0 `)
	c.expect("221 2.0.0 mx.test closing connection")
	if got := ts.d.deliveries(); len(got) != 1 || strings.Join(got[0].rcpts, ",") != "alice@mx.test,bob@mx.test" {
		t.Errorf("deliveries %+v", got)
	}
}

// TestSubmissionDeliveryFailure: 250 only for a stored message; a store
// failure is answered with its kind.
func TestSubmissionDeliveryFailure(t *testing.T) {
	t.Parallel()
	ts := startSubmission(t, false, defaultOptions, func(o *SubmissionOptions) {})
	ts.d.unknown = map[string]bool{}
	c := ts.greeted(t, false)
	c.ehlo("mx.test")
	c.do("MAIL FROM:<someone@example.org>", "250 2.1.0 Sender OK")
	c.do("RCPT TO:<fail@mx.test>", "250 2.1.5 Recipient OK")
	c.do("DATA", "354 Start mail input; end with <CRLF>.<CRLF>")
	c.send("x\r\n.\r\n")
	c.expect("451 4.3.0 Temporary failure, try again later")
	c.do("NOOP", "250 2.0.0 Ok")
}

// TestSubmissionAuthThrottle: after too many failures for an account from
// one address, its logons from there are refused across connections
// without a credential check.
func TestSubmissionAuthThrottle(t *testing.T) {
	t.Parallel()
	ts := startSubmission(t, false, clientOptions, func(o *SubmissionOptions) {
		o.Engine = login.NewEngine(login.Options{Protocol: "SMTP", Verifier: o.Directory.(*fakeDirectory),
			Throttle: login.NewThrottle(login.ThrottleOptions{PerAccountSource: 2, MaxPenalty: 10 * time.Millisecond})})
	})
	c := ts.tlsReady(t)
	c.do("AUTH PLAIN "+plainIR("alice", "guess1"), "535 5.7.3 Authentication unsuccessful")
	c.do("AUTH PLAIN "+plainIR("alice@mx.test", "guess2"), "535 5.7.3 Authentication unsuccessful")
	checks := ts.dir.verifies.Load()
	c = ts.tlsReady(t)
	c.do("AUTH PLAIN "+plainIR("Alice", "pw"), "454 4.7.0 Too many failed logons, try again later")
	if n := ts.dir.verifies.Load(); n != checks {
		t.Errorf("a throttled logon checked credentials")
	}
	c.login("bob")
}

// TestSubmissionJunkLimit: commands that move no mail are bounded between
// two messages; a delivered message starts the count again.
func TestSubmissionJunkLimit(t *testing.T) {
	t.Parallel()
	ts := startSubmission(t, false, defaultOptions, func(o *SubmissionOptions) { o.MaxErrors = -1 })
	c := ts.greeted(t, false)
	c.ehlo("mx.test")
	c.send(strings.Repeat("NOOP\r\n", maxJunk-2) + "MAIL FROM:<a@example.org>\r\nRCPT TO:<bob@mx.test>\r\nDATA\r\n")
	for range maxJunk - 2 {
		c.expect("250 2.0.0 Ok")
	}
	c.expect("250 2.1.0 Sender OK", "250 2.1.5 Recipient OK", "354 Start mail input; end with <CRLF>.<CRLF>")
	c.send(".\r\n" + strings.Repeat("RSET\r\n", maxJunk) + "FOO\r\n")
	c.expectMatch(`^250 2\.6\.0 `)
	for range maxJunk {
		c.expect("250 2.0.0 Ok")
	}
	c.expect("421 4.7.0 Too many commands, closing connection")
	c.expectClosed()
}

package smtp

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/postern/postern/internal/store"
)

func TestLMTPGreetingAndHello(t *testing.T) {
	t.Parallel()
	ts := startServer(t, nil)
	c := ts.greeted(t)
	c.do("EHLO client.test", "500 5.5.1 This is LMTP, use LHLO")
	c.do("HELO client.test", "500 5.5.1 This is LMTP, use LHLO")
	c.do("LHLO", "501 5.5.4 Syntax: LHLO hostname")
	c.do("LHLO bad host", "501 5.5.4 Syntax: LHLO hostname")
	c.do("lhlo [127.0.0.1]", lhloReply...)
	c.do("LHLO client.test", lhloReply...)
	c.do("NOOP", "250 2.0.0 Ok")
	c.do("NOOP whatever", "250 2.0.0 Ok")
	c.do("VRFY someone", "252 2.0.0 Cannot VRFY user, but will accept message and attempt delivery")
	c.do("VRFY", "501 5.5.4 Syntax: VRFY address")
	c.do("EXPN list", "502 5.5.1 Command not implemented")
	c.do("STARTTLS", "502 5.5.1 Command not implemented")
	c.do("FOO", "500 5.5.1 Command unrecognized")
	c.do("F00", "500 5.5.2 Syntax error")
	c.do("QUIT", "221 2.0.0 mx.test closing connection")
	c.expectClosed()
}

func TestLMTPHappyPath(t *testing.T) {
	t.Parallel()
	ts := startServer(t, nil)
	ts.d.failing["full@mx.test"] = fmt.Errorf("quota: %w", store.ErrOverQuota)
	c := ts.ready(t)
	c.do("MAIL FROM:<sender@example.org> BODY=8BITMIME SIZE=30", "250 2.1.0 Ok")
	c.do("RCPT TO:<a@mx.test>", "250 2.1.5 Ok")
	c.do("RCPT TO:<nobody@mx.test>", "550 5.1.1 User unknown")
	c.do("RCPT TO:<fail@mx.test>", "250 2.1.5 Ok")
	c.do("RCPT TO:<b@mx.test>", "250 2.1.5 Ok")
	c.do("RCPT TO:<full@mx.test>", "250 2.1.5 Ok")
	c.do("DATA", "354 Start mail input; end with <CRLF>.<CRLF>")
	c.send("Subject: hi\r\n\r\nHello\r\n.\r\n")
	c.expect(
		"250 2.0.0 <a@mx.test> Ok",
		"451 4.3.0 <fail@mx.test> Temporary failure, try again later",
		"250 2.0.0 <b@mx.test> Ok",
		"552 5.2.2 <full@mx.test> Mailbox full",
	)
	// The transaction is over: RCPT needs a new MAIL.
	c.do("RCPT TO:<a@mx.test>", "503 5.5.1 Need MAIL command")
	c.do("MAIL FROM:<>", "250 2.1.0 Ok")
	c.do("RCPT TO:<Postmaster>", "250 2.1.5 Ok")
	c.do("DATA", "354 Start mail input; end with <CRLF>.<CRLF>")
	c.send("bounce\r\n.\r\n")
	c.expect("250 2.0.0 <Postmaster> Ok")
	c.do("QUIT", "221 2.0.0 mx.test closing connection")
	c.expectClosed()

	got := ts.d.deliveries()
	if len(got) != 2 {
		t.Fatalf("%d deliveries, want 2", len(got))
	}
	if want := []string{"a@mx.test", "fail@mx.test", "b@mx.test", "full@mx.test"}; !reflect.DeepEqual(got[0].rcpts, want) {
		t.Errorf("rcpts %q, want %q", got[0].rcpts, want)
	}
	if got[0].from != "sender@example.org" || messageBody(t, got[0]) != "Subject: hi\r\n\r\nHello\r\n" {
		t.Errorf("delivery %+v", got[0])
	}
	if got[1].from != "" || messageBody(t, got[1]) != "bounce\r\n" {
		t.Errorf("delivery %+v", got[1])
	}
}

func TestLMTPDuplicateRecipients(t *testing.T) {
	t.Parallel()
	ts := startServer(t, nil)
	c := ts.ready(t)
	c.do("MAIL FROM:<s@example.org>", "250 2.1.0 Ok")
	c.do("RCPT TO:<a@mx.test>", "250 2.1.5 Ok")
	c.do("RCPT TO:<a@MX.TEST>", "250 2.1.5 Ok")
	c.do(`RCPT TO:<"a"@mx.test>`, "250 2.1.5 Ok")
	c.do("DATA", "354 Start mail input; end with <CRLF>.<CRLF>")
	c.send("x\r\n.\r\n")
	c.expect("250 2.0.0 <a@mx.test> Ok", "250 2.0.0 <a@MX.TEST> Ok", "250 2.0.0 <a@mx.test> Ok")
	if got := ts.d.deliveries(); len(got) != 1 || !reflect.DeepEqual(got[0].rcpts, []string{"a@mx.test"}) {
		t.Errorf("deliveries %+v", got)
	}
}

func TestLMTPWrongState(t *testing.T) {
	t.Parallel()
	ts := startServer(t, nil)
	c := ts.greeted(t)
	c.do("MAIL FROM:<s@example.org>", "503 5.5.1 Send LHLO first")
	c.do("DATA", "503 5.5.1 Send LHLO first")
	c.do("RSET", "250 2.0.0 Ok")
	c.do("RSET x", "501 5.5.4 RSET takes no argument")
	c.do("LHLO client.test", lhloReply...)
	c.do("RCPT TO:<a@mx.test>", "503 5.5.1 Need MAIL command")
	c.do("DATA", "503 5.5.1 No valid recipients")
	c.do("MAIL FROM:<s@example.org>", "250 2.1.0 Ok")
	c.do("MAIL FROM:<s@example.org>", "503 5.5.1 Nested MAIL command")
	c.do("DATA", "503 5.5.1 No valid recipients")
	c.do("RCPT TO:<nobody@mx.test>", "550 5.1.1 User unknown")
	c.do("DATA", "503 5.5.1 No valid recipients")
	c.do("RSET", "250 2.0.0 Ok")
	c.do("RCPT TO:<a@mx.test>", "503 5.5.1 Need MAIL command")
	// LHLO in a transaction resets it (RFC 5321 4.1.4).
	c.do("MAIL FROM:<s@example.org>", "250 2.1.0 Ok")
	c.do("RCPT TO:<a@mx.test>", "250 2.1.5 Ok")
	c.do("LHLO client.test", lhloReply...)
	c.do("DATA", "503 5.5.1 No valid recipients")
	c.do("MAIL FROM:<s@example.org>", "250 2.1.0 Ok")
	c.do("RCPT TO:<a@mx.test>", "250 2.1.5 Ok")
	c.do("DATA x", "501 5.5.4 DATA takes no argument")
}

func TestLMTPParameters(t *testing.T) {
	t.Parallel()
	ts := startServer(t, nil)
	c := ts.ready(t)
	c.do("MAIL FROM:<s@example.org> SMTPUTF8", "555 5.5.4 Unsupported parameter")
	c.do("MAIL FROM:<s@example.org> BODY=BINARYMIME", "555 5.5.4 Unsupported parameter")
	c.do("MAIL FROM:<s@example.org> RET=FULL", "555 5.5.4 Unsupported parameter")
	c.do("MAIL FROM:<s@example.org> SIZE=abc", "501 5.5.4 Invalid parameter")
	c.do("MAIL FROM:s@example.org", "501 5.5.2 Syntax: MAIL FROM:<address>")
	c.do("MAIL TO:<s@example.org>", "501 5.5.2 Syntax: MAIL FROM:<address>")
	c.do("MAIL FROM:<s@@example.org>", "501 5.1.7 Bad address syntax")
	c.do("MAIL FROM:<ü@example.org>", "553 5.6.7 Non-ASCII address not permitted")
	c.do("MAIL FROM: <s@example.org> BODY=7BIT", "250 2.1.0 Ok")
	c.do("RCPT TO:<a@mx.test> NOTIFY=NEVER", "555 5.5.4 Unsupported parameter")
	c.do("RCPT TO:<a b@mx.test>", "501 5.1.3 Bad address syntax")
	c.do("RCPT TO:<>", "501 5.1.3 Bad address syntax")
	c.do("RCPT TO:a@mx.test", "501 5.5.2 Syntax: RCPT TO:<address>")
	c.do("RCPT TO:<ä@mx.test>", "553 5.6.7 Non-ASCII address not permitted")
	c.do("RCPT TO:<@relay.example:a@mx.test>", "250 2.1.5 Ok")
}

func TestLMTPPanicClosesOnlyThatConnection(t *testing.T) {
	t.Parallel()
	ts := startServer(t, nil)
	ts.d.panicOn = "boom@mx.test"
	bad := ts.ready(t)
	bad.do("MAIL FROM:<s@example.org>", "250 2.1.0 Ok")
	bad.send("RCPT TO:<boom@mx.test>\r\n")
	bad.expectClosed()
	if ts.panics.Load() != 1 {
		t.Fatalf("panics = %d, want 1", ts.panics.Load())
	}
	ts.panics.Store(0)
	good := ts.ready(t)
	good.do("NOOP", "250 2.0.0 Ok")
}

func TestLMTPDelivererContract(t *testing.T) {
	t.Parallel()
	ts := startServer(t, nil)
	ts.d.badCount = true
	c := ts.ready(t)
	c.do("MAIL FROM:<s@example.org>", "250 2.1.0 Ok")
	c.do("RCPT TO:<a@mx.test>", "250 2.1.5 Ok")
	c.do("RCPT TO:<b@mx.test>", "250 2.1.5 Ok")
	c.do("DATA", "354 Start mail input; end with <CRLF>.<CRLF>")
	c.send("x\r\n.\r\n")
	c.expect("451 4.3.0 <a@mx.test> Temporary failure, try again later",
		"451 4.3.0 <b@mx.test> Temporary failure, try again later")
}

func TestLMTPOptionsValidate(t *testing.T) {
	t.Parallel()
	d := newFakeDeliverer()
	bad := []LMTPOptions{
		{Hostname: "mx.test"},
		{Hostname: "bad host", Deliverer: d},
		{Hostname: "mx.test", Deliverer: d, MaxLineLength: 100},
		{Hostname: "mx.test", Deliverer: d, SpoolDir: "/nonexistent/dir"},
		{Hostname: "mx.test", Deliverer: d, MaxMessageSize: -1},
	}
	for _, o := range bad {
		if _, err := NewLMTPServer(o); err == nil {
			t.Errorf("NewLMTPServer(%+v) accepted", o)
		}
	}
	s, err := NewLMTPServer(LMTPOptions{Hostname: "mx.test", Deliverer: d})
	if err != nil {
		t.Fatal(err)
	}
	if s.opts.MaxMessageSize != DefaultMaxMessageSize || s.opts.MaxRecipients != 200 ||
		s.opts.MaxLineLength != 4096 || s.opts.Timeout != DefaultLMTPTimeout || s.opts.MaxErrors != 20 {
		t.Errorf("defaults not applied: %+v", s.opts)
	}
}

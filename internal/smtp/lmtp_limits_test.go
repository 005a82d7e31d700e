package smtp

import (
	"strings"
	"testing"
	"time"
)

func TestLMTPTooManyRecipients(t *testing.T) {
	t.Parallel()
	ts := startServer(t, func(o *LMTPOptions) { o.MaxRecipients = 2 })
	c := ts.ready(t)
	c.do("MAIL FROM:<s@example.org>", "250 2.1.0 Ok")
	c.do("RCPT TO:<a@mx.test>", "250 2.1.5 Ok")
	c.do("RCPT TO:<b@mx.test>", "250 2.1.5 Ok")
	c.do("RCPT TO:<c@mx.test>", "452 4.5.3 Too many recipients")
	c.do("DATA", "354 Start mail input; end with <CRLF>.<CRLF>")
	c.send("x\r\n.\r\n")
	c.expect("250 2.0.0 <a@mx.test> Ok", "250 2.0.0 <b@mx.test> Ok")
	// The next transaction starts from zero again.
	c.do("MAIL FROM:<s@example.org>", "250 2.1.0 Ok")
	c.do("RCPT TO:<c@mx.test>", "250 2.1.5 Ok")
}

func TestLMTPLongLine(t *testing.T) {
	t.Parallel()
	ts := startServer(t, nil)
	c := ts.ready(t)
	c.do("NOOP "+strings.Repeat("x", 100000), "500 5.5.2 Line too long")
	c.do("NOOP "+strings.Repeat("x", 4091), "250 2.0.0 Ok") // 4096 octets
	c.do("NOOP "+strings.Repeat("x", 4092), "500 5.5.2 Line too long")
	c.do("MAIL FROM:<s@example.org>", "250 2.1.0 Ok")
	// Bare CR is never a line ending; a bare LF is accepted for commands.
	c.do("NO\rOP", "500 5.5.2 Syntax error")
	c.send("NOOP\n")
	c.expect("250 2.0.0 Ok")
	c.do("RCPT TO:<a@mx.test>", "250 2.1.5 Ok")
}

func TestLMTPBadCommandFlood(t *testing.T) {
	t.Parallel()
	ts := startServer(t, nil)
	c := ts.ready(t)
	c.do("NOOP", "250 2.0.0 Ok")
	for range DefaultMaxErrors - 1 {
		c.do("FOO", "500 5.5.1 Command unrecognized")
	}
	c.do("DATA", "503 5.5.1 No valid recipients", "421 4.7.0 Too many errors, closing connection")
	c.expectClosed()
}

func TestLMTPTimeout(t *testing.T) {
	t.Parallel()
	ts := startServer(t, func(o *LMTPOptions) { o.Timeout = 600 * time.Millisecond })
	c := ts.ready(t)
	// Activity refreshes the deadline: each command gets its own.
	for range 3 {
		time.Sleep(250 * time.Millisecond)
		c.do("NOOP", "250 2.0.0 Ok")
	}
	c.expect("421 4.4.2 Timeout, closing connection")
	c.expectClosed()
}

func TestLMTPTimeoutInData(t *testing.T) {
	t.Parallel()
	ts := startServer(t, func(o *LMTPOptions) { o.Timeout = 600 * time.Millisecond })
	c := ts.ready(t)
	startData1(c)
	// A slow but steady body is fine: the deadline is per read.
	for range 4 {
		time.Sleep(250 * time.Millisecond)
		c.send("line\r\n")
	}
	c.expect("421 4.4.2 Timeout, closing connection")
	c.expectClosed()
	if n := len(ts.d.deliveries()); n != 0 {
		t.Errorf("%d deliveries after a broken DATA", n)
	}
}

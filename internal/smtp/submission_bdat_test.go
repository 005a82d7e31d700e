package smtp

import (
	"strings"
	"testing"
)

// TestSubmissionBDAT: chunks make one message; a bare LF refuses it;
// BDAT without recipients is read and refused; DATA after BDAT is out of
// sequence; a malformed BDAT ends the session (its length is unknown).
func TestSubmissionBDAT(t *testing.T) {
	t.Parallel()
	out, got := runSubmission(t, t.TempDir(), []byte(bdatSeed), false)
	want := []string{
		"250 2.0.0 20 octets received", "250 2.6.0 ID Queued mail for delivery",
		"554 5.6.0 Bare CR or LF in message",
		"503 5.5.1 No valid recipients", "250 2.0.0 Ok",
		"250 2.0.0 3 octets received", "503 5.5.1 DATA after BDAT",
		"421 4.5.4 Syntax: BDAT size [LAST]; closing connection",
	}
	rest := out
	for _, w := range want {
		i := strings.Index(rest, w+"\r\n")
		if i < 0 {
			t.Fatalf("output lacks %q (in order):\n%s", w, out)
		}
		rest = rest[i:]
	}
	if !strings.HasSuffix(out, "\r\n421 4.5.4 Syntax: BDAT size [LAST]; closing connection\r\n") {
		t.Errorf("the session went on after the malformed BDAT:\n%s", out)
	}
	if len(got) != 1 || !strings.HasSuffix(got[0].body, "\r\nSubject: chunked\r\n\r\nhello\r\n") || !strings.Contains(got[0].body, "by mx.test with ESMTP ID") {
		t.Fatalf("deliveries %+v", got)
	}
}

// TestSubmissionBDATLimits: a message over the size limit is read to its
// LAST chunk and refused, and the next transaction works; a single chunk
// over the limit ends the session.
func TestSubmissionBDATLimits(t *testing.T) {
	t.Parallel()
	ts := startSubmission(t, false, defaultOptions, func(o *SubmissionOptions) { o.MaxMessageSize = 100 })
	c := ts.greeted(t, false)
	c.ehlo("mx.test")
	c.do("MAIL FROM:<someone@example.org>", "250 2.1.0 Sender OK")
	c.do("RCPT TO:<alice@mx.test>", "250 2.1.5 Recipient OK")
	c.send("BDAT 60\r\n" + strings.Repeat("a", 58) + "\r\n")
	c.expect("250 2.0.0 60 octets received")
	c.send("BDAT 60\r\n" + strings.Repeat("b", 58) + "\r\n")
	c.expect("552 5.3.4 Message size exceeds fixed maximum message size")
	c.send("BDAT 5 LAST\r\nc\r\n\r\n")
	c.expect("552 5.3.4 Message size exceeds fixed maximum message size")
	c.do("MAIL FROM:<someone@example.org>", "250 2.1.0 Sender OK")
	c.do("RCPT TO:<alice@mx.test>", "250 2.1.5 Recipient OK")
	c.send("BDAT 8 LAST\r\nS: x\r\n\r\n")
	c.expectMatch(`^250 2\.6\.0 `)
	c.do("MAIL FROM:<someone@example.org>", "250 2.1.0 Sender OK")
	c.do("RCPT TO:<alice@mx.test>", "250 2.1.5 Recipient OK")
	c.send("BDAT 101\r\n")
	c.expect("552 5.3.4 Message size exceeds fixed maximum message size")
	c.expectClosed()
	if got := ts.d.deliveries(); len(got) != 1 {
		t.Errorf("%d deliveries", len(got))
	}
}

// TestSubmissionSMTPUTF8: with the SMTPUTF8 parameter, non-ASCII
// addresses are taken (and checked like any other); without it they
// are refused; the Received field says UTF8SMTP (RFC 6531 3.7.3).
func TestSubmissionSMTPUTF8(t *testing.T) {
	t.Parallel()
	ts := startSubmission(t, false, defaultOptions)
	c := ts.greeted(t, false)
	c.ehlo("mx.test")
	c.do("MAIL FROM:<jürgen@example.org>", "553 5.6.7 Non-ASCII address not permitted")
	c.do("MAIL FROM:<someone@example.org>", "250 2.1.0 Sender OK")
	c.do("RCPT TO:<zoë@mx.test>", "553 5.6.7 Non-ASCII address not permitted")
	c.do("RSET", "250 2.0.0 Ok")
	c.do("MAIL FROM:<jürgen@example.org> SMTPUTF8", "250 2.1.0 Sender OK")
	c.do("RCPT TO:<zoë@mx.test>", "250 2.1.5 Recipient OK")
	c.do("DATA", "354 Start mail input; end with <CRLF>.<CRLF>")
	c.send("Subject: Grüße\r\n\r\nhi\r\n.\r\n")
	c.expectMatch(`^250 2\.6\.0 `)
	got := ts.d.deliveries()
	if len(got) != 1 || got[0].from != "jürgen@example.org" || strings.Join(got[0].rcpts, ",") != "zoë@mx.test" ||
		!strings.Contains(got[0].body, "with UTF8SMTP id") {
		t.Fatalf("deliveries %+v", got)
	}
}

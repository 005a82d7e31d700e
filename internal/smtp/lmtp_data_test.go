package smtp

import (
	"os"
	"strings"
	"testing"
	"time"
)

// startData opens a transaction for a@mx.test and b@mx.test and gets the
// 354.
func startData(c *tconn) {
	c.t.Helper()
	c.do("MAIL FROM:<s@example.org>", "250 2.1.0 Ok")
	c.do("RCPT TO:<a@mx.test>", "250 2.1.5 Ok")
	c.do("RCPT TO:<b@mx.test>", "250 2.1.5 Ok")
	c.do("DATA", "354 Start mail input; end with <CRLF>.<CRLF>")
}

// TestLMTPSmuggling sends bodies with would-be terminators that use bare
// CR or LF, followed by a smuggled transaction. None of them may end the
// body; the message is rejected at the real terminator, the smuggled
// commands are never run, and the session stays in sync.
func TestLMTPSmuggling(t *testing.T) {
	t.Parallel()
	smuggled := "MAIL FROM:<evil@example.org>\r\nRCPT TO:<a@mx.test>\r\nDATA\r\nforged\r\n"
	for name, fake := range map[string]string{
		`\n.\n`:     "\n.\n",
		`\r.\r`:     "\r.\r",
		`\r\n.\n`:   "\r\n.\n",
		`\n.\r\n`:   "\n.\r\n",
		`\r.\r\n`:   "\r.\r\n",
		`\r\n.\r`:   "\r\n.\r",
		`\r\n\x00.`: "\r\n\x00.\r\n", // not a terminator either, but no bare ending: accepted below
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ts := startServer(t, nil)
			c := ts.ready(t)
			startData(c)
			c.send("Subject: x\r\n\r\nhello" + fake + smuggled + ".\r\n")
			if name == `\r\n\x00.` {
				c.expect("250 2.0.0 <a@mx.test> Ok", "250 2.0.0 <b@mx.test> Ok")
				if got := messageBody(t, ts.d.deliveries()[0]); got != "Subject: x\r\n\r\nhello\r\n\x00.\r\n"+smuggled {
					t.Errorf("body %q", got)
				}
				return
			}
			c.expect("554 5.6.0 <a@mx.test> Bare CR or LF in message", "554 5.6.0 <b@mx.test> Bare CR or LF in message")
			c.do("RCPT TO:<a@mx.test>", "503 5.5.1 Need MAIL command")
			c.do("NOOP", "250 2.0.0 Ok")
			if n := len(ts.d.deliveries()); n != 0 {
				t.Errorf("%d deliveries, want 0", n)
			}
		})
	}
}

// TestLMTPEmptyBody: ".\r\n" right after DATA ends the body at once
// (the CRLF of the DATA line is the first CRLF of the terminator), and
// what follows is commands again.
func TestLMTPEmptyBody(t *testing.T) {
	t.Parallel()
	ts := startServer(t, nil)
	c := ts.ready(t)
	startData(c)
	c.send(".\r\nNOOP\r\n")
	c.expect("250 2.0.0 <a@mx.test> Ok", "250 2.0.0 <b@mx.test> Ok", "250 2.0.0 Ok")
	if got := messageBody(t, ts.d.deliveries()[0]); got != "" {
		t.Errorf("body %q, want empty", got)
	}
}

func TestLMTPDotUnstuffing(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("y", 5000)
	wire := "..\r\n...\r\n..leading\r\n.x\r\n. \r\na.b.\r\n" + long + "\r\n\r\n.." + long + "\r\n.\r\n"
	want := ".\r\n..\r\n.leading\r\nx\r\n \r\na.b.\r\n" + long + "\r\n\r\n." + long + "\r\n"
	ts := startServer(t, nil)
	c := ts.ready(t)
	startData(c)
	c.send(wire)
	c.expect("250 2.0.0 <a@mx.test> Ok", "250 2.0.0 <b@mx.test> Ok")
	if got := messageBody(t, ts.d.deliveries()[0]); got != want {
		t.Errorf("body %q\nwant %q", got, want)
	}
}

func TestLMTPTooBig(t *testing.T) {
	t.Parallel()
	ts := startServer(t, func(o *LMTPOptions) { o.MaxMessageSize = 100 })
	c := ts.greeted(t)
	c.do("LHLO client.test", "250-mx.test", "250-PIPELINING", "250-ENHANCEDSTATUSCODES", "250-8BITMIME", "250 SIZE 100")
	c.do("MAIL FROM:<s@example.org> SIZE=101", "552 5.3.4 Message size exceeds fixed maximum message size")
	c.do("MAIL FROM:<s@example.org> SIZE=99999999999999999999", "552 5.3.4 Message size exceeds fixed maximum message size")
	c.do("MAIL FROM:<s@example.org> SIZE=100", "250 2.1.0 Ok")
	c.do("RCPT TO:<a@mx.test>", "250 2.1.5 Ok")
	c.do("DATA", "354 Start mail input; end with <CRLF>.<CRLF>")
	c.send(strings.Repeat("0123456789\r\n", 100) + ".\r\n")
	c.expect("552 5.3.4 <a@mx.test> Message too big")
	c.do("NOOP", "250 2.0.0 Ok")
	// Exactly the limit is fine.
	startData1(c)
	c.send(strings.Repeat("01234567\r\n", 10) + ".\r\n")
	c.expect("250 2.0.0 <a@mx.test> Ok")
	if n := len(ts.d.deliveries()); n != 1 {
		t.Errorf("%d deliveries, want 1", n)
	}
}

func startData1(c *tconn) {
	c.t.Helper()
	c.do("MAIL FROM:<s@example.org>", "250 2.1.0 Ok")
	c.do("RCPT TO:<a@mx.test>", "250 2.1.5 Ok")
	c.do("DATA", "354 Start mail input; end with <CRLF>.<CRLF>")
}

// TestLMTPSpoolFile sends a body past the memory threshold: it goes
// through a temporary file that no one can see in SpoolDir.
func TestLMTPSpoolFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ts := startServer(t, func(o *LMTPOptions) { o.SpoolDir = dir; o.SpoolThreshold = 1024 })
	ts.d.onDeliver = func() {
		if ents, _ := os.ReadDir(dir); len(ents) != 0 {
			t.Errorf("spool file visible during delivery: %v", ents)
		}
	}
	var body strings.Builder
	for i := range 20000 {
		body.WriteString(strings.Repeat(string(rune('a'+i%26)), i%90) + "\r\n")
	}
	c := ts.ready(t)
	startData1(c)
	c.send(body.String() + ".\r\n")
	c.expect("250 2.0.0 <a@mx.test> Ok")
	if got := messageBody(t, ts.d.deliveries()[0]); got != body.String() {
		t.Errorf("body differs (%d octets, want %d)", len(got), body.Len())
	}
}

// TestLMTPPipelining sends whole transactions in one write.
func TestLMTPPipelining(t *testing.T) {
	t.Parallel()
	ts := startServer(t, nil)
	c := ts.greeted(t)
	c.send("LHLO client.test\r\nMAIL FROM:<s@example.org>\r\nRCPT TO:<a@mx.test>\r\n" +
		"RCPT TO:<nobody@mx.test>\r\nRCPT TO:<fail@mx.test>\r\nDATA\r\n")
	c.expect(lhloReply...)
	c.expect("250 2.1.0 Ok", "250 2.1.5 Ok", "550 5.1.1 User unknown", "250 2.1.5 Ok",
		"354 Start mail input; end with <CRLF>.<CRLF>")
	// A client that does not wait for 354 still gets the right answers.
	c.send("one\r\n.\r\nMAIL FROM:<s@example.org>\r\nRCPT TO:<b@mx.test>\r\nDATA\r\ntwo\r\n.\r\nQUIT\r\n")
	c.expect("250 2.0.0 <a@mx.test> Ok", "451 4.3.0 <fail@mx.test> Temporary failure, try again later",
		"250 2.1.0 Ok", "250 2.1.5 Ok", "354 Start mail input; end with <CRLF>.<CRLF>",
		"250 2.0.0 <b@mx.test> Ok", "221 2.0.0 mx.test closing connection")
	c.expectClosed()
	got := ts.d.deliveries()
	if len(got) != 2 || messageBody(t, got[0]) != "one\r\n" || messageBody(t, got[1]) != "two\r\n" {
		t.Errorf("deliveries %+v", got)
	}
}

// TestLMTPPipelineFlush checks that a pipelined group is answered in one
// write: replies are flushed only when the session is about to block.
func TestLMTPPipelineFlush(t *testing.T) {
	t.Parallel()
	in := "LHLO client.test\r\nMAIL FROM:<s@example.org>\r\nRCPT TO:<a@mx.test>\r\nRCPT TO:<b@mx.test>\r\n" +
		"DATA\r\nbody\r\n.\r\nNOOP\r\nRSET\r\n"
	fc := &fakeConn{in: strings.NewReader(in)}
	srv := newPlainServer(t, newFakeDeliverer(), t.TempDir())
	srv.ServeConn(t.Context(), fc)
	// One write for the greeting (flushed before the first read), one
	// for all the rest (flushed before the read that finds EOF).
	if fc.writes != 2 {
		t.Errorf("%d writes, want 2; output:\n%s", fc.writes, fc.out.String())
	}
	if n := strings.Count(fc.out.String(), "\r\n"); n != 1+5+4+2+1+1 {
		t.Errorf("%d reply lines:\n%s", n, fc.out.String())
	}
}

// TestLMTPShutdownIdle: cancelling the server context makes an idle
// session say 421 at once.
func TestLMTPShutdownIdle(t *testing.T) {
	t.Parallel()
	ts := startServer(t, nil)
	c := ts.ready(t)
	c.do("NOOP", "250 2.0.0 Ok")
	ts.cancel()
	c.expect("421 4.3.2 Service shutting down")
	c.expectClosed()
}

// TestLMTPShutdownDuringData: a body in transfer is finished and
// delivered; the 421 comes at the next command boundary.
func TestLMTPShutdownDuringData(t *testing.T) {
	t.Parallel()
	ts := startServer(t, nil)
	c := ts.ready(t)
	startData1(c)
	c.send("first half\r\n")
	time.Sleep(50 * time.Millisecond)
	ts.cancel()
	time.Sleep(50 * time.Millisecond)
	c.send("second half\r\n.\r\n")
	c.expect("250 2.0.0 <a@mx.test> Ok", "421 4.3.2 Service shutting down")
	c.expectClosed()
	if got := messageBody(t, ts.d.deliveries()[0]); got != "first half\r\nsecond half\r\n" {
		t.Errorf("body %q", got)
	}
}

// TestLMTPNewConnectionAfterShutdown: a session started with a
// cancelled context says 421 right after the greeting.
func TestLMTPNewConnectionAfterShutdown(t *testing.T) {
	t.Parallel()
	ts := startServer(t, nil)
	ts.cancel()
	c := ts.greeted(t)
	c.expect("421 4.3.2 Service shutting down")
	c.expectClosed()
}

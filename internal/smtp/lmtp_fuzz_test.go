package smtp

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"testing/iotest"
)

// sessionSeeds are whole client inputs, used as fuzz seeds and by the
// byte-at-a-time test.
var sessionSeeds = []string{
	"LHLO c\r\nMAIL FROM:<s@x.org>\r\nRCPT TO:<a@mx.test>\r\nRCPT TO:<fail@mx.test>\r\nDATA\r\nhi\r\n..dot\r\n.\r\nQUIT\r\n",
	"LHLO c\r\nMAIL FROM:<> SIZE=10\r\nRCPT TO:<nobody@mx.test>\r\nRCPT TO:<Postmaster>\r\nDATA\r\n.\r\nRSET\r\nNOOP\r\n",
	"LHLO c\r\nMAIL FROM:<s@x.org>\r\nRCPT TO:<a@mx.test>\r\nDATA\r\nx\n.\nMAIL FROM:<e@x>\r\n.\r\nNOOP\r\n",
	"LHLO c\r\nMAIL FROM:<s@x.org>\r\nRCPT TO:<a@mx.test>\r\nDATA\r\nx\r.\rMAIL\r\n\r\n.\r\nVRFY x\r\n",
	"EHLO c\r\nDATA\r\nLHLO c\nMAIL FROM:<s@x.org> BODY=8BITMIME\nRCPT TO:<\"a b\"@mx.test>\nDATA\n" + strings.Repeat("y", 3000) + "\r\n.\r\n",
	"NOOP " + strings.Repeat("z", 5000) + "\r\nLHLO [127.0.0.1]\r\nMAIL FROM:<s@x.org> SIZE=99999999999\r\nQUIT\r\n",
	"LHLO c\r\nMAIL FROM:<s@x.org>\r\nRCPT TO:<a@mx.test>\r\nDATA\r\n" + strings.Repeat("0123456789\r\n", 20) + ".\r\n",
}

var msgID = regexp.MustCompile(`id [A-Z2-7]{13};`)

// runSession runs one session over in and returns the server's output,
// the deliveries (message ids blanked) and the number of panics.
func runSession(t testing.TB, dir string, in []byte, oneByte bool) (string, []delivery, int) {
	d := newFakeDeliverer()
	srv := newPlainServer(t, d, dir)
	panics := 0
	srv.onPanic = func(any) { panics++ }
	r := bytes.NewReader(in)
	fc := &fakeConn{in: r}
	if oneByte {
		fc.in = iotest.OneByteReader(r)
	}
	srv.ServeConn(t.Context(), fc)
	got := d.deliveries()
	for i := range got {
		got[i].body = msgID.ReplaceAllString(got[i].body, "id X;")
	}
	return fc.out.String(), got, panics
}

func checkSession(t testing.TB, dir string, in []byte) {
	out, got, panics := runSession(t, dir, in, false)
	if panics > 0 {
		t.Fatalf("session panicked on %q", in)
	}
	out1, got1, _ := runSession(t, dir, in, true)
	if out != out1 {
		t.Fatalf("output differs when fed one byte at a time:\n%q\n%q", out, out1)
	}
	if len(got) != len(got1) {
		t.Fatalf("%d deliveries, one byte at a time %d", len(got), len(got1))
	}
	for i := range got {
		if got[i].from != got1[i].from || got[i].body != got1[i].body || strings.Join(got[i].rcpts, ",") != strings.Join(got1[i].rcpts, ",") {
			t.Fatalf("delivery %d differs:\n%+v\n%+v", i, got[i], got1[i])
		}
	}
	if !strings.HasPrefix(out, "220 mx.test LMTP service ready\r\n") || !strings.HasSuffix(out, "\r\n") {
		t.Fatalf("output %q", out)
	}
	for line := range strings.SplitSeq(strings.TrimSuffix(out, "\r\n"), "\r\n") {
		if len(line) < 4 || line[0] < '2' || line[0] > '5' || (line[3] != ' ' && line[3] != '-') || strings.ContainsAny(line, "\r\n") {
			t.Fatalf("malformed reply line %q", line)
		}
	}
}

// TestLMTPSessionOneByte feeds whole sessions one byte per read; the
// replies and deliveries must be the same as with whole-buffer reads.
func TestLMTPSessionOneByte(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, s := range sessionSeeds {
		checkSession(t, dir, []byte(s))
	}
	out, got, _ := runSession(t, dir, []byte(sessionSeeds[0]), true)
	want := "220 mx.test LMTP service ready\r\n250-mx.test\r\n250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n" +
		"250 SIZE 37748736\r\n250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n354 Start mail input; end with <CRLF>.<CRLF>\r\n" +
		"250 2.0.0 <a@mx.test> Ok\r\n451 4.3.0 <fail@mx.test> Temporary failure, try again later\r\n221 2.0.0 mx.test closing connection\r\n"
	if out != want {
		t.Errorf("output\n%s\nwant\n%s", out, want)
	}
	wantBody := "Return-Path: <s@x.org>\r\nReceived: from c ([IPv6:2001:db8::7])\r\n\tby mx.test with LMTP id X;\r\n\t" +
		"Fri, 02 Jan 2026 03:04:05 +0000\r\nhi\r\n.dot\r\n"
	if len(got) != 1 || got[0].body != wantBody {
		t.Errorf("deliveries %+v", got)
	}
}

// FuzzLMTPSession runs the whole command loop on arbitrary input.
func FuzzLMTPSession(f *testing.F) {
	for _, s := range sessionSeeds {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, in []byte) {
		checkSession(t, dir, in)
	})
}

package smtp

import (
	"bytes"
	"errors"
	"net"
	"regexp"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/postern/postern/internal/login"
)

// plainUpgrader is a clear connection that cannot start TLS, for running
// whole SMTP sessions over a fakeConn.
type plainUpgrader struct{ c net.Conn }

func (u plainUpgrader) NetConn() net.Conn { return u.c }
func (u plainUpgrader) IsTLS() bool       { return false }
func (u plainUpgrader) CanStartTLS() bool { return false }
func (u plainUpgrader) StartTLS() error   { return errors.New("no TLS here") }

// submissionSeeds are whole client inputs for the fuzz target and the
// byte-at-a-time test.
var submissionSeeds = []string{
	"EHLO c\r\nAUTH PLAIN " + plainIR("alice", "pw") + "\r\nMAIL FROM:<alice@mx.test>\r\nRCPT TO:<bob@mx.test>\r\nRCPT TO:<x@example.org>\r\nDATA\r\nFrom: alice@mx.test\r\n\r\nhi\r\n..dot\r\n.\r\nQUIT\r\n",
	"EHLO c\r\nAUTH LOGIN\r\n" + b64("bob") + "\r\n" + b64("pw") + "\r\nMAIL FROM:<bob@mx.test>\r\nRCPT TO:<alice@mx.test>\r\nDATA\r\nSubject: no from\r\n\r\n.\r\n",
	"EHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<alice@mx.test>\r\nRCPT TO:<nobody@mx.test>\r\nDATA\r\nx\n.\nMAIL FROM:<e@x>\r\n.\r\nNOOP\r\n",
	"HELO c\r\nMAIL FROM:<>\r\nRCPT TO:<Postmaster>\r\nRCPT TO:<fail@mx.test>\r\nDATA\r\nReceived: x\r\n\r\n.\r\nRSET\r\nVRFY x\r\n",
	"EHLO c\r\nAUTH PLAIN\r\n*\r\nAUTH PLAIN =\r\nAUTH LOGIN " + b64("alice") + "\r\n!!\r\nAUTH PLAIN " + b64("\x00administrator\x00pw") + "\r\nSTARTTLS\r\n",
	"DATA\r\nEHLO [127.0.0.1]\r\nMAIL FROM:<a@mx.test>\r\nMAIL FROM:<a@b.org> SIZE=99999999999\r\nBDAT 1\r\nQUIT\r\n",
	"EHLO c\r\nAUTH PLAIN " + plainIR("alice", "pw") + "\r\nMAIL FROM:<alice@mx.test>\r\nRCPT TO:<bob@mx.test>\r\nDATA\r\nFrom: bob@mx.test\r\nX: " + strings.Repeat("y", 3000) + "\r\n\r\nbody\r\n.\r\n",
}

// bdatSeed is a chunked transaction (RFC 3030), then one with a bare LF,
// then BDAT out of place, then a malformed BDAT that ends the session.
const bdatSeed = "EHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<alice@mx.test>\r\nBDAT 20\r\nSubject: chunked\r\n\r\nBDAT 7 LAST\r\nhello\r\n" +
	"MAIL FROM:<a@example.org>\r\nRCPT TO:<alice@mx.test>\r\nBDAT 4 last\r\nx\ny\nRSET\r\nBDAT 3\r\nabcNOOP\r\n" +
	"MAIL FROM:<a@example.org>\r\nRCPT TO:<alice@mx.test>\r\nBDAT 3\r\nz\r\nDATA\r\nBDAT x\r\nNOOP\r\n"

func init() { submissionSeeds = append(submissionSeeds, bdatSeed) }

var submissionIDs = regexp.MustCompile(`id [A-Z2-7]{13};|<[A-Z2-7]{16}@mx\.test>`)

// runSubmission runs one SMTP session over in, on a connector that takes
// anonymous mail and Basic authentication in clear, and returns the
// server's output and deliveries with the random ids blanked.
func runSubmission(t testing.TB, dir string, in []byte, oneByte bool) (string, []delivery) {
	d := newFakeDeliverer()
	fd := &fakeDirectory{}
	srv, err := NewSubmissionServer(SubmissionOptions{
		Hostname: "mx.test", Deliverer: d, Directory: fd, SpoolDir: dir, SpoolThreshold: 64,
		BasicAuth: true, AnonymousUsers: true, ExchangeUsers: true, MaxErrors: -1,
		// Failures are paced by nothing here: many in one input must
		// not make the run slow.
		Engine: login.NewEngine(login.Options{Verifier: fd, Logger: nil,
			Throttle: login.NewThrottle(login.ThrottleOptions{MaxPenalty: time.Nanosecond, PerMinute: 1 << 20, PerAccountSource: 1 << 20})}),
	})
	if err != nil {
		t.Fatal(err)
	}
	srv.now = func() time.Time { return testNow }
	r := bytes.NewReader(in)
	fc := &fakeConn{in: r}
	if oneByte {
		fc.in = iotest.OneByteReader(r)
	}
	srv.serve(t.Context(), plainUpgrader{fc})
	got := d.deliveries()
	for i := range got {
		got[i].body = submissionIDs.ReplaceAllString(got[i].body, "ID")
	}
	return submissionIDs.ReplaceAllString(fc.out.String(), "ID"), got
}

func checkSubmission(t testing.TB, dir string, in []byte) string {
	out, got := runSubmission(t, dir, in, false)
	out1, got1 := runSubmission(t, dir, in, true)
	if out != out1 {
		t.Fatalf("output differs when fed one byte at a time:\n%q\n%q", out, out1)
	}
	if len(got) != len(got1) {
		t.Fatalf("%d deliveries, one byte at a time %d", len(got), len(got1))
	}
	for i := range got {
		if got[i].body != got1[i].body || got[i].from != got1[i].from {
			t.Fatalf("delivery %d differs:\n%+v\n%+v", i, got[i], got1[i])
		}
	}
	if !strings.HasPrefix(out, "220 mx.test Postern ESMTP MAIL service ready at ") || !strings.HasSuffix(out, "\r\n") {
		t.Fatalf("output %q", out)
	}
	for line := range strings.SplitSeq(strings.TrimSuffix(out, "\r\n"), "\r\n") {
		if len(line) < 4 || line[0] < '2' || line[0] > '5' || (line[3] != ' ' && line[3] != '-') || strings.ContainsAny(line, "\r\n") {
			t.Fatalf("malformed reply line %q", line)
		}
	}
	return out
}

// TestSubmissionSessionOneByte feeds whole sessions one byte per read.
func TestSubmissionSessionOneByte(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, s := range submissionSeeds {
		checkSubmission(t, dir, []byte(s))
	}
	out := checkSubmission(t, dir, []byte(submissionSeeds[0]))
	for _, want := range []string{"235 2.7.0 Authentication successful", "550 5.7.54 SMTP; Delivery to remote domains is not available yet",
		"250 2.6.0 ID Queued mail for delivery", "221 2.0.0 mx.test closing connection"} {
		if !strings.Contains(out, want+"\r\n") {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// FuzzSubmissionSession runs the whole SMTP command loop, AUTH and DATA
// included, on arbitrary input.
func FuzzSubmissionSession(f *testing.F) {
	for _, s := range submissionSeeds {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, in []byte) { checkSubmission(t, dir, in) })
}

// TestScanHeader checks the header scanner on shapes that matter to the
// sender check, whole and one byte at a time.
func TestScanHeader(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in       string
		from     []string
		date, id bool
		received int
	}{
		{"From: a@x\r\nDate: d\r\n\r\nFrom: body@x\r\n", []string{"a@x"}, true, false, 0},
		{"Junk line\r\nFrom:\r\n a@x,\r\n\tb@x\r\nMessage-ID: <i>\r\n\r\n", []string{"a@x,\tb@x"}, false, true, 0},
		{"FROM : a@x\r\nfrom: b@x\r\nReceived: 1\r\nReceived: 2\r\n", []string{"a@x", "b@x"}, false, false, 2},
		{"Subject: no end", nil, false, false, 0},
		{"\r\nFrom: body@x\r\n", nil, false, false, 0},
		{" continuation first\r\nFrom: a@x\r\n\r\n", []string{"a@x"}, false, false, 0},
		{"From: " + strings.Repeat("a", 10000) + "@x\r\n\r\n", []string{strings.Repeat("a", 10000) + "@x"}, false, false, 0},
	} {
		for _, oneByte := range []bool{false, true} {
			var r = strings.NewReader(c.in)
			h, err := scanHeader(r, maxHeaderSize)
			if oneByte {
				h, err = scanHeader(iotest.OneByteReader(strings.NewReader(c.in)), maxHeaderSize)
			}
			if err != nil || strings.Join(h.from, "|") != strings.Join(c.from, "|") || h.hasDate != c.date || h.hasMsgID != c.id || h.received != c.received {
				t.Errorf("scanHeader(%.40q) = %+v, %v", c.in, h, err)
			}
		}
	}
	if _, err := scanHeader(strings.NewReader(strings.Repeat("X: y\r\n", 100)), 500); !errors.Is(err, errHeaderTooBig) {
		t.Errorf("over-long header: %v", err)
	}
}

// FuzzScanHeader: the scanner never fails on readable input, never keeps
// more than its limit, and reads the same one byte at a time.
func FuzzScanHeader(f *testing.F) {
	for _, s := range []string{"From: a@x\r\n\r\n", "a\r\n b\r\nFrom:x\r\n", "From", "\r\n", "From: a\r\n\tb"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		h1, err1 := scanHeader(bytes.NewReader(in), 4096)
		h2, err2 := scanHeader(iotest.OneByteReader(bytes.NewReader(in)), 4096)
		if (err1 == nil) != (err2 == nil) || strings.Join(h1.from, "\x00") != strings.Join(h2.from, "\x00") || h1.received != h2.received {
			t.Fatalf("whole %+v %v, one byte %+v %v", h1, err1, h2, err2)
		}
		if err1 != nil && !errors.Is(err1, errHeaderTooBig) {
			t.Fatal(err1)
		}
		fromAddresses(h1.from) // must not panic
	})
}

package smtp

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testNow is the server clock in tests.
var testNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// fakeDeliverer is an in-memory Deliverer.
type fakeDeliverer struct {
	mu        sync.Mutex
	unknown   map[string]bool  // Recipient refuses these
	failing   map[string]error // Deliver fails these
	panicOn   string           // Recipient panics for this address
	badCount  bool             // Deliver returns one result too few
	onDeliver func()           // runs inside Deliver
	got       []delivery
}

type delivery struct {
	from  string
	rcpts []string
	body  string
}

func newFakeDeliverer() *fakeDeliverer {
	return &fakeDeliverer{
		unknown: map[string]bool{"nobody@mx.test": true},
		failing: map[string]error{"fail@mx.test": errors.New("disk on fire")},
	}
}

func (f *fakeDeliverer) Recipient(ctx context.Context, addr string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if addr == f.panicOn {
		panic("test panic")
	}
	if f.unknown[addr] {
		return ErrUnknownRecipient
	}
	return nil
}

func (f *fakeDeliverer) Deliver(ctx context.Context, from string, rcpts []string, body io.Reader, size int64) []error {
	b, err := io.ReadAll(body)
	if err != nil || int64(len(b)) != size {
		panic("body does not match size")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.onDeliver != nil {
		f.onDeliver()
	}
	errs := make([]error, len(rcpts))
	for i, r := range rcpts {
		errs[i] = f.failing[r]
	}
	f.got = append(f.got, delivery{from, append([]string(nil), rcpts...), string(b)})
	if f.badCount {
		errs = errs[1:]
	}
	return errs
}

func (f *fakeDeliverer) deliveries() []delivery {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]delivery(nil), f.got...)
}

// testServer is an LMTP server on a loopback listener.
type testServer struct {
	addr   string
	srv    *LMTPServer
	d      *fakeDeliverer
	cancel context.CancelFunc
	panics atomic.Int32
}

// startServer runs a server with test options, changed by mod if given.
// The test fails if a session panics, unless it expects so.
func startServer(t *testing.T, mod func(*LMTPOptions)) *testServer {
	t.Helper()
	ts := &testServer{d: newFakeDeliverer()}
	o := LMTPOptions{
		Hostname:  "mx.test",
		Deliverer: ts.d,
		SpoolDir:  t.TempDir(),
		Logger:    slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if mod != nil {
		mod(&o)
	}
	srv, err := NewLMTPServer(o)
	if err != nil {
		t.Fatal(err)
	}
	srv.now = func() time.Time { return testNow }
	srv.onPanic = func(any) { ts.panics.Add(1) }
	ts.srv = srv
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts.addr = l.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	ts.cancel = cancel
	var sessions sync.WaitGroup
	acceptDone := make(chan struct{})
	go func() {
		defer close(acceptDone)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			sessions.Go(func() { srv.ServeConn(ctx, c) })
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-acceptDone
		cancel()
		sessions.Wait()
		ts.expectNoPanics(t)
	})
	return ts
}

// expectNoPanics fails the test if a session panicked.
func (ts *testServer) expectNoPanics(t *testing.T) {
	t.Helper()
	if n := ts.panics.Load(); n > 0 {
		t.Errorf("%d session(s) panicked", n)
	}
}

// tconn is the client side of a transcript test.
type tconn struct {
	t *testing.T
	c net.Conn
	r *bufio.Reader
}

// dial connects without reading anything.
func (ts *testServer) dial(t *testing.T) *tconn {
	t.Helper()
	c, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.Close()
		ts.expectNoPanics(t)
	})
	return &tconn{t: t, c: c, r: bufio.NewReader(c)}
}

// greeted connects and reads the greeting.
func (ts *testServer) greeted(t *testing.T) *tconn {
	t.Helper()
	tc := ts.dial(t)
	tc.expect("220 mx.test LMTP service ready")
	return tc
}

// ready connects and introduces itself with LHLO.
func (ts *testServer) ready(t *testing.T) *tconn {
	t.Helper()
	tc := ts.greeted(t)
	tc.do("LHLO client.test", lhloReply...)
	return tc
}

var lhloReply = []string{
	"250-mx.test", "250-PIPELINING", "250-ENHANCEDSTATUSCODES", "250-8BITMIME", "250 SIZE 37748736",
}

// send writes raw bytes.
func (tc *tconn) send(s string) {
	tc.t.Helper()
	if _, err := io.WriteString(tc.c, s); err != nil {
		tc.t.Fatalf("send: %v", err)
	}
}

// expect reads one line per want (without CRLF) and compares.
func (tc *tconn) expect(want ...string) {
	tc.t.Helper()
	tc.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for _, w := range want {
		line, err := tc.r.ReadString('\n')
		if err != nil {
			tc.t.Fatalf("reading for %q: got %q, %v", w, line, err)
		}
		if !strings.HasSuffix(line, "\r\n") {
			tc.t.Fatalf("reply line not CRLF-terminated: %q", line)
		}
		if got := strings.TrimSuffix(line, "\r\n"); got != w {
			tc.t.Fatalf("got  %q\nwant %q", got, w)
		}
	}
}

// do sends one command line and expects the reply lines.
func (tc *tconn) do(cmd string, want ...string) {
	tc.t.Helper()
	tc.send(cmd + "\r\n")
	tc.expect(want...)
}

// expectClosed checks that the server closed the connection.
func (tc *tconn) expectClosed() {
	tc.t.Helper()
	tc.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if b, err := tc.r.ReadByte(); err == nil {
		rest, _ := tc.r.ReadString('\n')
		tc.t.Fatalf("expected close, got %q", string(b)+rest)
	}
}

// traceRE matches the header fields the server adds, for a client at
// 127.0.0.1 that said LHLO client.test.
func traceRE(from string) *regexp.Regexp {
	return regexp.MustCompile(`^Return-Path: <` + regexp.QuoteMeta(from) + `>\r\n` +
		`Received: from client\.test \(\[127\.0\.0\.1\]\)\r\n` +
		`\tby mx\.test with LMTP id [A-Z2-7]{13};\r\n` +
		`\tFri, 02 Jan 2026 03:04:05 \+0000\r\n`)
}

// messageBody checks d's trace fields and returns what follows them.
func messageBody(t *testing.T, d delivery) string {
	t.Helper()
	loc := traceRE(d.from).FindStringIndex(d.body)
	if loc == nil {
		t.Fatalf("trace fields missing or wrong:\n%s", d.body)
	}
	return d.body[loc[1]:]
}

// fakeConn is a net.Conn over a fixed input, recording output and
// counting writes; for fuzzing the whole session and byte-at-a-time runs.
type fakeConn struct {
	in     io.Reader
	out    bytes.Buffer
	writes int
}

func (c *fakeConn) Read(p []byte) (int, error)  { return c.in.Read(p) }
func (c *fakeConn) Write(p []byte) (int, error) { c.writes++; return c.out.Write(p) }
func (c *fakeConn) Close() error                { return nil }
func (c *fakeConn) LocalAddr() net.Addr         { return &net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 24} }
func (c *fakeConn) RemoteAddr() net.Addr {
	return &net.TCPAddr{IP: net.ParseIP("2001:db8::7"), Port: 40000}
}
func (c *fakeConn) SetDeadline(time.Time) error      { return nil }
func (c *fakeConn) SetReadDeadline(time.Time) error  { return nil }
func (c *fakeConn) SetWriteDeadline(time.Time) error { return nil }

// newPlainServer returns a server with a fake Deliverer and no listener;
// bodies over 64 octets go to spool files in dir.
func newPlainServer(t testing.TB, d Deliverer, dir string) *LMTPServer {
	t.Helper()
	srv, err := NewLMTPServer(LMTPOptions{Hostname: "mx.test", Deliverer: d, SpoolDir: dir, SpoolThreshold: 64})
	if err != nil {
		t.Fatal(err)
	}
	srv.now = func() time.Time { return testNow }
	return srv
}

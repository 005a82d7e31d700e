package testkit

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// Client is a transcript client for line protocols: send a line, expect a
// reply. Every wait is bounded so a broken server fails the test instead
// of hanging it.
type Client struct {
	t    testing.TB
	conn net.Conn
	r    *bufio.Reader
}

// Dial connects to addr, in TLS from the first byte if cfg is not nil.
func Dial(t testing.TB, addr string, cfg *tls.Config) *Client {
	t.Helper()
	return DialFrom(t, "", addr, cfg)
}

// DialFrom is Dial from a chosen loopback source address (e.g.
// "127.0.0.2"; "" for any), as a second client machine would connect:
// the logon throttle counts per source.
func DialFrom(t testing.TB, src, addr string, cfg *tls.Config) *Client {
	t.Helper()
	d := &net.Dialer{Timeout: 5 * time.Second}
	if src != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(src)}
	}
	var c net.Conn
	var err error
	if cfg != nil {
		c, err = tls.DialWithDialer(d, "tcp", addr, cfg)
	} else {
		c, err = d.Dial("tcp", addr)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &Client{t: t, conn: c, r: bufio.NewReader(c)}
}

// Send writes raw text as it is (add "\r\n" yourself).
func (c *Client) Send(text string) {
	c.t.Helper()
	c.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c.conn, text); err != nil {
		c.t.Fatalf("send %q: %v", text, err)
	}
}

// Line reads one reply line without its CRLF.
func (c *Client) Line() string {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	l, err := c.r.ReadString('\n')
	if err != nil {
		c.t.Fatalf("read: %v (got %q)", err, l)
	}
	return strings.TrimSuffix(strings.TrimSuffix(l, "\n"), "\r")
}

// Expect reads one line and fails unless it equals want, or starts with
// want when want ends in "*".
func (c *Client) Expect(want string) string {
	c.t.Helper()
	got := c.Line()
	if p, ok := strings.CutSuffix(want, "*"); ok {
		if !strings.HasPrefix(got, p) {
			c.t.Fatalf("got %q, want %q", got, want)
		}
	} else if got != want {
		c.t.Fatalf("got %q, want %q", got, want)
	}
	return got
}

// Cmd sends a command line and expects a reply.
func (c *Client) Cmd(line, want string) string {
	c.t.Helper()
	c.Send(line + "\r\n")
	return c.Expect(want)
}

// Lines reads a dot-terminated multi-line body (after its status line)
// and returns the lines with dot-stuffing removed.
func (c *Client) Lines() []string {
	c.t.Helper()
	var out []string
	for {
		l := c.Line()
		if l == "." {
			return out
		}
		out = append(out, strings.TrimPrefix(l, "."))
	}
}

// Closed asserts that the server closes the connection (after any
// remaining lines, which are returned).
func (c *Client) Closed() []string {
	c.t.Helper()
	return c.ClosedWithin(10 * time.Second)
}

// ClosedWithin is Closed with a chosen bound.
func (c *Client) ClosedWithin(d time.Duration) []string {
	c.t.Helper()
	var rest []string
	c.conn.SetReadDeadline(time.Now().Add(d))
	for {
		l, err := c.r.ReadString('\n')
		if l != "" {
			rest = append(rest, strings.TrimRight(l, "\r\n"))
		}
		if err == io.EOF {
			return rest
		}
		if err != nil {
			c.t.Fatalf("connection not closed: %v", err)
		}
	}
}

// StartTLS upgrades the connection as a client.
func (c *Client) StartTLS(cfg *tls.Config) {
	c.t.Helper()
	tc := tls.Client(c.conn, cfg)
	tc.SetDeadline(time.Now().Add(10 * time.Second))
	if err := tc.Handshake(); err != nil {
		c.t.Fatalf("TLS handshake: %v", err)
	}
	tc.SetDeadline(time.Time{})
	c.conn = tc
	c.r = bufio.NewReader(tc)
}

// Conn returns the connection, for raw tricks.
func (c *Client) Conn() net.Conn { return c.conn }

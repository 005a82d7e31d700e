package imap_test

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/internal/loadgen"
	"github.com/postern/postern/internal/testkit"
)

// benchListFetch is the message-list fetch of a mail client (imap-mixed's
// step 2): the 50 newest of 60 messages with a few header fields.
const benchListFetch = "FETCH 11:60 (UID FLAGS RFC822.SIZE INTERNALDATE " +
	"BODY.PEEK[HEADER.FIELDS (FROM TO CC SUBJECT DATE MESSAGE-ID CONTENT-TYPE)])"

// BenchmarkFetchHeaders50 measures one FETCH of the header fields of 50
// messages (2–50 KB each, generated as the load generator seeds them)
// in a selected Inbox, over TLS on a real listener.
func BenchmarkFetchHeaders50(b *testing.B) { benchFetch50(b, benchListFetch) }

// BenchmarkFetchEnvelopeStructure50 measures FETCH of ENVELOPE and
// BODYSTRUCTURE of the same 50 messages.
func BenchmarkFetchEnvelopeStructure50(b *testing.B) {
	benchFetch50(b, "FETCH 11:60 (UID ENVELOPE BODYSTRUCTURE)")
}

func benchFetch50(b *testing.B, cmd string) {
	s := testkit.Start(b, testkit.Options{NoPOP3: true})
	s.AddUser("alice@mail.test", "secret1")
	for i := range 60 {
		s.Deliver(string(loadgen.Message(1, 0, i, "alice@mail.test")), "alice@mail.test")
	}
	c := dialBench(b, s.IMAPS, s.ClientTLS("localhost"))
	c.run(b, "a LOGIN alice@mail.test secret1")
	c.run(b, "b SELECT INBOX")
	c.run(b, "w "+cmd) // warm: the first read of a file costs more
	b.ResetTimer()
	for range b.N {
		if n := c.run(b, "f "+cmd); n != 50 {
			b.Fatalf("%d FETCH responses, want 50", n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(50*b.N)/1e3, "µs/msg")
}

// benchConn is a minimal IMAP client that skips literals and counts
// FETCH responses.
type benchConn struct {
	conn *tls.Conn
	r    *bufio.Reader
}

func dialBench(b *testing.B, addr string, cfg *tls.Config) *benchConn {
	conn, err := tls.Dial("tcp", addr, cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close() })
	c := &benchConn{conn: conn, r: bufio.NewReaderSize(conn, 64<<10)}
	if l, _ := c.r.ReadString('\n'); !strings.HasPrefix(l, "* OK") {
		b.Fatalf("greeting %q", l)
	}
	return c
}

// run sends one command and reads to its tagged OK, returning how many
// FETCH responses came.
func (c *benchConn) run(b *testing.B, line string) int {
	tag, _, _ := strings.Cut(line, " ")
	c.conn.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := fmt.Fprintf(c.conn, "%s\r\n", line); err != nil {
		b.Fatal(err)
	}
	fetches := 0
	for {
		l, err := c.r.ReadString('\n')
		if err != nil {
			b.Fatal(err)
		}
		if strings.HasPrefix(l, "* ") && strings.Contains(l, " FETCH (") {
			fetches++
		}
		for strings.HasSuffix(l, "}\r\n") { // a literal, then the rest of the line
			i := strings.LastIndexByte(l, '{')
			n, err := strconv.Atoi(l[i+1 : len(l)-3])
			if err != nil {
				b.Fatalf("bad literal in %q", l)
			}
			if _, err := c.r.Discard(n); err != nil {
				b.Fatal(err)
			}
			if l, err = c.r.ReadString('\n'); err != nil {
				b.Fatal(err)
			}
		}
		if strings.HasPrefix(l, tag+" ") {
			if !strings.HasPrefix(l, tag+" OK") {
				b.Fatalf("%s: %q", line, l)
			}
			return fetches
		}
	}
}

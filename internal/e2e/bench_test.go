package e2e

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/postern/postern/internal/smtp"
)

// The whole-server figures: the real binary, real TLS, real store. Run with
//
//	go test ./internal/e2e -run '^$' -bench . -benchtime 2000x
//
// and TestIdleTLSMemory for the memory bound.

func benchInstance(b *testing.B) *instance {
	in := serve(b, "")
	in.setup()
	return in
}

// BenchmarkLMTPDeliver16 delivers 4 KB messages over LMTP from 16
// concurrent senders; every delivery is durable before its 250.
func BenchmarkLMTPDeliver16(b *testing.B) {
	in := benchInstance(b)
	msg := strings.Repeat("x", 4000)
	body := "From: bob@mail.test\r\nTo: alice@mail.test\r\nSubject: bench\r\n\r\n" + msg + "\r\n"
	const senders = 16
	var wg sync.WaitGroup
	work := make(chan struct{}, b.N)
	for i := 0; i < b.N; i++ {
		work <- struct{}{}
	}
	close(work)
	b.ResetTimer()
	start := time.Now()
	for w := 0; w < senders; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := smtp.Dial(context.Background(), "tcp", in.LMTP)
			if err != nil {
				b.Error(err)
				return
			}
			defer c.Close()
			if err := c.LHLO("bench"); err != nil {
				b.Error(err)
				return
			}
			for range work {
				per, err := c.Send("bob@mail.test", []string{"alice@mail.test"}, strings.NewReader(body))
				if err != nil || per[0] != nil {
					b.Errorf("send: %v %v", err, per)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "deliveries/s")
}

// BenchmarkPOP3Retr100 logs on over implicit TLS, retrieves every message
// of a 100-message Inbox (10 KB each) and quits, per iteration.
func BenchmarkPOP3Retr100(b *testing.B) {
	in := benchInstance(b)
	seed100(b, in)
	cfg := clientTLS(b, in)
	var bytes int64
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		bytes += popRetrAll(b, in.POP3S, cfg, 100)
	}
	sec := time.Since(start).Seconds()
	b.ReportMetric(float64(100*b.N)/sec, "msgs/s")
	b.ReportMetric(float64(bytes)/sec/1e6, "MB/s")
}

// seed100 delivers 100 messages of 10 KB to alice over LMTP.
func seed100(b *testing.B, in *instance) {
	body := "From: bob@mail.test\r\nTo: alice@mail.test\r\nSubject: bench\r\n\r\n" + strings.Repeat("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\r\n", 150)
	c, err := smtp.Dial(context.Background(), "tcp", in.LMTP)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	if err := c.LHLO("bench"); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		if per, err := c.Send("bob@mail.test", []string{"alice@mail.test"}, strings.NewReader(body)); err != nil || per[0] != nil {
			b.Fatal(err, per)
		}
	}
}

func clientTLS(tb testing.TB, in *instance) *tls.Config {
	pem, err := os.ReadFile(in.ca())
	if err != nil {
		tb.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	return &tls.Config{RootCAs: pool, ServerName: "localhost"}
}

// popRetrAll is a minimal, checking POP3 client: it verifies each status
// line and the message count, and returns the bytes received.
func popRetrAll(tb testing.TB, addr string, cfg *tls.Config, want int) int64 {
	conn, err := tls.Dial("tcp", addr, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close()
	r := bufio.NewReaderSize(conn, 64<<10)
	w := bufio.NewWriter(conn)
	line := func() string {
		l, err := r.ReadString('\n')
		if err != nil {
			tb.Fatal(err)
		}
		return l
	}
	expectOK := func() string {
		l := line()
		if !strings.HasPrefix(l, "+OK") {
			tb.Fatalf("got %q", l)
		}
		return l
	}
	expectOK()
	fmt.Fprintf(w, "USER alice@mail.test\r\nPASS secret1\r\nSTAT\r\n")
	w.Flush()
	expectOK()
	expectOK()
	n, _ := strconv.Atoi(strings.Fields(expectOK())[1])
	if n != want {
		tb.Fatalf("STAT says %d messages, want %d", n, want)
	}
	var total int64
	for i := 1; i <= n; i++ {
		fmt.Fprintf(w, "RETR %d\r\n", i)
	}
	w.Flush()
	for i := 1; i <= n; i++ {
		expectOK()
		for {
			l := line()
			if l == ".\r\n" {
				break
			}
			total += int64(len(l))
		}
	}
	fmt.Fprintf(w, "QUIT\r\n")
	w.Flush()
	expectOK()
	return total
}

// TestIdleTLSMemory measures the server's memory per idle,
// unauthenticated TLS connection (greeting sent, nothing else), from the
// resident set of the postern process, and holds it to the bound
// of 64 KiB.
func TestIdleTLSMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 2000 connections")
	}
	in := serve(t, "")
	in.setup()
	cfg := clientTLS(t, in)
	per := memoryPerConn(t, in, func(n int) []*tls.Conn { return openIdle(t, in.POP3S, cfg, n) }, "idle TLS connections")
	if per > 64<<10 {
		t.Errorf("%d bytes per idle TLS connection, bound is 64 KiB", per)
	}
}

// memoryPerConn opens 2,000 connections with open, after 50 to warm up,
// and returns the growth of the server's resident set per connection.
func memoryPerConn(t *testing.T, in *instance, open func(n int) []*tls.Conn, what string) int64 {
	const n = 2000
	warm := open(50) // let pools and the GC settle
	time.Sleep(500 * time.Millisecond)
	before := rss(t, in.cmd.Process.Pid)
	conns := open(n)
	time.Sleep(time.Second)
	after := rss(t, in.cmd.Process.Pid)
	per := (after - before) / n
	t.Logf("server RSS %d KiB -> %d KiB with %d %s: %.1f KiB each", before>>10, after>>10, n, what, float64(per)/1024)
	for _, c := range append(conns, warm...) {
		c.Close()
	}
	return per
}

func openIdle(t *testing.T, addr string, cfg *tls.Config, n int) []*tls.Conn {
	out := make([]*tls.Conn, 0, n)
	for i := 0; i < n; i++ {
		c, err := tls.Dial("tcp", addr, cfg)
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 64)
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if k, err := c.Read(buf); err != nil || !strings.HasPrefix(string(buf[:k]), "+OK") {
			t.Fatalf("greeting %d: %q %v", i, buf[:k], err)
		}
		out = append(out, c)
	}
	return out
}

// rss reads VmRSS of a process, in bytes.
func rss(t *testing.T, pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

// TestIdleIMAPMemory measures the server's memory per authenticated IMAP
// session sitting in IDLE over TLS, from the postern process's resident
// set, and holds it to the bound of 48 KiB.
func TestIdleIMAPMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 2000 sessions")
	}
	in := serve(t, "")
	in.setup()
	in.setupIMAP()
	in.cli("", "imap", "set", "MaxConnectionsPerUser=100000")
	in.cli("", "service", "restart", "imap4")
	in.listeners()
	cfg := clientTLS(t, in)
	per := memoryPerConn(t, in, func(n int) []*tls.Conn { return openIdleIMAP(t, in.IMAPS, cfg, n) }, "IMAP sessions in IDLE")
	if per > 48<<10 {
		t.Errorf("%d bytes per IDLE session, bound is 48 KiB", per)
	}
}

// openIdleIMAP opens n sessions, each logged on, INBOX selected, in IDLE.
func openIdleIMAP(t *testing.T, addr string, cfg *tls.Config, n int) []*tls.Conn {
	out := make([]*tls.Conn, 0, n)
	for i := 0; i < n; i++ {
		c, err := tls.Dial("tcp", addr, cfg)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(30 * time.Second))
		r := bufio.NewReader(c)
		fmt.Fprintf(c, "a LOGIN alice@mail.test secret1\r\nb SELECT INBOX\r\nc IDLE\r\n")
		for {
			l, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("session %d: %v", i, err)
			}
			if strings.HasPrefix(l, "a NO") || strings.HasPrefix(l, "b NO") {
				t.Fatalf("session %d: %q", i, l)
			}
			if strings.HasPrefix(l, "+ ") {
				break
			}
		}
		c.SetDeadline(time.Time{})
		out = append(out, c)
	}
	return out
}

// BenchmarkIMAPFetch100 logs on over implicit TLS, selects the Inbox and
// fetches every message of a 100-message Inbox (10 KB each) with UID FETCH
// 1:* (FLAGS RFC822.SIZE BODY.PEEK[]), per iteration.
func BenchmarkIMAPFetch100(b *testing.B) {
	in := benchInstance(b)
	in.setupIMAP()
	seed100(b, in)
	cfg := clientTLS(b, in)
	var bytes int64
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		bytes += imapFetchAll(b, in.IMAPS, cfg, 100)
	}
	sec := time.Since(start).Seconds()
	b.ReportMetric(float64(100*b.N)/sec, "msgs/s")
	b.ReportMetric(float64(bytes)/sec/1e6, "MB/s")
}

// imapFetchAll is a minimal, checking IMAP client: it counts the FETCH
// responses and literal bytes, and checks the tagged OKs.
func imapFetchAll(tb testing.TB, addr string, cfg *tls.Config, want int) int64 {
	conn, err := tls.Dial("tcp", addr, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close()
	r := bufio.NewReaderSize(conn, 64<<10)
	fmt.Fprintf(conn, "a LOGIN alice@mail.test secret1\r\nb SELECT INBOX\r\nc UID FETCH 1:* (FLAGS RFC822.SIZE BODY.PEEK[])\r\nd LOGOUT\r\n")
	var total int64
	fetches := 0
	for {
		l, err := r.ReadString('\n')
		if err != nil {
			tb.Fatal(err)
		}
		switch {
		case strings.HasPrefix(l, "* ") && strings.Contains(l, " FETCH "):
			fetches++
			i := strings.LastIndexByte(l, '{')
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSuffix(l[i+1:], "\r\n"), "}"))
			if _, err := r.Discard(n); err != nil {
				tb.Fatal(err)
			}
			total += int64(n)
		case strings.HasPrefix(l, "a ") || strings.HasPrefix(l, "b ") || strings.HasPrefix(l, "c "):
			if !strings.Contains(l, " OK ") {
				tb.Fatalf("got %q", l)
			}
		case strings.HasPrefix(l, "d "):
			if fetches != want {
				tb.Fatalf("%d FETCH responses, want %d", fetches, want)
			}
			return total
		}
	}
}

package proxy_test

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/postern/postern/internal/netserve"
	"github.com/postern/postern/internal/proxy"
	"github.com/postern/postern/internal/testkit"
)

// TestRelayMemory measures what an idle relayed session over TLS costs
// the frontend: heap and goroutine stacks for 200 sessions, less what the
// same 200 clients cost talking to the backend directly (the clients and
// the backend's side are in this process too). Not parallel.
func TestRelayMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	const n = 200
	o := testOrgs(t)
	back := startBackend(t, o[0].back, &echoBackend{})
	cert, err := tls.X509KeyPair(o[0].frontPEM[0], o[0].frontPEM[1])
	if err != nil {
		t.Fatal(err)
	}
	front, err := netserve.Start(netserve.Options{
		Name:    "frontend",
		Listen:  []netserve.Listen{{Addr: testkit.FreeLoopbackAddr(t), Implicit: true}},
		TLS:     &tls.Config{Certificates: []tls.Certificate{cert}},
		Handler: frontend{&proxy.RemoteBackend{Addr: back, TLS: o[0].front, Protocol: "IMAP4"}},
		Logger:  quiet,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer front.Stop(time.Second)
	clientTLS := &tls.Config{InsecureSkipVerify: true}
	line := string(handoffLine(t, "IMAP4", alice.ID))

	direct := measure(t, n, func() (net.Conn, *bufio.Reader) {
		return dialSession(t, back, o[0].front, line, "OK")
	})
	relayed := measure(t, n, func() (net.Conn, *bufio.Reader) {
		return dialSession(t, front.Addrs()[0].String(), clientTLS, "", "+ ready")
	})
	per := (relayed - direct) / n
	t.Logf("%d sessions: direct to the backend %d KiB, relayed %d KiB: the frontend's share %.1f KiB per idle session",
		n, direct>>10, relayed>>10, float64(per)/1024)
	if per > 64<<10 {
		t.Errorf("an idle relayed session costs the frontend %d KiB, over 64", per>>10)
	}
}

// measure opens n sessions, checks each answers, and returns the growth of
// heap and stacks while they are idle; then it closes them.
func measure(t *testing.T, n int, open func() (net.Conn, *bufio.Reader)) int64 {
	t.Helper()
	before := inUse()
	conns := make([]net.Conn, 0, n)
	readers := make([]*bufio.Reader, 0, n)
	for range n {
		c, r := open()
		conns = append(conns, c)
		readers = append(readers, r)
	}
	for i, c := range conns {
		c.SetDeadline(time.Now().Add(10 * time.Second))
		io.WriteString(c, "ping\r\n")
		if l, err := readers[i].ReadString('\n'); err != nil || l != "echo: ping\r\n" {
			t.Fatalf("session %d: %q, %v", i, l, err)
		}
	}
	time.Sleep(100 * time.Millisecond)
	after := inUse()
	for _, c := range conns {
		c.Close()
	}
	runtime.KeepAlive(readers)
	// Let the sessions end before the next measurement.
	time.Sleep(1500 * time.Millisecond)
	return after - before
}

func inUse() int64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return int64(m.HeapInuse + m.StackInuse)
}

func dialSession(t *testing.T, addr string, cfg *tls.Config, send, want string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if send != "" {
		io.WriteString(c, send)
	}
	r := bufio.NewReaderSize(c, 1024)
	if l, err := r.ReadString('\n'); err != nil || l != want+"\r\n" {
		t.Fatalf("%s: %q, %v", addr, l, err)
	}
	return c, r
}

package netserve

import (
	"context"
	"net"
	"net/netip"
	"testing"
	"time"
)

type renamer struct{ served chan struct{} }

func (h renamer) ServeConn(ctx context.Context, c *Conn) {
	c.Remote = netip.MustParseAddrPort("192.0.2.7:1234")
	c.WriteString("hello\r\n")
	h.served <- struct{}{}
}

func (renamer) Refuse(c *Conn, reason string) { c.WriteString("refused\r\n") }

// A handler that names another client in Remote (the proxy target does)
// does not upset the per-address count: the connection is released under
// the address it was admitted with.
func TestPerIPCountSurvivesRemote(t *testing.T) {
	t.Parallel()
	h := renamer{make(chan struct{}, 10)}
	s, err := Start(Options{Name: "test", Listen: []Listen{{Addr: "127.0.0.1:0"}}, Handler: h, MaxPerIP: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop(time.Second)
	for i := range 3 {
		c, err := net.Dial("tcp", s.Addrs()[0].String())
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(5 * time.Second))
		buf := make([]byte, 16)
		n, _ := c.Read(buf)
		if string(buf[:n]) != "hello\r\n" {
			t.Fatalf("connection %d: %q", i, buf[:n])
		}
		c.Close()
		<-h.served
		for deadline := time.Now().Add(5 * time.Second); s.Connections() > 0; {
			if time.Now().After(deadline) {
				t.Fatal("connection not released")
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.perIP) != 0 {
		t.Errorf("per-address counts left: %v", s.perIP)
	}
}

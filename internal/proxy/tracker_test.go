package proxy_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/postern/postern/internal/netserve"
	"github.com/postern/postern/internal/proxy"
	"github.com/postern/postern/internal/testkit"
)

// trackHandler enters each connection into the tracker as the session of
// the user its first byte names (1 or 2, both in database DB1) and
// reports when the session's context ends.
type trackHandler struct {
	t     *proxy.Tracker
	ended chan int64
}

func (h trackHandler) ServeConn(ctx context.Context, c *netserve.Conn) {
	line, err := c.ReadLine(10)
	if err != nil {
		return
	}
	user := int64(line[0] - '0')
	ctx, leave, ok := h.t.Enter(ctx, c, "DB1", user)
	if !ok {
		return
	}
	defer leave()
	c.WriteString("entered\r\n")
	c.Flush()
	<-ctx.Done()
	h.ended <- user
}

func (trackHandler) Refuse(*netserve.Conn, string) {}

// TestTrackerEndUser: EndUser ends one user's sessions and leaves the
// other sessions of the same database running.
func TestTrackerEndUser(t *testing.T) {
	tr := proxy.NewTracker()
	h := trackHandler{t: tr, ended: make(chan int64, 4)}
	srv, err := netserve.Start(netserve.Options{Name: "t", Listen: []netserve.Listen{{Addr: testkit.FreeLoopbackAddr(t)}}, Handler: h})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop(time.Second)
	var conns []net.Conn
	for _, u := range []string{"1", "2", "1"} {
		c, err := net.Dial("tcp", srv.Addrs()[0].String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.Write([]byte(u + "\r\n"))
		buf := make([]byte, 9)
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Read(buf); err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	if n := tr.EndUser(1); n != 2 {
		t.Errorf("EndUser(1) ended %d sessions, want 2", n)
	}
	for range 2 {
		select {
		case u := <-h.ended:
			if u != 1 {
				t.Errorf("the session of user %d ended", u)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("user 1's sessions did not end")
		}
	}
	select {
	case u := <-h.ended:
		t.Errorf("the session of user %d ended too", u)
	case <-time.After(100 * time.Millisecond):
	}
	if n := tr.EndUser(3); n != 0 {
		t.Errorf("EndUser(3) = %d", n)
	}
	tr.Stop(time.Second)
}

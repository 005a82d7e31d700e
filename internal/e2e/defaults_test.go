package e2e

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/internal/admin/api"
)

// TestDefaultBindings starts the services on Exchange's default bindings,
// the IPv6 and IPv4 wildcards side by side on each port (spec §11 item
// 5), shifted by --port-offset so no privilege is needed, and connects over
// loopback on both families.
func TestDefaultBindings(t *testing.T) {
	in := serveWith(t, "", "--port-offset", "23000")
	for _, svc := range []string{"pop3-backend", "pop3", "imap4-backend", "imap4"} {
		in.cli("", "service", "start", svc)
	}
	var st []api.ServiceStatus
	if err := in.client().Get(context.Background(), "/v1/services", &st); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"pop3":  "[::]:23995 0.0.0.0:23995 [::]:23110 0.0.0.0:23110",
		"imap4": "[::]:23993 0.0.0.0:23993 [::]:23143 0.0.0.0:23143",
	}
	for _, s := range st {
		if w, ok := want[s.Name]; ok && strings.Join(s.Listeners, " ") != w {
			t.Errorf("%s listens on %q (error %q), want %q", s.Name, s.Listeners, s.Error, w)
		}
	}
	greet := func(addr, prefix string) {
		c, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err != nil {
			t.Errorf("%s: %v", addr, err)
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		buf := make([]byte, 128)
		if n, err := c.Read(buf); err != nil || !strings.HasPrefix(string(buf[:n]), prefix) {
			t.Errorf("%s greeted %q, %v", addr, buf[:n], err)
		}
	}
	greet("127.0.0.1:23110", "+OK ")
	greet("127.0.0.1:23143", "* OK ")
	if ln, err := net.Listen("tcp6", "[::1]:0"); err == nil { // IPv6 loopback exists
		ln.Close()
		greet("[::1]:23110", "+OK ")
		greet("[::1]:23143", "* OK ")
	}
}

// TestLocal: `serve --local` creates every default listener on 127.0.0.1.
func TestLocal(t *testing.T) {
	in := serveWith(t, "", "--local", "--port-offset", "24000")
	for _, svc := range []string{"pop3-backend", "pop3", "imap4-backend", "imap4"} {
		in.cli("", "service", "start", svc)
	}
	var st []api.ServiceStatus
	if err := in.client().Get(context.Background(), "/v1/services", &st); err != nil {
		t.Fatal(err)
	}
	for _, s := range st {
		for _, l := range s.Listeners {
			if !strings.HasPrefix(l, "127.0.0.1:") {
				t.Errorf("%s listens on %s", s.Name, l)
			}
		}
		if s.Name == "pop3" && strings.Join(s.Listeners, " ") != "127.0.0.1:24995 127.0.0.1:24110" {
			t.Errorf("pop3 listens on %v", s.Listeners)
		}
	}
}

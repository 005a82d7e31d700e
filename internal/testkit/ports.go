package testkit

import (
	"net"
	"sync"
	"testing"
)

// handedOut holds the ports FreeLoopbackAddr returned in this process.
var handedOut struct {
	sync.Mutex
	ports map[int]bool
}

// FreeLoopbackAddr returns 127.0.0.1:PORT with a port that was free a
// moment ago: it listens on 127.0.0.1:0, reads the port the system chose
// and closes the listener. The settings refuse a listener on port 0 (it
// would move at every restart), so a test that writes a binding takes a
// real port here; plain net.Listen("tcp", "127.0.0.1:0") stays fine for
// listeners of the test's own.
//
// No port is returned twice in one process, so that parallel tests never
// share one, even while a service that holds it restarts. Another process
// could still take the port before the server binds it; the system's
// random choice among its ephemeral ports makes that unlikely.
func FreeLoopbackAddr(t testing.TB) string {
	t.Helper()
	handedOut.Lock()
	defer handedOut.Unlock()
	if handedOut.ports == nil {
		handedOut.ports = make(map[int]bool)
	}
	// Ask again while the system offers a port handed out before (freed
	// by a server that stopped, or only picked so far); keep the ones it
	// offers open meanwhile so that it offers others.
	var held []net.Listener
	defer func() {
		for _, l := range held {
			l.Close()
		}
	}()
	for range 100 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, l)
		addr := l.Addr().(*net.TCPAddr)
		if !handedOut.ports[addr.Port] {
			handedOut.ports[addr.Port] = true
			return addr.String()
		}
	}
	t.Fatal("no free loopback port that was not handed out already")
	return ""
}

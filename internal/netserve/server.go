// Package netserve owns what every protocol service does with sockets: it
// binds the service's listeners (implicit TLS or plain with STARTTLS), counts
// connections against the service's limits, runs one goroutine per
// connection with a recover, and drains on stop. A service that runs its
// own accept loop (the web service's net/http server) binds with Bind and
// bounds its connections with LimitListener.
//
// Invariants:
//   - A connection over MaxConnections or MaxPerIP is closed before the
//     protocol handler sees it (the handler's Refuse hook may write one
//     line first).
//   - StartTLS discards plaintext the client sent before the handshake.
//   - Stop closes the listeners at once, cancels the sessions' context,
//     waits up to the grace period, then closes what is left.
package netserve

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"runtime/debug"
	"sync"
	"syscall"
	"time"
)

// Listen describes one listener.
type Listen struct {
	Addr string // host:port; port 0 picks a free port
	// Implicit makes every connection TLS from the first byte.
	Implicit bool
}

// Handler serves one connection. It returns when the session ends; the
// server closes the connection afterwards.
type Handler interface {
	ServeConn(ctx context.Context, c *Conn)
	// Refuse is called instead of ServeConn for a connection over a
	// limit; it may write a short goodbye.
	Refuse(c *Conn, reason string)
}

// Options configure a Server.
type Options struct {
	Name     string // service name, for logs
	Listen   []Listen
	TLS      *tls.Config // nil: no implicit TLS listeners, no STARTTLS
	Handler  Handler
	Logger   *slog.Logger
	MaxConns int // 0 means no limit
	MaxPerIP int // 0 means no limit
	// HandshakeTimeout bounds the implicit TLS handshake.
	HandshakeTimeout time.Duration
}

// Server is a running set of listeners for one service.
type Server struct {
	o      Options
	lns    []net.Listener
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu    sync.Mutex
	conns map[*Conn]struct{}
	perIP map[netip.Addr]int
}

// Start binds every listener (all or none) and starts accepting.
func Start(o Options) (*Server, error) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.HandshakeTimeout == 0 {
		o.HandshakeTimeout = time.Minute
	}
	s := &Server{o: o, conns: map[*Conn]struct{}{}, perIP: map[netip.Addr]int{}}
	for _, l := range o.Listen {
		if l.Implicit && o.TLS == nil {
			s.closeListeners()
			return nil, fmt.Errorf("%s: %s: implicit TLS needs a certificate", o.Name, l.Addr)
		}
		ln, err := listen(l.Addr)
		if err != nil {
			s.closeListeners()
			return nil, fmt.Errorf("%s: %w", o.Name, err)
		}
		if _, port, _ := net.SplitHostPort(l.Addr); port == "0" {
			// Settings refuse port 0 now; one stored by an earlier
			// build still binds, on another port at every start.
			o.Logger.Warn("a binding has port 0: the service listens on a different port at every start; set a fixed port",
				"binding", l.Addr, "listening", ln.Addr().String())
		}
		s.lns = append(s.lns, ln)
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	for i, ln := range s.lns {
		s.wg.Add(1)
		go s.accept(ln, o.Listen[i].Implicit)
	}
	return s, nil
}

// Bind binds one address as Start binds each listener, for a service that
// runs its own accept loop (the web service's net/http server).
func Bind(addr string) (net.Listener, error) { return listen(addr) }

// listen binds one address; an IPv6 wildcard is IPv6-only so that the
// IPv4 wildcard on the same port can be bound beside it, as Exchange's
// default bindings ([::]:995 and 0.0.0.0:995) require.
func listen(addr string) (net.Listener, error) {
	lc := net.ListenConfig{Control: func(network, address string, c syscall.RawConn) error {
		if network != "tcp6" {
			return nil
		}
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IPV6, syscall.IPV6_V6ONLY, 1)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	// The network must name the family: with plain "tcp" Go opens an
	// IPv6 socket for the IPv4 wildcard too (dual stack), and the two
	// wildcards of one port then collide.
	network := "tcp"
	if ap, err := netip.ParseAddrPort(addr); err == nil {
		network = "tcp6"
		if ap.Addr().Unmap().Is4() {
			network = "tcp4"
		}
	}
	return lc.Listen(context.Background(), network, addr)
}

// Addrs returns the bound addresses, in the order of Options.Listen.
func (s *Server) Addrs() []net.Addr {
	out := make([]net.Addr, len(s.lns))
	for i, ln := range s.lns {
		out[i] = ln.Addr()
	}
	return out
}

func (s *Server) closeListeners() {
	for _, ln := range s.lns {
		ln.Close()
	}
}

func (s *Server) accept(ln net.Listener, implicit bool) {
	defer s.wg.Done()
	var delay time.Duration
	for {
		raw, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of descriptors and the like: back off, keep serving.
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			s.o.Logger.Warn("accept failed", "service", s.o.Name, "err", err)
			time.Sleep(delay)
			continue
		}
		delay = 0
		s.wg.Add(1)
		go s.serve(raw, implicit)
	}
}

func (s *Server) serve(raw net.Conn, implicit bool) {
	defer s.wg.Done()
	c := newConn(raw, s.o.TLS)
	c.done = s.ctx
	log := s.o.Logger.With("service", s.o.Name, "conn", c.ID, "remote", c.Remote.String())
	defer func() {
		if r := recover(); r != nil {
			log.Error("panic in session", "panic", r, "stack", string(debug.Stack()))
			c.Close()
			return
		}
		c.closeGracefully()
	}()
	if reason := s.admit(c); reason != "" {
		defer s.release(c)
		log.Info("connection refused", "reason", reason)
		if implicit && c.handshakeWithin(s.o.HandshakeTimeout) != nil {
			return
		}
		s.o.Handler.Refuse(c, reason)
		c.Flush()
		return
	}
	defer s.release(c)
	if implicit {
		if err := c.handshakeWithin(s.o.HandshakeTimeout); err != nil {
			log.Debug("TLS handshake failed", "err", err)
			return
		}
	}
	s.o.Handler.ServeConn(s.ctx, c)
	c.Flush()
}

func (c *Conn) handshakeWithin(d time.Duration) error {
	saved := c.idle
	c.idle = d
	err := c.handshake()
	c.idle = saved
	return err
}

// admit counts the connection, or returns why it is refused.
func (s *Server) admit(c *Conn) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ip := c.Remote.Addr()
	c.peer = ip
	s.perIP[ip]++
	s.conns[c] = struct{}{}
	switch {
	case s.o.MaxConns > 0 && len(s.conns) > s.o.MaxConns:
		return "MaxConnections"
	case s.o.MaxPerIP > 0 && s.perIP[ip] > s.o.MaxPerIP:
		return "MaxConnectionFromSingleIP"
	}
	return ""
}

func (s *Server) release(c *Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c)
	ip := c.peer
	if s.perIP[ip]--; s.perIP[ip] <= 0 {
		delete(s.perIP, ip)
	}
}

// Connections returns the number of open connections.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// Stop closes the listeners, cancels the sessions' context so they can say
// goodbye, and after grace closes every connection still open. It returns
// when every session has ended.
func (s *Server) Stop(grace time.Duration) {
	s.closeListeners()
	s.cancel()
	// Wake sessions blocked in a read so they see the cancelled context
	// and end in their protocol's words.
	s.mu.Lock()
	for c := range s.conns {
		c.raw.SetReadDeadline(time.Now())
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return
	case <-time.After(grace):
	}
	s.mu.Lock()
	for c := range s.conns {
		c.raw.Close()
	}
	s.mu.Unlock()
	<-done
}

package proxy

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/postern/postern/internal/netserve"
)

// ErrBackendRefused is wrapped by a permanent refusal ("NO perm") of a
// backend on another server.
var ErrBackendRefused = errors.New("proxy: backend refused the handoff")

// DefaultDialTimeout bounds the dial, handshake and handoff of a
// RemoteBackend whose DialTimeout is zero.
const DefaultDialTimeout = 10 * time.Second

// drainTime bounds how long a relay whose client has closed waits for the
// backend to end the session.
const drainTime = 10 * time.Second

// RemoteBackend is the backend service of another server, reached over
// TLS with the organisation's certificates (FrontendTLS).
type RemoteBackend struct {
	Addr        string      // host:port of the server's ProxyTargetPort
	TLS         *tls.Config // FrontendTLS
	Protocol    string      // "POP3" or "IMAP4"
	DialTimeout time.Duration
	// Server, if set, is the name the backend's certificate must carry.
	Server string
}

// Open dials the backend, sends the handoff and reads its answer. A
// temporary refusal wraps ErrBackendStopped, a permanent one
// ErrBackendRefused.
func (b *RemoteBackend) Open(ctx context.Context, h Handoff) (Session, error) {
	if b.TLS == nil {
		return nil, errors.New("proxy: RemoteBackend without a TLS configuration")
	}
	line, err := h.Wire(b.Protocol)
	if err != nil {
		return nil, err
	}
	limit := b.DialTimeout
	if limit <= 0 {
		limit = DefaultDialTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	d := newDialer(b.tlsConfig())
	nc, err := d.DialContext(ctx, "tcp", b.Addr)
	if err != nil {
		return nil, fmt.Errorf("%s backend at %s: %w: %w", b.Protocol, b.Addr, ErrBackendStopped, err)
	}
	conn := nc.(*tls.Conn)
	deadline, _ := ctx.Deadline()
	conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
	reply, err := b.handoff(conn, line)
	stop()
	if err != nil {
		conn.Close()
		return nil, err
	}
	if reply != "OK" {
		conn.Close()
		kind, text, _ := strings.Cut(strings.TrimPrefix(reply, "NO "), " ")
		if !strings.HasPrefix(reply, "NO ") || kind == "temp" {
			return nil, fmt.Errorf("%s backend at %s: %s: %w", b.Protocol, b.Addr, text, ErrBackendStopped)
		}
		return nil, fmt.Errorf("%s backend at %s: %s: %w", b.Protocol, b.Addr, text, ErrBackendRefused)
	}
	conn.SetDeadline(time.Time{})
	return &relay{conn: conn}, nil
}

func newDialer(cfg *tls.Config) *tls.Dialer { return &tls.Dialer{Config: cfg} }

func (b *RemoteBackend) tlsConfig() *tls.Config {
	if b.Server == "" {
		return b.TLS
	}
	cfg := b.TLS.Clone()
	verify, want := cfg.VerifyConnection, b.Server
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		if verify != nil {
			if err := verify(cs); err != nil {
				return err
			}
		}
		if len(cs.PeerCertificates) == 0 {
			return errors.New("proxy: backend presented no certificate")
		}
		if got, _ := ServerNameOf(cs.PeerCertificates[0]); got != want {
			return fmt.Errorf("proxy: backend is %q, not %q", got, want)
		}
		return nil
	}
	return cfg
}

// handoff writes the line and reads the one-line answer, byte by byte so
// that nothing the backend sends after it is taken from the connection.
func (b *RemoteBackend) handoff(conn *tls.Conn, line []byte) (string, error) {
	if _, err := conn.Write(line); err != nil {
		return "", fmt.Errorf("%s backend at %s: %w: %w", b.Protocol, b.Addr, ErrBackendStopped, err)
	}
	reply, err := readReply(conn)
	if err != nil {
		return "", fmt.Errorf("%s backend at %s: no answer: %w: %w", b.Protocol, b.Addr, ErrBackendStopped, err)
	}
	return reply, nil
}

// relay is a session on another server: it copies bytes both ways between
// the client's connection and the backend's. It holds no buffers of its
// own: client bytes go from the client connection's read buffer, backend
// bytes are read into the client connection's write buffer.
type relay struct {
	conn *tls.Conn
}

// Run relays until either side closes or ctx ends.
func (r *relay) Run(ctx context.Context, c *netserve.Conn) {
	defer r.conn.Close()
	if err := c.Flush(); err != nil {
		return
	}
	// The backend enforces the session's time-outs; the relay waits.
	c.SetIdleTimeout(0)
	var once sync.Once
	closeAll := func() {
		once.Do(func() {
			r.conn.SetDeadline(time.Now())
			c.NetConn().SetReadDeadline(time.Now())
		})
	}
	stop := context.AfterFunc(ctx, closeAll)
	defer stop()

	up := make(chan struct{})
	go func() {
		defer close(up)
		if r.toBackend(c) == nil {
			// The client closed: pass it on and let the backend end
			// the session (its last reply still reaches the client).
			r.conn.CloseWrite()
			if tcp, ok := r.conn.NetConn().(*net.TCPConn); ok {
				tcp.CloseWrite()
			}
			r.conn.SetReadDeadline(time.Now().Add(drainTime))
			if ctx.Err() != nil { // closeAll may have run just before
				r.conn.SetReadDeadline(time.Now())
			}
			return
		}
		closeAll()
	}()
	r.toClient(c)
	// The backend ended the session (or failed): stop reading the client
	// before the server closes the connection.
	c.NetConn().SetReadDeadline(time.Now())
	<-up
}

// toBackend copies the client's bytes, starting with those already
// buffered, to the backend. It returns nil at the client's end of stream.
func (r *relay) toBackend(c *netserve.Conn) error {
	br := c.Reader()
	for {
		if _, err := br.Peek(1); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		p, _ := br.Peek(br.Buffered())
		r.conn.SetWriteDeadline(time.Now().Add(time.Minute))
		if _, err := r.conn.Write(p); err != nil {
			return err
		}
		br.Discard(len(p))
	}
}

// toClient copies the backend's bytes to the client, reading straight into
// the client connection's write buffer.
func (r *relay) toClient(c *netserve.Conn) {
	w := c.Writer()
	for {
		if err := c.Flush(); err != nil {
			return
		}
		buf := w.AvailableBuffer()
		n, err := r.conn.Read(buf[:cap(buf)])
		if n > 0 {
			w.Write(buf[:n])
		}
		if err != nil {
			c.Flush()
			return
		}
	}
}

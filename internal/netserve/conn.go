package netserve

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/netip"
	"syscall"
	"time"
)

// ErrLineTooLong is returned by ReadLine for a line longer than the limit;
// the rest of the line has been read and dropped, so the session can answer
// and go on.
var ErrLineTooLong = errors.New("netserve: line too long")

// ErrAlreadyTLS is returned by StartTLS on a connection that is already TLS.
var ErrAlreadyTLS = errors.New("netserve: connection is already TLS")

// ErrNoTLS is returned by StartTLS when the service has no certificate.
var ErrNoTLS = errors.New("netserve: no certificate configured")

const (
	readBufSize  = 4096
	writeBufSize = 4096
	// maxDiscard bounds how much of an over-long line is read and dropped
	// before the connection is given up.
	maxDiscard = 1 << 20
)

// Conn is one client connection: a buffered line reader and writer over the
// raw or TLS connection, with an idle time-out applied to every read.
type Conn struct {
	raw    net.Conn
	c      net.Conn // raw, or the TLS connection over it
	r      *bufio.Reader
	w      *bufio.Writer
	tlsCfg *tls.Config
	isTLS  bool
	// sock is the TCP socket under raw, for acknowledging input at once
	// (ackReader); nil if raw is not a socket.
	sock syscall.RawConn

	// ID is a random session id, unique enough for logs.
	ID     string
	Local  netip.AddrPort
	Remote netip.AddrPort
	// peer is the address the server counted the connection under
	// (MaxPerIP): a handler may set Remote to another (the proxy target
	// names the client behind a frontend), the count stays right.
	peer netip.Addr

	idle time.Duration
	// done is the server's context: once it is cancelled every read
	// returns at once, so sessions end promptly on stop.
	done context.Context
}

func newConn(raw net.Conn, tlsCfg *tls.Config) *Conn {
	var id [8]byte
	rand.Read(id[:])
	c := &Conn{raw: raw, c: raw, tlsCfg: tlsCfg, ID: hex.EncodeToString(id[:])}
	c.Local = addrPort(raw.LocalAddr())
	c.Remote = addrPort(raw.RemoteAddr())
	c.sock = Socket(raw)
	c.r = bufio.NewReaderSize(ackReader{c, raw}, readBufSize)
	c.w = bufio.NewWriterSize(raw, writeBufSize)
	return c
}

// ackReader is what the buffered reader reads from: before each read,
// that is whenever the session has used up all the input it had and
// needs more, it has the kernel acknowledge at once what has arrived
// (AckNow) instead of after its delayed-ACK timer.
//
// A client with Nagle's algorithm on (python's imaplib as shipped) sends
// a small write only once everything it sent before is acknowledged. When
// it sends a command in two writes, such as an IMAP literal and then the
// CRLF that ends the command, the second write waits for the server's ACK
// of the first; the server, waiting for the rest of the command, has
// nothing to send that would carry the ACK, so both wait for the delayed
// ACK (40 ms on Linux) on every such command. Between commands the ACK
// has already gone out with the reply, and AckNow costs one system call.
type ackReader struct {
	c *Conn
	r io.Reader
}

func (a ackReader) Read(p []byte) (int, error) {
	AckNow(a.c.sock)
	return a.r.Read(p)
}

// Socket returns the TCP socket under c (through TLS and other wrappers
// that name their connection with NetConn), or nil.
func Socket(c net.Conn) syscall.RawConn {
	for {
		switch v := c.(type) {
		case syscall.Conn:
			sock, err := v.SyscallConn()
			if err != nil {
				return nil
			}
			return sock
		case interface{ NetConn() net.Conn }:
			c = v.NetConn()
		default:
			return nil
		}
	}
}

func addrPort(a net.Addr) netip.AddrPort {
	if ta, ok := a.(*net.TCPAddr); ok {
		ap := ta.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	return netip.AddrPort{}
}

// SetIdleTimeout sets how long a read may wait; zero means no limit.
func (c *Conn) SetIdleTimeout(d time.Duration) { c.idle = d }

// IdleTimeout returns the current idle time-out.
func (c *Conn) IdleTimeout() time.Duration { return c.idle }

func (c *Conn) armRead() {
	if c.done != nil && c.done.Err() != nil {
		c.c.SetReadDeadline(time.Now())
	} else if c.idle > 0 {
		c.c.SetReadDeadline(time.Now().Add(c.idle))
	} else {
		c.c.SetReadDeadline(time.Time{})
	}
}

// ReadLine reads one line ending in LF (a preceding CR is removed) of at
// most max bytes without the line ending. A longer line is consumed and
// dropped and ErrLineTooLong returned; the buffer never grows past its size.
func (c *Conn) ReadLine(max int) ([]byte, error) {
	c.armRead()
	line, err := c.r.ReadSlice('\n')
	if err == nil {
		line = trimEOL(line)
		if len(line) > max {
			return nil, ErrLineTooLong
		}
		return line, nil
	}
	if !errors.Is(err, bufio.ErrBufferFull) {
		return nil, err
	}
	// Longer than the buffer: it is over any limit we allow (limits are
	// below the buffer size), so drop the rest of the line, within bounds.
	if max >= readBufSize {
		return c.readLong(line, max)
	}
	return nil, c.discardLine()
}

// readLong assembles a line longer than the read buffer, for limits above
// the buffer size (IMAP's MaxCommandSize reaches 16384).
func (c *Conn) readLong(first []byte, max int) ([]byte, error) {
	buf := append(make([]byte, 0, 2*len(first)), first...)
	for {
		part, err := c.r.ReadSlice('\n')
		if len(buf)+len(part) > max+2 {
			if err == nil {
				return nil, ErrLineTooLong
			}
			if errors.Is(err, bufio.ErrBufferFull) {
				return nil, c.discardLine()
			}
			return nil, err
		}
		buf = append(buf, part...)
		if err == nil {
			line := trimEOL(buf)
			if len(line) > max {
				return nil, ErrLineTooLong
			}
			return line, nil
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return nil, err
		}
	}
}

func (c *Conn) discardLine() error {
	for n := 0; n < maxDiscard; {
		part, err := c.r.ReadSlice('\n')
		n += len(part)
		if err == nil {
			return ErrLineTooLong
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return err
		}
	}
	return io.ErrUnexpectedEOF
}

func trimEOL(b []byte) []byte {
	b = b[:len(b)-1]
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	return b
}

// Reader returns the buffered reader (for literals and DATA bodies).
func (c *Conn) Reader() *bufio.Reader { c.armRead(); return c.r }

// Writer returns the buffered writer; call Flush to send.
func (c *Conn) Writer() *bufio.Writer { return c.w }

// Write buffers p.
func (c *Conn) Write(p []byte) (int, error) { return c.w.Write(p) }

// WriteString buffers s.
func (c *Conn) WriteString(s string) (int, error) { return c.w.WriteString(s) }

// Flush sends what is buffered, with a write deadline so a client that
// stops reading cannot hold the session forever.
func (c *Conn) Flush() error {
	if c.w.Buffered() == 0 {
		return nil
	}
	c.c.SetWriteDeadline(time.Now().Add(writeTimeout(c.idle)))
	return c.w.Flush()
}

func writeTimeout(idle time.Duration) time.Duration {
	if idle <= 0 || idle < time.Minute {
		return time.Minute
	}
	return idle
}

// Pending reports whether the client has already sent more input, so a
// pipelining server may hold its replies until it has answered that too.
func (c *Conn) Pending() bool { return c.r.Buffered() > 0 }

// IsTLS reports whether the connection is encrypted (implicit TLS, or after
// StartTLS).
func (c *Conn) IsTLS() bool { return c.isTLS }

// CanStartTLS reports whether StartTLS may be offered.
func (c *Conn) CanStartTLS() bool { return !c.isTLS && c.tlsCfg != nil }

// TLSState returns the TLS connection state, if any.
func (c *Conn) TLSState() (tls.ConnectionState, bool) {
	if tc, ok := c.c.(*tls.Conn); ok {
		return tc.ConnectionState(), true
	}
	return tls.ConnectionState{}, false
}

// StartTLS upgrades the connection after the protocol's go-ahead reply has
// been flushed. Whatever the client sent after its STARTTLS command and
// before the handshake is discarded, never executed (RFC 2595 §3.1, spec
// §11 item 13): the buffered reader is thrown away with its contents.
func (c *Conn) StartTLS() error {
	if c.isTLS {
		return ErrAlreadyTLS
	}
	if c.tlsCfg == nil {
		return ErrNoTLS
	}
	if err := c.Flush(); err != nil {
		return err
	}
	if c.r.Buffered() > 0 {
		c.r.Discard(c.r.Buffered())
	}
	return c.handshake()
}

func (c *Conn) handshake() error {
	tc := tls.Server(c.raw, c.tlsCfg)
	// The handshake gets the idle time-out (PreAuthenticatedConnection-
	// Timeout for a frontend), a minute if none is set.
	limit := c.idle
	if limit <= 0 {
		limit = time.Minute
	}
	c.raw.SetDeadline(time.Now().Add(limit))
	if err := tc.Handshake(); err != nil {
		return err
	}
	c.raw.SetDeadline(time.Time{})
	c.c = tc
	c.isTLS = true
	c.r = bufio.NewReaderSize(ackReader{c, tc}, readBufSize)
	c.w = bufio.NewWriterSize(tc, writeBufSize)
	return nil
}

// Close closes the connection.
func (c *Conn) Close() error { return c.c.Close() }

// lingerTime bounds how long a closing connection waits for the client's
// end of stream.
const lingerTime = time.Second

// closeGracefully ends a connection the server chose to end: it sends what
// is buffered, half-closes, and drains the client's unread input for a
// moment before closing. Closing a socket with unread input makes the
// kernel send a reset, which can destroy the last reply (such as "too many
// errors") before the client reads it.
func (c *Conn) closeGracefully() {
	c.Flush()
	if tc, ok := c.c.(*tls.Conn); ok {
		tc.CloseWrite()
	}
	if tcp, ok := c.raw.(*net.TCPConn); ok {
		tcp.CloseWrite()
	}
	c.raw.SetReadDeadline(time.Now().Add(lingerTime))
	io.CopyN(io.Discard, c.raw, 64<<10)
	c.c.Close()
}

// NetConn returns the current underlying connection (TLS after an upgrade).
func (c *Conn) NetConn() net.Conn { return c.c }

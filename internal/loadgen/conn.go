package loadgen

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"time"
)

// ErrProtocol wraps every failed check of a server's reply: the server
// said something a correct server would not.
var ErrProtocol = errors.New("protocol violation")

// protoErr returns a protocol violation error with a short description.
func protoErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrProtocol, fmt.Sprintf(format, args...))
}

// maxLine bounds a status or listing line read by the line clients. Body
// lines of retrieved messages may be longer and are read in pieces.
const maxLine = 64 << 10

// lineConn is a connection read and written by lines, with a deadline
// renewed before every wait and closed when its context ends.
type lineConn struct {
	c       net.Conn
	r       *bufio.Reader
	w       *bufio.Writer
	timeout time.Duration
	stop    func() bool // stops the context watch
}

// dial connects to o.Addr, in TLS from the first byte when o.TLS is
// TLSImplicit. The connection closes when ctx ends.
func dial(ctx context.Context, o *Options) (*lineConn, error) {
	d := net.Dialer{Timeout: o.Timeout}
	c, err := d.DialContext(ctx, "tcp", o.Addr)
	if err != nil {
		return nil, err
	}
	lc := newLineConn(ctx, c, o.Timeout)
	if o.TLS == TLSImplicit {
		if err := lc.startTLS(ctx, o.TLSConfig); err != nil {
			lc.Close()
			return nil, err
		}
	}
	return lc, nil
}

// newLineConn wraps an established connection.
func newLineConn(ctx context.Context, c net.Conn, timeout time.Duration) *lineConn {
	return &lineConn{
		c: c, timeout: timeout,
		r:    bufio.NewReaderSize(c, maxLine),
		w:    bufio.NewWriterSize(c, 4096),
		stop: context.AfterFunc(ctx, func() { c.Close() }),
	}
}

// startTLS runs a client handshake over the connection. The buffered
// reader is replaced: a server must not send anything between its reply
// to STLS/STARTTLS and the handshake (RFC 2595 §4), and if it did, the
// check below catches it.
func (lc *lineConn) startTLS(ctx context.Context, cfg *tls.Config) error {
	if lc.r.Buffered() > 0 {
		return protoErr("%d bytes after the TLS go-ahead", lc.r.Buffered())
	}
	tc := tls.Client(lc.c, cfg)
	lc.c.SetDeadline(time.Now().Add(lc.timeout))
	if err := tc.HandshakeContext(ctx); err != nil {
		return fmt.Errorf("TLS handshake: %w", err)
	}
	lc.c = tc
	lc.r.Reset(tc)
	lc.w.Reset(tc)
	return nil
}

// Close closes the connection without a goodbye.
func (lc *lineConn) Close() error {
	lc.stop()
	return lc.c.Close()
}

// send writes one command line and flushes it.
func (lc *lineConn) send(line string) error {
	lc.c.SetDeadline(time.Now().Add(lc.timeout))
	lc.w.WriteString(line)
	lc.w.WriteString("\r\n")
	return lc.w.Flush()
}

// readLine reads one line of at most maxLine octets and returns it
// without its CRLF. A line ending in a bare LF is a protocol violation.
func (lc *lineConn) readLine() (string, error) {
	lc.c.SetDeadline(time.Now().Add(lc.timeout))
	l, err := lc.r.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		return "", protoErr("reply line over %d octets", maxLine)
	}
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return "", err
	}
	if len(l) < 2 || l[len(l)-2] != '\r' {
		return "", protoErr("reply line %q does not end in CRLF", trunc(l))
	}
	return string(l[:len(l)-2]), nil
}

// trunc shortens a server's line for an error text.
func trunc(b []byte) string {
	if len(b) > 80 {
		return string(b[:80]) + "..."
	}
	return string(b)
}

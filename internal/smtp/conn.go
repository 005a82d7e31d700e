package smtp

import (
	"bufio"
	"net"
	"syscall"
	"time"

	"github.com/postern/postern/internal/netserve"
)

// sessionConn sits between a connection and the session's bufio reader
// and writer. It owns three rules:
//   - Replies are flushed right before a read of the connection, that is
//     only when the client's input already buffered is used up and the
//     session would block (RFC 2920 3.1: PIPELINING servers answer a
//     group together, and must not wait for more input with replies
//     held back).
//   - While streaming (a DATA body) every read gets a fresh deadline, so a
//     long body is bounded per read rather than as a whole (RFC 5321
//     4.5.3.2.5); command reads use the deadline the session set.
//   - No read deadline passes end, the end of the connection's allowed
//     life (SMTP's ConnectionTimeout), when it is set.
//   - Every write gets a fresh write deadline.
//   - Before a read, what arrived is acknowledged at once
//     (netserve.AckNow): a client with Nagle's algorithm on that sends a
//     command in two writes (BDAT's line, then its chunk) would otherwise
//     hold the second until the server's delayed ACK.
type sessionConn struct {
	c         net.Conn
	sock      syscall.RawConn // the TCP socket of sockOf (netserve.Socket)
	sockOf    net.Conn
	out       *bufio.Writer
	timeout   time.Duration
	end       time.Time // zero: no limit on the connection's life
	streaming bool
}

// deadline is the read deadline from now: the idle time-out, cut at end.
func (sc *sessionConn) deadline() time.Time {
	d := time.Now().Add(sc.timeout)
	if !sc.end.IsZero() && sc.end.Before(d) {
		return sc.end
	}
	return d
}

func (sc *sessionConn) Read(p []byte) (int, error) {
	if sc.out.Buffered() > 0 {
		if err := sc.out.Flush(); err != nil {
			return 0, err
		}
	}
	if sc.streaming {
		if err := sc.c.SetReadDeadline(sc.deadline()); err != nil {
			return 0, err
		}
	}
	if sc.sockOf != sc.c {
		sc.sock, sc.sockOf = netserve.Socket(sc.c), sc.c
	}
	netserve.AckNow(sc.sock)
	return sc.c.Read(p)
}

func (sc *sessionConn) Write(p []byte) (int, error) {
	if err := sc.c.SetWriteDeadline(time.Now().Add(sc.timeout)); err != nil {
		return 0, err
	}
	return sc.c.Write(p)
}

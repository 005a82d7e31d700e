package netserve

import "syscall"

// AckNow has the kernel send at once the acknowledgement it may be
// holding back for its delayed-ACK timer (TCP_QUICKACK: setting it sends
// a pending ACK; the option does not stay set). sock may be nil. Call it
// when the session has used up the client's input and is about to wait
// for more: see ackReader for why.
func AckNow(sock syscall.RawConn) {
	if sock == nil {
		return
	}
	sock.Control(func(fd uintptr) { //nolint:errcheck // best effort
		syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_QUICKACK, 1) //nolint:errcheck // best effort
	})
}

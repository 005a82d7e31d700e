package admin

import (
	"net"
	"syscall"
)

// peerCredentials reads SO_PEERCRED: the uid and pid of the process that
// connected to the socket, as the kernel saw them at connect time.
func peerCredentials(c *net.UnixConn) (*peer, error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return nil, err
	}
	var cred *syscall.Ucred
	var cerr error
	if err := raw.Control(func(fd uintptr) {
		cred, cerr = syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	}); err != nil {
		return nil, err
	}
	if cerr != nil {
		return nil, cerr
	}
	return &peer{uid: cred.Uid, pid: cred.Pid}, nil
}

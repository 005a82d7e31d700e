//go:build !linux

package netserve

import "syscall"

// AckNow does nothing where TCP_QUICKACK does not exist.
func AckNow(sock syscall.RawConn) {}

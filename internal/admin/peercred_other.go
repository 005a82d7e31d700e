//go:build !linux

package admin

import (
	"errors"
	"net"
)

// peerCredentials is not available here; the audit log says "local".
func peerCredentials(*net.UnixConn) (*peer, error) {
	return nil, errors.New("peer credentials are not supported on this system")
}

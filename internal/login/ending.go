package login

import (
	"context"
	"errors"
	"io"
	"os"
)

// Ending is why a pre-logon session's read failed, which decides its last
// line: each adapter writes its protocol's goodbye for a shutdown or a
// time-out, and nothing to a client that left.
type Ending int

const (
	// EndClosed: the client closed the connection, or it broke.
	EndClosed Ending = iota
	// EndShutdown: the service is stopping.
	EndShutdown
	// EndTimeout: the client was idle for longer than the pre-logon
	// time-out.
	EndTimeout
)

// ReadFailure classifies a read error of a session whose service runs
// under ctx.
func ReadFailure(ctx context.Context, err error) Ending {
	switch {
	case ctx.Err() != nil:
		return EndShutdown
	case errors.Is(err, os.ErrDeadlineExceeded):
		return EndTimeout
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return EndClosed
	}
	var te interface{ Timeout() bool }
	if errors.As(err, &te) && te.Timeout() {
		return EndTimeout
	}
	return EndClosed
}

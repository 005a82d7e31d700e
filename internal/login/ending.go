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

// MaxStrikes is how many errors (bad commands, failed logons) a session
// may make before logon; at the last one it ends with the protocol's
// "too many errors" line.
const MaxStrikes = 10

// Strikes counts a pre-logon session's errors. The zero value is ready.
type Strikes struct{ n int }

// Add counts one error and reports whether the session must end.
func (s *Strikes) Add() bool {
	s.n++
	return s.n >= MaxStrikes
}

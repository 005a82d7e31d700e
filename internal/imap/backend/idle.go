package backend

import (
	"context"
	"strings"

	"github.com/postern/postern/internal/imap/wire"
)

// idle runs IDLE (RFC 2177): changes to the selected folder are announced
// as they commit, until the client sends DONE.
func (s *session) idle(ctx context.Context, cmd *wire.Command, args *wire.Parser) (reply, error) {
	if args.End(); args.Err() != nil {
		return bad(textArgError), nil
	}
	s.c.WriteString("+ IDLE accepted, awaiting DONE command.\r\n")
	if s.view != nil {
		s.sync(ctx, true)
	}
	if err := s.c.Flush(); err != nil {
		return reply{}, err
	}
	lines := make(chan lineResult, 1)
	go func() { // the only reader of the connection until DONE
		s.c.Reader() // arms the idle time-out
		l, err := s.d.ReadLine()
		lines <- lineResult{string(l), err}
	}()
	for {
		select {
		case r := <-lines:
			if r.err != nil {
				return reply{}, r.err
			}
			if !strings.EqualFold(strings.TrimSpace(r.line), "DONE") {
				return bad("Expected DONE."), nil
			}
			return ok("IDLE completed."), nil
		case <-s.changed:
			if s.view != nil {
				s.sync(ctx, true)
			}
			if err := s.c.Flush(); err != nil {
				return reply{}, err
			}
		case <-ctx.Done():
			// The reader goroutine ends when Run's caller closes the
			// connection.
			s.c.WriteString("* BYE " + textShutdown + "\r\n")
			return reply{}, ctx.Err()
		}
	}
}

type lineResult struct {
	line string
	err  error
}

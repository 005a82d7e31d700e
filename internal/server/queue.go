package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"

	"github.com/postern/postern/internal/directory"
	"github.com/postern/postern/internal/queue"
	"github.com/postern/postern/internal/transport"
)

// Queue returns the outbound queue (for the admin API).
func (s *Server) Queue() *queue.Queue { return s.queue }

// outbound is the submission server's smtp.Queue.
type outbound struct{ s *Server }

// Enqueue stores a message for remote recipients durably.
func (o outbound) Enqueue(ctx context.Context, from string, rcpts []string, body io.Reader, size int64) error {
	_, err := o.s.queue.Enqueue(ctx, from, rcpts, body, size)
	return err
}

// queueRunner is the transport service's delivery of the outbound queue.
type queueRunner struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func (r *queueRunner) stop() {
	r.cancel()
	r.wg.Wait()
}

// startQueueRunner starts delivering the outbound queue.
func (s *Server) startQueueRunner(loopbackOnly bool) *queueRunner {
	log := s.log.With("service", "transport", "part", "queue")
	sender := queue.NewSMTPSender(queue.SenderOptions{
		Hostname:     s.fqdn,
		Route:        s.outboundRoute,
		LoopbackOnly: loopbackOnly,
	})
	runner := queue.NewRunner(queue.RunnerOptions{
		Queue:    s.queue,
		Sender:   sender,
		Bounce:   s.bounce,
		Hostname: s.fqdn,
		Logger:   log,
		Schedule: func(ctx context.Context) queue.Schedule {
			tr, err := s.Transport(ctx)
			if err != nil {
				return queue.DefaultSchedule()
			}
			return transport.Schedule(tr.OutboundSettings)
		},
	})
	ctx, cancel := context.WithCancel(s.ctx)
	r := &queueRunner{cancel: cancel}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		runner.Run(ctx)
	}()
	return r
}

// bounce delivers a DSN to the original sender: into the Inbox when the
// sender is local, else through the queue, with a null reverse-path
// either way (so no DSN is ever sent about it).
func (s *Server) bounce(ctx context.Context, to string, dsn []byte) error {
	_, err := s.dir.Lookup(ctx, to)
	switch {
	case err == nil:
		// Final delivery records the null reverse-path (RFC 5321 4.4).
		msg := append([]byte("Return-Path: <>\r\n"), dsn...)
		errs := delivery{s}.Deliver(ctx, "", []string{to}, bytes.NewReader(msg), int64(len(msg)))
		return errs[0]
	case errors.Is(err, directory.ErrNotFound), errors.Is(err, directory.ErrBadName):
		_, err = s.queue.Enqueue(ctx, "", []string{to}, bytes.NewReader(dsn), int64(len(dsn)))
		return err
	}
	return err
}

package server

import (
	"context"
	"os"
	"path/filepath"

	"github.com/postern/postern/internal/netserve"
	"github.com/postern/postern/internal/smtp"
)

// lmtpHandler runs the LMTP session on a netserve connection.
type lmtpHandler struct{ srv *smtp.LMTPServer }

func (h lmtpHandler) ServeConn(ctx context.Context, c *netserve.Conn) {
	h.srv.ServeConn(ctx, c.NetConn())
}

func (h lmtpHandler) Refuse(c *netserve.Conn, reason string) {
	c.WriteString("421 4.3.2 Too many connections, try again later\r\n")
}

type transportInstance struct {
	srv    *netserve.Server
	runner *queueRunner
}

func (t *transportInstance) listeners() []string { return addrStrings(t.srv) }
func (t *transportInstance) stop() {
	t.srv.Stop(stopGrace)
	t.runner.stop()
}

// startTransport starts the LMTP listeners with the settings stored now,
// and the delivery of the outbound queue.
func (s *Server) startTransport(ctx context.Context) (instance, error) {
	tr, err := s.Transport(ctx)
	if err != nil {
		return nil, err
	}
	log := s.log.With("service", "transport")
	spool := filepath.Join(s.dataDir, "spool")
	if err := os.MkdirAll(spool, 0o700); err != nil {
		return nil, err
	}
	lmtp, err := smtp.NewLMTPServer(smtp.LMTPOptions{
		Hostname:       s.fqdn,
		MaxMessageSize: tr.MaxMessageSize,
		SpoolDir:       spool,
		Deliverer:      delivery{s},
		Logger:         log,
	})
	if err != nil {
		return nil, err
	}
	var ls []netserve.Listen
	for _, b := range tr.LmtpBindings {
		ls = append(ls, netserve.Listen{Addr: b.String()})
	}
	srv, err := netserve.Start(netserve.Options{Name: "transport", Listen: ls, Handler: lmtpHandler{lmtp}, Logger: log, MaxConns: 1000})
	if err != nil {
		return nil, err
	}
	return &transportInstance{srv: srv, runner: s.startQueueRunner(tr.LoopbackOnly)}, nil
}

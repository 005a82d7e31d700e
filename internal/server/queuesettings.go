package server

import (
	"context"

	"github.com/postern/postern/internal/config"
	"github.com/postern/postern/internal/queue"
	"github.com/postern/postern/internal/transport"
)

// UpdateTransport edits the transport settings on a copy, validates and
// stores them. The queue runner reads the outbound settings at each pass,
// so they apply without a restart; LmtpBindings apply at the next start.
func (s *Server) UpdateTransport(ctx context.Context, edit func(*config.TransportSettings) error) (config.TransportSettings, error) {
	tr, err := s.Transport(ctx)
	if err != nil {
		return tr, err
	}
	c := tr
	c.Resolve = map[string]string{}
	for k, v := range tr.Resolve {
		c.Resolve[k] = v
	}
	if err := edit(&c); err != nil {
		return tr, err
	}
	if err := c.OutboundSettings.Validate(); err != nil {
		return tr, err
	}
	if len(c.Resolve) == 0 {
		c.Resolve = nil
	}
	return c, s.saveJSON(ctx, keyTransport, c)
}

// outboundRoute answers the sender's route question from the transport
// settings stored now (transport.Route).
func (s *Server) outboundRoute(ctx context.Context, domain string) (queue.Route, bool, error) {
	tr, err := s.Transport(ctx)
	if err != nil {
		return queue.Route{}, false, err
	}
	return transport.Route(tr.OutboundSettings, domain, s.unseal)
}

package server

import (
	"context"
	"fmt"
	"net"
	"strings"

	"github.com/postern/postern/internal/config"
	"github.com/postern/postern/internal/queue"
)

// OutboundSettings are the transport settings of the outbound queue.
type OutboundSettings struct {
	// Resolve maps a domain to "host:port" for outbound delivery instead
	// of its MX records: the test resolver, so that tests need no DNS.
	Resolve map[string]string `json:"Resolve,omitempty"`
	// LoopbackOnly makes outbound delivery refuse every address outside
	// 127.0.0.0/8 and ::1; set on servers created with --local.
	LoopbackOnly bool `json:"LoopbackOnly,omitempty"`
	// RetryIntervals are the waits after the first, second, ... failed
	// attempt (the last repeats); empty means 1m, 5m, 15m, 30m, 1h.
	RetryIntervals []config.TimeSpan `json:"RetryIntervals,omitempty"`
	// MessageExpirationTimeout gives up on a recipient this long after
	// the message arrived (Exchange's default: 2 days); 0 is the default.
	MessageExpirationTimeout config.TimeSpan `json:"MessageExpirationTimeout,omitempty"`
	// DelayNotificationTimeout sends one "delayed" DSN for a recipient
	// still failing this long after the message arrived (Exchange's
	// default: 4 hours); 0 is the default. One at least as long as the
	// expiration sends none.
	DelayNotificationTimeout config.TimeSpan `json:"DelayNotificationTimeout,omitempty"`
	// SendConnectors route remote domains (sendconnectors.go). With none,
	// every domain goes to its MX hosts; with some, a domain none of
	// them matches is not routable (5.4.4), as in Exchange.
	SendConnectors []SendConnector `json:"SendConnectors,omitempty"`
}

// schedule is the queue's retry schedule.
func (o OutboundSettings) schedule() queue.Schedule {
	sc := queue.DefaultSchedule()
	if len(o.RetryIntervals) > 0 {
		sc.Intervals = nil
		for _, t := range o.RetryIntervals {
			sc.Intervals = append(sc.Intervals, t.Duration())
		}
	}
	if o.MessageExpirationTimeout > 0 {
		sc.Expiration = o.MessageExpirationTimeout.Duration()
	}
	if o.DelayNotificationTimeout > 0 {
		sc.DelayNotification = o.DelayNotificationTimeout.Duration()
	}
	return sc
}

// Validate checks the outbound settings.
func (o OutboundSettings) Validate() error {
	for d, hp := range o.Resolve {
		if d == "" || strings.ContainsAny(d, " @") {
			return fmt.Errorf("Resolve: %q is not a domain", d)
		}
		if _, _, err := net.SplitHostPort(hp); err != nil {
			return fmt.Errorf("Resolve: %s=%s: want host:port", d, hp)
		}
	}
	for _, t := range o.RetryIntervals {
		if t <= 0 {
			return fmt.Errorf("RetryIntervals must be positive")
		}
	}
	if o.MessageExpirationTimeout < 0 || o.DelayNotificationTimeout < 0 {
		return fmt.Errorf("MessageExpirationTimeout and DelayNotificationTimeout must not be negative")
	}
	return nil
}

// UpdateTransport edits the transport settings on a copy, validates and
// stores them. The queue runner reads the outbound settings at each pass,
// so they apply without a restart; LmtpBindings apply at the next start.
func (s *Server) UpdateTransport(ctx context.Context, edit func(*TransportSettings) error) (TransportSettings, error) {
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

// outboundRoute answers the sender's route question from the test
// resolver, then the send connectors.
func (s *Server) outboundRoute(ctx context.Context, domain string) (queue.Route, bool, error) {
	tr, err := s.Transport(ctx)
	if err != nil {
		return queue.Route{}, false, err
	}
	for d, hp := range tr.Resolve {
		if strings.EqualFold(d, domain) {
			return queue.Route{Hosts: []string{hp}}, true, nil
		}
	}
	if len(tr.SendConnectors) == 0 {
		return queue.Route{}, false, nil
	}
	c, ok := matchSendConnector(tr.SendConnectors, domain)
	if !ok {
		return queue.Route{}, false, queue.ErrNoRoute
	}
	r := c.route()
	if r.AuthPassword, err = s.unseal(r.AuthPassword); err != nil {
		return queue.Route{}, false, fmt.Errorf("send connector %q: %w", c.Name, err)
	}
	return r, true, nil
}

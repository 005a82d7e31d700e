package config

import (
	"fmt"
	"net"
	"strings"
)

// TransportSettings are the transport service's settings.
type TransportSettings struct {
	// LmtpBindings are the LMTP listeners (RFC 2033) for outside MTAs and
	// load tools. Loopback by default: LMTP has no authentication.
	LmtpBindings []Binding `json:"LmtpBindings"`
	// MaxMessageSize bounds one message, in bytes.
	MaxMessageSize int64 `json:"MaxMessageSize"`
	// The outbound queue's settings.
	OutboundSettings
}

// DefaultTransportSettings are a fresh server's transport settings.
func DefaultTransportSettings() TransportSettings {
	b, _ := ParseBinding("127.0.0.1:24")
	return TransportSettings{LmtpBindings: []Binding{b}, MaxMessageSize: 36 << 20}
}

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
	RetryIntervals []TimeSpan `json:"RetryIntervals,omitempty"`
	// MessageExpirationTimeout gives up on a recipient this long after
	// the message arrived (Exchange's default: 2 days); 0 is the default.
	MessageExpirationTimeout TimeSpan `json:"MessageExpirationTimeout,omitempty"`
	// DelayNotificationTimeout sends one "delayed" DSN for a recipient
	// still failing this long after the message arrived (Exchange's
	// default: 4 hours); 0 is the default. One at least as long as the
	// expiration sends none.
	DelayNotificationTimeout TimeSpan `json:"DelayNotificationTimeout,omitempty"`
	// SendConnectors route remote domains (sendconnector.go). With none,
	// every domain goes to its MX hosts; with some, a domain none of
	// them matches is not routable (5.4.4), as in Exchange.
	SendConnectors []SendConnector `json:"SendConnectors,omitempty"`
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

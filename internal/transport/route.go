// Package transport is outbound routing: where the queue sends mail for a
// remote domain, decided from the transport settings (config.
// OutboundSettings: the test resolver and the send connectors), and the
// queue's retry schedule under those settings. Plain functions over the
// settings; the server loads the settings and calls them.
package transport

import (
	"fmt"
	"net"
	"strings"

	"github.com/postern/postern/internal/config"
	"github.com/postern/postern/internal/queue"
)

// Route answers the queue's route question for a domain: the test
// resolver (Resolve) first, then the send connectors. ok false with no
// error means the domain's MX hosts; with send connectors but none that
// matches, the domain is not routable (queue.ErrNoRoute), as in Exchange.
// unseal opens the connector's stored smarthost password.
func Route(o config.OutboundSettings, domain string, unseal func(string) (string, error)) (queue.Route, bool, error) {
	for d, hp := range o.Resolve {
		if strings.EqualFold(d, domain) {
			return queue.Route{Hosts: []string{hp}}, true, nil
		}
	}
	if len(o.SendConnectors) == 0 {
		return queue.Route{}, false, nil
	}
	c, ok := MatchSendConnector(o.SendConnectors, domain)
	if !ok {
		return queue.Route{}, false, queue.ErrNoRoute
	}
	r := ConnectorRoute(c)
	var err error
	if r.AuthPassword, err = unseal(r.AuthPassword); err != nil {
		return queue.Route{}, false, fmt.Errorf("send connector %q: %w", c.Name, err)
	}
	return r, true, nil
}

// MatchSendConnector picks the enabled connector whose address space
// matches domain most specifically (a domain over *.domain over *).
func MatchSendConnector(list []config.SendConnector, domain string) (config.SendConnector, bool) {
	domain = strings.ToLower(domain)
	best, bestScore := config.SendConnector{}, -1
	for _, c := range list {
		if !c.Enabled {
			continue
		}
		for _, a := range c.AddressSpaces {
			score := -1
			switch {
			case a == "*":
				score = 0
			case strings.HasPrefix(a, "*."):
				if strings.HasSuffix(domain, a[1:]) {
					score = len(a)
				}
			case a == domain:
				score = len(a) + 1000
			}
			if score > bestScore {
				best, bestScore = c, score
			}
		}
	}
	return best, bestScore >= 0
}

// ConnectorRoute turns a connector into the sender's route, its password
// as the connector keeps it.
func ConnectorRoute(c config.SendConnector) queue.Route {
	r := queue.Route{Port: c.Port, RequireTLS: c.RequireTLS,
		VerifyTLS: c.TlsAuthLevel == config.TlsAuthCertificateValidation || c.TlsAuthLevel == config.TlsAuthDomainValidation}
	for _, h := range c.SmartHosts {
		if ip := net.ParseIP(strings.Trim(h, "[]")); ip != nil {
			h = ip.String()
		}
		r.Hosts = append(r.Hosts, h)
	}
	if c.SmartHostAuthMechanism == config.SmartHostAuthBasic || c.SmartHostAuthMechanism == config.SmartHostAuthBasicRequireTLS {
		r.AuthUser, r.AuthPassword = c.AuthenticationUser, c.AuthenticationPassword
		r.AuthRequireTLS = c.SmartHostAuthMechanism == config.SmartHostAuthBasicRequireTLS
	}
	return r
}

// Schedule is the queue's retry schedule under the outbound settings.
func Schedule(o config.OutboundSettings) queue.Schedule {
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

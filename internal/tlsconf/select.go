package tlsconf

import (
	"crypto/tls"
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Match ranks, best last.
const (
	noMatch = iota
	wildcardMatch
	exactMatch
)

// foldName lower-cases a host name and drops one trailing dot.
func foldName(n string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(n)), ".")
}

// match tells how the entry answers to the folded name: an exact DNS name
// (or CN when the certificate has no SANs), an IP SAN, or a wildcard
// "*.example.com" standing for exactly one left-most label.
func (e *entry) match(name string) int {
	if ip, err := netip.ParseAddr(name); err == nil {
		for _, a := range e.ips {
			if a == ip.Unmap() {
				return exactMatch
			}
		}
		return noMatch
	}
	rank := noMatch
	for _, n := range e.names {
		if n == name {
			return exactMatch
		}
		if suffix, ok := strings.CutPrefix(n, "*."); ok {
			label, rest, found := strings.Cut(name, ".")
			if found && label != "" && rest == suffix {
				rank = wildcardMatch
			}
		}
	}
	return rank
}

// pick returns the best valid entry for name, or nil. When service is not
// empty only entries enabled for it are considered.
func (cs *certSet) pick(name string, now time.Time, service string) *entry {
	name = foldName(name)
	if name == "" {
		return nil
	}
	var best *entry
	bestRank := noMatch
	for _, e := range cs.entries { // sorted by thumbprint: ties keep the first
		if !e.validAt(now) || (service != "" && !e.hasService(service)) {
			continue
		}
		r := e.match(name)
		if r == noMatch {
			continue
		}
		if best == nil || r > bestRank ||
			r == bestRank && e.info.NotAfter.After(best.info.NotAfter) {
			best, bestRank = e, r
		}
	}
	return best
}

// Select returns the certificate X509CertificateName = name designates
// (spec §2): a valid certificate whose SAN (or CN, if it has no SANs)
// equals name, ignoring case, else one whose wildcard SAN covers it; the
// latest NotAfter wins among equals. The result is shared: do not modify it.
func (s *Store) Select(name string) (*tls.Certificate, error) {
	e := s.set.Load().pick(name, s.now(), "")
	if e == nil {
		return nil, fmt.Errorf("%w: %q", ErrNoMatch, name)
	}
	return &e.pair, nil
}

package web

import (
	"context"
	"net"
	"strings"
)

// maxDomain bounds a domain name (RFC 1035: 253 characters).
const maxDomain = 253

// addressDomain returns the folded domain of an address (the part after
// the last @), or "" if there is none.
func addressDomain(address string) string {
	i := strings.LastIndexByte(address, '@')
	if i < 0 {
		return ""
	}
	return foldDomain(address[i+1:])
}

// foldDomain lower-cases a domain and drops a trailing dot; an over-long
// name gives "".
func foldDomain(d string) string {
	d = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(d)), ".")
	if len(d) > maxDomain {
		return ""
	}
	return d
}

// hostDomain is the domain a request names by its Host header, as
// Thunderbird asks autoconfig.<domain> and Outlook autodiscover.<domain>.
func hostDomain(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = foldDomain(host)
	for _, p := range []string{"autoconfig.", "autodiscover."} {
		host = strings.TrimPrefix(host, p)
	}
	return host
}

// accepted reports whether domain is one of the accepted domains; a
// directory error counts as no (and is logged).
func (h *Handler) accepted(ctx context.Context, domain string) bool {
	if domain == "" {
		return false
	}
	list, err := h.o.Accounts.AcceptedDomains(ctx)
	if err != nil {
		h.o.Logger.Error("reading the accepted domains", "err", err)
		return false
	}
	for _, d := range list {
		if strings.EqualFold(d, domain) {
			return true
		}
	}
	return false
}

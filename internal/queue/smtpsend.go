package queue

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/postern/postern/internal/smtp"
)

// Route is where the mail for one domain goes instead of its MX hosts: a
// test resolver entry or a smarthost send connector.
type Route struct {
	// Hosts are tried in order; each is "host" or "host:port".
	Hosts []string
	// Port is used for a host without one; default 25.
	Port int
	// RequireTLS refuses to send without STARTTLS; VerifyTLS checks the
	// server's certificate against RootCAs and the host name.
	RequireTLS bool
	VerifyTLS  bool
	// AuthUser and AuthPassword log on to a smarthost with AUTH PLAIN
	// (RFC 4954), only under TLS when AuthRequireTLS.
	AuthUser, AuthPassword string
	AuthRequireTLS         bool
}

// ErrNoRoute is a Route answer: no send connector covers the domain.
var ErrNoRoute = errors.New("unable to route: no send connector covers the domain")

// SenderOptions configure an SMTPSender.
type SenderOptions struct {
	// Hostname is said in EHLO: the server's FQDN.
	Hostname string
	// Route returns a configured route for a domain; ok false means the
	// domain's MX records decide.
	Route func(ctx context.Context, domain string) (r Route, ok bool, err error)
	// LoopbackOnly refuses every address outside 127.0.0.0/8 and ::1: for
	// tests and for servers created with --local.
	LoopbackOnly bool
	// Resolver looks up MX and address records; nil is net.DefaultResolver.
	Resolver *net.Resolver
	// RootCAs verify certificates when a route asks; nil is the system's.
	RootCAs *x509.CertPool
	// ConnectTimeout bounds one connection attempt; default 30 seconds.
	ConnectTimeout time.Duration
	// Timeout bounds one whole transaction; default 10 minutes.
	Timeout time.Duration
}

// SMTPSender delivers queued mail over SMTP (RFC 5321) to a domain's MX
// hosts (falling back to its address records, 5.1) or a configured
// route, with STARTTLS whenever offered (opportunistic, RFC 7435: the
// certificate is not checked unless the route says so).
type SMTPSender struct{ o SenderOptions }

// NewSMTPSender returns a sender.
func NewSMTPSender(o SenderOptions) *SMTPSender {
	if o.Resolver == nil {
		o.Resolver = net.DefaultResolver
	}
	if o.ConnectTimeout == 0 {
		o.ConnectTimeout = 30 * time.Second
	}
	if o.Timeout == 0 {
		o.Timeout = 10 * time.Minute
	}
	return &SMTPSender{o: o}
}

// errHost is a failure of one host: the next one is tried.
type errHost struct{ err error }

func (e errHost) Error() string { return e.err.Error() }

// Send delivers to the recipients of one domain.
func (s *SMTPSender) Send(ctx context.Context, domain string, env Envelope, body io.ReadSeeker) []Result {
	route, err := s.route(ctx, domain)
	if errors.Is(err, ErrNoRoute) {
		err = permanentError{"5.4.4", domain + ": " + err.Error()}
	}
	if err != nil {
		var perm permanentError
		if errors.As(err, &perm) {
			return repeat(Result{Err: err, Permanent: true, Status: perm.status}, len(env.Rcpts))
		}
		return repeat(Result{Err: err, Status: "4.4.3"}, len(env.Rcpts))
	}
	var last error = errors.New("no host to connect to")
	for _, h := range route.Hosts {
		host, port := splitHostPort(h, route.Port)
		addrs, err := s.addresses(ctx, host)
		if err != nil {
			last = err
			continue
		}
		for _, a := range addrs {
			res, err := s.tryAddr(ctx, host, netip.AddrPortFrom(a, port), route, env, body)
			if err == nil {
				return res
			}
			last = fmt.Errorf("%s: %w", host, err)
			if ctx.Err() != nil {
				return repeat(Result{Err: ctx.Err(), Status: "4.4.2"}, len(env.Rcpts))
			}
		}
	}
	return repeat(Result{Err: last, Status: "4.4.1"}, len(env.Rcpts))
}

// permanentError is a routing failure that will not change by retrying.
type permanentError struct {
	status string
	msg    string
}

func (e permanentError) Error() string { return e.msg }

// route returns the configured route or the MX hosts of domain.
func (s *SMTPSender) route(ctx context.Context, domain string) (Route, error) {
	if s.o.Route != nil {
		r, ok, err := s.o.Route(ctx, domain)
		if err != nil {
			return Route{}, err
		}
		if ok && len(r.Hosts) > 0 {
			return r, nil
		}
		if ok { // a connector routing by DNS: MX hosts, its port and TLS
			mx, err := s.mxRoute(ctx, domain)
			mx.Port, mx.RequireTLS, mx.VerifyTLS = r.Port, r.RequireTLS, r.VerifyTLS
			return mx, err
		}
	}
	return s.mxRoute(ctx, domain)
}

// mxRoute returns the MX hosts of domain, or the domain itself.
func (s *SMTPSender) mxRoute(ctx context.Context, domain string) (Route, error) {
	if s.o.LoopbackOnly {
		// No DNS at all: only configured routes lead anywhere.
		return Route{}, fmt.Errorf("no route to %s: the transport is loopback-only and no Resolve entry names it", domain)
	}
	mx, err := s.o.Resolver.LookupMX(ctx, domain)
	var de *net.DNSError
	if errors.As(err, &de) && de.IsNotFound || err == nil && len(mx) == 0 {
		// No MX: the domain itself is the host (RFC 5321 5.1).
		return Route{Hosts: []string{domain}}, nil
	}
	if err != nil {
		return Route{}, fmt.Errorf("looking up MX for %s: %w", domain, err)
	}
	if len(mx) == 1 && (mx[0].Host == "." || mx[0].Host == "") {
		return Route{}, permanentError{"5.1.10", domain + " accepts no mail (null MX, RFC 7505)"}
	}
	r := Route{}
	for _, m := range mx { // already sorted by preference
		r.Hosts = append(r.Hosts, strings.TrimSuffix(m.Host, "."))
	}
	return r, nil
}

func splitHostPort(h string, port int) (string, uint16) {
	if port == 0 {
		port = 25
	}
	if host, p, err := net.SplitHostPort(h); err == nil {
		if n, err := strconv.ParseUint(p, 10, 16); err == nil {
			return host, uint16(n)
		}
	}
	return strings.Trim(h, "[]"), uint16(port)
}

// addresses resolves host, keeping only loopback ones when LoopbackOnly.
func (s *SMTPSender) addresses(ctx context.Context, host string) ([]netip.Addr, error) {
	var addrs []netip.Addr
	if a, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{a}
	} else if s.o.LoopbackOnly && strings.EqualFold(host, "localhost") {
		addrs = []netip.Addr{netip.MustParseAddr("127.0.0.1")}
	} else if s.o.LoopbackOnly {
		return nil, fmt.Errorf("%s: only addresses and localhost are used when the transport is loopback-only", host)
	} else {
		ips, err := s.o.Resolver.LookupNetIP(ctx, "ip", host)
		if err != nil {
			return nil, fmt.Errorf("looking up %s: %w", host, err)
		}
		addrs = ips
	}
	if !s.o.LoopbackOnly {
		return addrs, nil
	}
	var out []netip.Addr
	for _, a := range addrs {
		if a.Unmap().IsLoopback() {
			out = append(out, a.Unmap())
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: refusing a non-loopback address (the transport is loopback-only)", host)
	}
	return out, nil
}

// tryAddr connects to one address and runs the transaction, first with
// STARTTLS when offered, then, if the handshake fails and the route does
// not require TLS, once more in the clear (RFC 7435 opportunistic
// security). An error means the next address is to be tried.
func (s *SMTPSender) tryAddr(ctx context.Context, host string, ap netip.AddrPort, route Route, env Envelope, body io.ReadSeeker) ([]Result, error) {
	res, err := s.attempt(ctx, host, ap, route, env, body, true)
	var te tlsError
	if errors.As(err, &te) && !route.RequireTLS && !route.VerifyTLS {
		return s.attempt(ctx, host, ap, route, env, body, false)
	}
	return res, err
}

type tlsError struct{ error }

func (s *SMTPSender) attempt(ctx context.Context, host string, ap netip.AddrPort, route Route, env Envelope, body io.ReadSeeker, useTLS bool) ([]Result, error) {
	d := net.Dialer{Timeout: s.o.ConnectTimeout}
	conn, err := d.DialContext(ctx, "tcp", ap.String())
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(s.o.Timeout))
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
	defer stop()
	c, err := smtp.NewClient(conn)
	if err != nil {
		return nil, fmt.Errorf("greeting: %w", err)
	}
	defer c.Close()
	if err := c.EHLO(s.o.Hostname); err != nil {
		var re *smtp.ReplyError
		if !errors.As(err, &re) || re.Reply.Code.Class() != 5 {
			return nil, fmt.Errorf("EHLO: %w", err)
		}
		// A server that does not know EHLO gets HELO (RFC 5321 3.2).
		if err := c.HELO(s.o.Hostname); err != nil {
			return nil, fmt.Errorf("HELO: %w", err)
		}
	}
	if _, ok := c.Extension("STARTTLS"); ok && useTLS {
		cfg := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12, RootCAs: s.o.RootCAs, InsecureSkipVerify: !route.VerifyTLS}
		if err := c.StartTLS(cfg); err != nil {
			return nil, tlsError{fmt.Errorf("STARTTLS: %w", err)}
		}
		if err := c.EHLO(s.o.Hostname); err != nil {
			return nil, fmt.Errorf("EHLO after STARTTLS: %w", err)
		}
	}
	if (route.RequireTLS || route.VerifyTLS) && !c.IsTLS() {
		return nil, errors.New("the route requires TLS and the server offers no STARTTLS")
	}
	if route.AuthUser != "" {
		if route.AuthRequireTLS && !c.IsTLS() {
			return nil, errors.New("the route authenticates only under TLS and the server offers no STARTTLS")
		}
		if err := c.AuthPlain(route.AuthUser, route.AuthPassword); err != nil {
			return nil, fmt.Errorf("AUTH: %w", err)
		}
	}
	var params []string
	if v, ok := c.Extension("SIZE"); ok {
		if max, err := strconv.ParseInt(v, 10, 64); err == nil && max > 0 && env.Size > max {
			return repeat(Result{Err: fmt.Errorf("message of %d octets exceeds %s's limit of %d", env.Size, host, max),
				Permanent: true, Status: "5.3.4", RemoteMTA: host}, len(env.Rcpts)), nil
		}
		params = append(params, "SIZE="+strconv.FormatInt(env.Size, 10))
	}
	if _, ok := c.Extension("8BITMIME"); ok && env.EightBit {
		params = append(params, "BODY=8BITMIME")
	}
	if needsUTF8(env) {
		// A non-ASCII address goes only to a server that takes SMTPUTF8
		// (RFC 6531 3.2, 3.6: 5.6.7 otherwise).
		if _, ok := c.Extension("SMTPUTF8"); !ok {
			return repeat(Result{Err: fmt.Errorf("%s does not offer SMTPUTF8, needed for a non-ASCII address", host),
				Permanent: true, Status: "5.6.7", RemoteMTA: host}, len(env.Rcpts)), nil
		}
		params = append(params, "SMTPUTF8")
	}
	c.SetMailParams(strings.Join(params, " "))
	per, err := c.Send(env.From, env.Rcpts, body)
	var re *smtp.ReplyError
	switch {
	case errors.As(err, &re):
		// MAIL or DATA refused: the same answer for every recipient.
		r := replyResult(re, host)
		return repeat(r, len(env.Rcpts)), nil
	case err != nil:
		return nil, err
	}
	out := make([]Result, len(per))
	for i, e := range per {
		out[i] = Result{RemoteMTA: host}
		if errors.As(e, &re) {
			out[i] = replyResult(re, host)
		} else if e != nil {
			out[i] = Result{Err: e, Status: "4.4.2", RemoteMTA: host}
		}
	}
	c.Quit()
	return out, nil
}

// replyResult turns a refusal into a Result.
func replyResult(re *smtp.ReplyError, host string) Result {
	rp := re.Reply
	class := rp.Code.Class()
	status := strconv.Itoa(class) + ".0.0"
	if rp.Status != "" {
		status = strconv.Itoa(class) + "." + string(rp.Status)
	}
	return Result{
		Err:        fmt.Errorf("%s said: %s", host, rp.String()),
		Permanent:  class == 5,
		Status:     status,
		Diagnostic: "smtp; " + rp.String(),
		RemoteMTA:  host,
	}
}

// needsUTF8 reports a non-ASCII address in the envelope.
func needsUTF8(env Envelope) bool {
	for _, a := range append([]string{env.From}, env.Rcpts...) {
		for i := 0; i < len(a); i++ {
			if a[i] >= 0x80 {
				return true
			}
		}
	}
	return false
}

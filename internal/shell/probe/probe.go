package probe

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// probe is the client side of a connectivity test: one connection, read
// line by line. It never writes what it sends anywhere, so the password
// stays between it and the server.
type probe struct {
	conn net.Conn
	r    *bufio.Reader
}

// maxProbeLine bounds a reply line.
const maxProbeLine = 8 << 10

func (p *probe) send(line string) error {
	_, err := p.conn.Write([]byte(line + "\r\n"))
	return err
}

func (p *probe) line() (string, error) {
	var b []byte
	for {
		chunk, isPrefix, err := p.r.ReadLine()
		if err != nil {
			return "", err
		}
		b = append(b, chunk...)
		if len(b) > maxProbeLine {
			return "", errors.New("the server sent a line that is too long")
		}
		if !isPrefix {
			return string(b), nil
		}
	}
}

// startTLS upgrades the connection after STLS/STARTTLS was accepted.
func (p *probe) startTLS(conf *tls.Config) error {
	tc := tls.Client(p.conn, conf)
	if err := tc.Handshake(); err != nil {
		return fmt.Errorf("TLS handshake: %w", err)
	}
	p.conn, p.r = tc, bufio.NewReader(tc)
	return nil
}

// dialProbe connects to addr for at most timeout (and never past ctx),
// with TLS from the first byte when implicit is set, and runs fn on the
// connection.
func dialProbe(ctx context.Context, addr string, timeout time.Duration, conf *tls.Config, implicit bool, fn func(p *probe) error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	d := &net.Dialer{}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	deadline, _ := ctx.Deadline()
	conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
	defer stop()
	p := &probe{conn: conn, r: bufio.NewReader(conn)}
	if implicit {
		if err := p.startTLS(conf); err != nil {
			return err
		}
	}
	return fn(p)
}

// Protocol is one protocol's side of a connectivity test: POP3 or IMAP4.
type Protocol interface {
	// Service is Postern's frontend service name; Label the protocol's.
	Service() string
	Label() string
	// logon runs the conversation on p up to an authenticated session:
	// greeting, STLS/STARTTLS when upgrade is set, logon.
	logon(p *probe, upgrade func() error, user, password string) error
	// logout ends the session (committing deletions).
	logout(p *probe) error
	// findDelete finds the test message by the marker in its Subject and
	// deletes it, or returns errNotYet.
	findDelete(p *probe, marker string) error
}

// The protocols a connectivity test speaks.
var (
	POP3  Protocol = popProbe{}
	IMAP4 Protocol = imapProbe{}
)

// Target is where and how a test connects: Addr is host:port, and Kind
// the ConnectionType: "Ssl" is TLS from the first byte, "Tls" upgrades
// with STLS/STARTTLS before the logon, anything else stays in clear.
type Target struct {
	Addr, Kind string
}

// Logon connects to t for at most timeout, logs on with the protocol as
// user, and logs out.
func Logon(ctx context.Context, t Target, timeout time.Duration, conf *tls.Config, pp Protocol, user, password string) error {
	return runProbe(ctx, t, timeout, conf, pp, user, password, nil)
}

// runProbe connects, logs on with the protocol, runs work (when not nil)
// in the authenticated session, and logs out.
func runProbe(ctx context.Context, t Target, timeout time.Duration, conf *tls.Config, pp Protocol, user, password string, work func(p *probe) error) error {
	return dialProbe(ctx, t.Addr, timeout, conf, strings.EqualFold(t.Kind, "Ssl"), func(p *probe) error {
		var upgrade func() error
		if strings.EqualFold(t.Kind, "Tls") {
			upgrade = func() error { return p.startTLS(conf) }
		}
		if err := pp.logon(p, upgrade, user, password); err != nil {
			return err
		}
		if work != nil {
			if err := work(p); err != nil {
				return err
			}
		}
		return pp.logout(p)
	})
}

// popProbe logs on over POP3 (RFC 1939, STLS from RFC 2595).
type popProbe struct{}

func (popProbe) Service() string { return "pop3" }
func (popProbe) Label() string   { return "POP3" }

func (popProbe) logon(p *probe, upgrade func() error, user, password string) error {
	if strings.ContainsAny(user+password, "\r\n") {
		return errors.New("the user name or password contains a line break")
	}
	if _, err := popReply(p); err != nil {
		return fmt.Errorf("greeting: %w", err)
	}
	if upgrade != nil {
		if err := popCmd(p, "STLS"); err != nil {
			return fmt.Errorf("STLS: %w", err)
		}
		if err := upgrade(); err != nil {
			return err
		}
	}
	if err := popCmd(p, "USER "+user); err != nil {
		return fmt.Errorf("USER: %w", err)
	}
	if err := popCmd(p, "PASS "+password); err != nil {
		return fmt.Errorf("PASS: %w", err)
	}
	return nil
}

// logout is QUIT, which also commits any DELE (RFC 1939 UPDATE state).
func (popProbe) logout(p *probe) error {
	if err := popCmd(p, "QUIT"); err != nil {
		return fmt.Errorf("QUIT: %w", err)
	}
	return nil
}

func popCmd(p *probe, cmd string) error {
	if err := p.send(cmd); err != nil {
		return err
	}
	_, err := popReply(p)
	return err
}

func popReply(p *probe) (string, error) {
	l, err := p.line()
	if err != nil {
		return "", err
	}
	if !strings.HasPrefix(l, "+OK") {
		return "", fmt.Errorf("the server answered %q", l)
	}
	return l, nil
}

// imapProbe logs on over IMAP4 (RFC 3501: LOGIN, STARTTLS, LOGOUT).
type imapProbe struct{}

func (imapProbe) Service() string { return "imap4" }
func (imapProbe) Label() string   { return "IMAP4" }

func (imapProbe) logon(p *probe, upgrade func() error, user, password string) error {
	g, err := p.line()
	if err != nil {
		return fmt.Errorf("greeting: %w", err)
	}
	if !strings.HasPrefix(g, "* OK") {
		return fmt.Errorf("greeting: the server answered %q", g)
	}
	if upgrade != nil {
		if err := imapCmd(p, "a1", "STARTTLS"); err != nil {
			return fmt.Errorf("STARTTLS: %w", err)
		}
		if err := upgrade(); err != nil {
			return err
		}
	}
	if err := imapLogin(p, user, password); err != nil {
		return fmt.Errorf("LOGIN: %w", err)
	}
	return nil
}

func (imapProbe) logout(p *probe) error {
	if err := imapCmd(p, "z9", "LOGOUT"); err != nil {
		return fmt.Errorf("LOGOUT: %w", err)
	}
	return nil
}

// imapLogin sends LOGIN with both arguments as quoted strings, or as
// LITERAL+ literals when they hold characters a quoted string cannot.
func imapLogin(p *probe, user, password string) error {
	var b strings.Builder
	b.WriteString("a2 LOGIN")
	for _, s := range []string{user, password} {
		b.WriteByte(' ')
		if strings.ContainsAny(s, "\r\n\x00") || strings.IndexFunc(s, func(r rune) bool { return r > 126 }) >= 0 {
			b.WriteString("{" + strconv.Itoa(len(s)) + "+}\r\n" + s)
			continue
		}
		b.WriteString(`"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`)
	}
	if err := p.send(b.String()); err != nil {
		return err
	}
	return imapTagged(p, "a2")
}

func imapCmd(p *probe, tag, cmd string) error {
	_, err := imapUntagged(p, tag, cmd, "")
	return err
}

func imapTagged(p *probe, tag string) error {
	_, err := imapReplies(p, tag, "")
	return err
}

// imapUntagged sends a command and returns the untagged replies that
// start with prefix (e.g. "* SEARCH").
func imapUntagged(p *probe, tag, cmd, prefix string) ([]string, error) {
	if err := p.send(tag + " " + cmd); err != nil {
		return nil, err
	}
	return imapReplies(p, tag, prefix)
}

// maxProbeReplies bounds the untagged replies kept for one command.
const maxProbeReplies = 1000

// imapReplies reads to the tagged reply and requires OK, keeping the
// untagged lines that start with prefix when prefix is set.
func imapReplies(p *probe, tag, prefix string) ([]string, error) {
	var kept []string
	for {
		l, err := p.line()
		if err != nil {
			return nil, err
		}
		if !strings.HasPrefix(l, tag+" ") {
			if prefix != "" && strings.HasPrefix(strings.ToUpper(l), prefix) {
				if len(kept) == maxProbeReplies {
					return nil, errors.New("the server sent too many replies")
				}
				kept = append(kept, l)
			}
			continue
		}
		if rest := strings.TrimPrefix(l, tag+" "); !strings.HasPrefix(strings.ToUpper(rest), "OK") {
			return nil, fmt.Errorf("the server answered %q", rest)
		}
		return kept, nil
	}
}

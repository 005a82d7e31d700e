// Package pop3 is the POP3 frontend service's pre-login adapter: it speaks
// the AUTHORIZATION state (greeting, CAPA, STLS, USER/PASS, AUTH, QUIT) over
// the shared login engine, then hands the authenticated session to the
// backend that holds the mailbox (package pop3/backend, reached through
// package proxy). It never touches mailbox data.
//
// Reply texts follow Exchange (spec §4.1, §12) so scripts written against
// Exchange keep working.
package pop3

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/postern/postern/internal/login"
	"github.com/postern/postern/internal/netserve"
	"github.com/postern/postern/internal/pop3/wire"
	"github.com/postern/postern/internal/protolog"
)

// Fixed client texts (spec §4.1).
const (
	textBadState    = "Command is not valid in this state."
	textLogonOK     = "User successfully logged on."
	textLogonFailed = "Logon failure: unknown user name or bad password."
	textThrottled   = "Too many failed logons. Try again later."
	textTimeout     = "Connection timed out."
	textUserLimit   = "Too many concurrent connections for this user."
	textUnavailable = "The mailbox server is unavailable. Try again later."
	textProtocol    = "Protocol error."
	textTooLong     = "Command is too long."
	textTooManyErrs = "Too many errors. Closing connection."
	textBeginTLS    = "Begin TLS negotiation."
	textSignOff     = "Postern POP3 server signing off."
	textShutdown    = "The POP3 service is shutting down."
	textRefused     = "Too many connections. Try again later."
	textAuthCancel  = "Authentication cancelled."
	textUnknownMech = "Unrecognized authentication type."
)

// maxSASLLine bounds a SASL response line (a base64 PLAIN response of a
// long user name and password fits with room to spare).
const maxSASLLine = 8192

// FrontendOptions are the frontend settings (shared by every protocol).
type FrontendOptions = login.FrontendOptions

// Frontend serves POP3 clients until they log on.
type Frontend struct{ o FrontendOptions }

// NewFrontend returns a frontend.
func NewFrontend(o FrontendOptions) *Frontend { return &Frontend{o: o.WithDefaults()} }

// Refuse answers a connection over a connection limit.
func (f *Frontend) Refuse(c *netserve.Conn, reason string) {
	wire.Err(c.Writer(), textRefused)
}

// preLogin is one connection's state before logon.
type preLogin struct {
	f    *Frontend
	c    *netserve.Conn
	log  *slog.Logger
	plog *protolog.Session
	user string // from USER, waiting for PASS
	bad  login.Strikes
	// start is when the command being run arrived.
	start time.Time
}

// ServeConn runs one connection.
func (f *Frontend) ServeConn(ctx context.Context, c *netserve.Conn) {
	p := &preLogin{f: f, c: c, log: f.o.Logger.With("conn", c.ID, "remote", c.Remote.String(), "proto", "pop3")}
	p.plog = f.o.ProtoLog.Session(c.ID, c.Local, c.Remote)
	defer p.plog.Close()
	c.SetIdleTimeout(f.o.PreAuthTimeout)
	wire.OK(c.Writer(), f.o.Banner)
	for {
		if err := c.Flush(); err != nil {
			return
		}
		line, err := c.ReadLine(f.o.MaxCommandSize)
		if errors.Is(err, netserve.ErrLineTooLong) {
			if p.fail(textTooLong) {
				return
			}
			continue
		}
		if err != nil {
			switch login.ReadFailure(ctx, err) {
			case login.EndShutdown:
				wire.Err(c.Writer(), textShutdown)
			case login.EndTimeout:
				wire.Err(c.Writer(), textTimeout)
			}
			return
		}
		if done := p.command(ctx, line); done {
			return
		}
	}
}

// fail answers a bad command; it reports whether the connection must end.
func (p *preLogin) fail(text string) bool {
	if p.bad.Add() {
		wire.Err(p.c.Writer(), textTooManyErrs)
		return true
	}
	wire.Err(p.c.Writer(), text)
	return false
}

// command runs one AUTHORIZATION-state command; it reports whether the
// connection is finished (QUIT, a completed session, or a fatal error).
func (p *preLogin) command(ctx context.Context, line []byte) bool {
	start := time.Now()
	p.start = start
	cmd, err := wire.Parse(line)
	if err != nil {
		return p.fail(textProtocol)
	}
	p.plog.Command(strings.ToLower(cmd.Name), cmd.Rest, "", len(line), 0, time.Since(start))
	plainOK := p.f.o.LoginType.PlainAllowed(p.c.IsTLS())
	switch cmd.Name {
	case "CAPA":
		p.capa(plainOK)
	case "QUIT":
		wire.OK(p.c.Writer(), textSignOff)
		return true
	case "STLS":
		return p.stls()
	case "USER":
		// Refused before any look-up when plain text is not allowed
		// here (spec §2.1, §11 item 6).
		if !plainOK || len(cmd.Args) != 1 {
			return p.fail(textBadState)
		}
		p.user = cmd.Args[0]
		wire.OK(p.c.Writer(), "")
	case "PASS":
		if !plainOK || p.user == "" || cmd.Rest == "" {
			p.user = ""
			return p.fail(textBadState)
		}
		user := p.user
		p.user = ""
		return p.logon(ctx, login.Attempt{User: user, Password: cmd.Rest})
	case "AUTH":
		return p.auth(ctx, cmd, plainOK)
	default:
		if knownCommand(cmd.Name) {
			return p.fail(textBadState)
		}
		return p.fail(textProtocol)
	}
	return false
}

// knownCommand reports POP3 commands that exist but not before logon.
func knownCommand(name string) bool {
	switch name {
	case "STAT", "LIST", "RETR", "DELE", "NOOP", "RSET", "TOP", "UIDL", "APOP":
		return true
	}
	return false
}

// capa answers CAPA for the AUTHORIZATION state (spec §4.1): TOP and UIDL
// always; USER and SASL only where plain text is allowed; STLS only on a
// clear connection with a certificate.
func (p *preLogin) capa(plainOK bool) {
	w := p.c.Writer()
	wire.OK(w, "")
	wire.Line(w, "TOP")
	wire.Line(w, "UIDL")
	if plainOK {
		wire.Line(w, "USER")
		wire.Line(w, "SASL "+strings.Join(p.f.o.LoginType.Mechanisms(p.c.IsTLS()), " "))
	}
	if p.c.CanStartTLS() {
		wire.Line(w, "STLS")
	}
	wire.End(w)
}

// stls upgrades the connection (RFC 2595 §4). Anything the client sent
// after STLS and before the handshake is discarded by Conn.StartTLS.
func (p *preLogin) stls() bool {
	if !p.c.CanStartTLS() {
		return p.fail(textBadState)
	}
	wire.OK(p.c.Writer(), textBeginTLS)
	if err := p.c.StartTLS(); err != nil {
		p.log.Debug("STLS handshake failed", "err", err)
		return true
	}
	p.user = ""
	return false
}

// auth runs AUTH (RFC 5034).
func (p *preLogin) auth(ctx context.Context, cmd wire.Command, plainOK bool) bool {
	mechs := p.f.o.LoginType.Mechanisms(p.c.IsTLS())
	if len(cmd.Args) == 0 { // list the mechanisms, as many clients probe
		w := p.c.Writer()
		wire.OK(w, "")
		for _, m := range mechs {
			wire.Line(w, m)
		}
		wire.End(w)
		return false
	}
	if len(cmd.Args) > 2 {
		return p.fail(textProtocol)
	}
	s, err := login.NewSASL(cmd.Args[0], mechs)
	if err != nil {
		if !plainOK {
			return p.fail(textBadState)
		}
		return p.fail(textUnknownMech)
	}
	var initial []byte
	if len(cmd.Args) == 2 {
		if initial, err = login.DecodeResponse(cmd.Args[1]); err != nil {
			return p.fail(textAuthCancel)
		}
	}
	authz, user, pass, err := login.Exchange(s, initial, prompter{p})
	switch {
	case login.ClientError(err):
		return p.fail(textAuthCancel)
	case err != nil:
		return true
	}
	// The engine refuses an authorization identity naming another
	// account: POP3 has no delegate logon.
	return p.logon(ctx, login.Attempt{User: user, AuthzID: authz, Password: pass, Start: time.Now()})
}

// prompter is AUTH's side of a SASL exchange (RFC 5034).
type prompter struct{ p *preLogin }

func (pr prompter) Challenge(b []byte) error {
	pr.p.c.WriteString("+ " + encode(b) + "\r\n")
	return pr.p.c.Flush()
}

func (pr prompter) Response() ([]byte, error) {
	line, err := pr.p.c.ReadLine(maxSASLLine)
	if errors.Is(err, netserve.ErrLineTooLong) {
		return nil, login.ErrSASLSyntax
	}
	if err != nil {
		return nil, err
	}
	pr.p.plog.SASLResponse("auth", "", len(line), 0, 0)
	return line, nil
}

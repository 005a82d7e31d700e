// Package imap is the IMAP4 frontend service's pre-login adapter: it speaks
// the not-authenticated state (greeting, CAPABILITY, STARTTLS, LOGIN,
// AUTHENTICATE, ID, NOOP, LOGOUT) over the shared login engine, then hands
// the authenticated session to the backend that holds the mailbox (package
// imap/backend, reached through package proxy). It never touches mailbox
// data.
//
// Exchange's behaviours kept here (spec §4.2): no CAPABILITY response code
// in the greeting or in the LOGIN/AUTHENTICATE OK; capabilities only on
// request; LOGINDISABLED and no AUTH=PLAIN in clear under SecureLogin.
package imap

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/postern/postern/internal/imap/caps"
	"github.com/postern/postern/internal/imap/wire"
	"github.com/postern/postern/internal/login"
	"github.com/postern/postern/internal/netserve"
	"github.com/postern/postern/internal/protolog"
)

// Fixed client texts (spec §4.2, §12).
const (
	textBadState       = "Command is not valid in this state."
	textInvalidState   = "Command received in Invalid state."
	textArgError       = "Command Argument Error. 11"
	textCommandError   = "Command Error. 12"
	textTooManyErrors  = "Too many errors. Closing connection."
	textSignOff        = "Postern IMAP4 server signing off."
	textShutdown       = "The IMAP4 service is shutting down."
	textRefused        = "Too many connections. Try again later."
	textUnavailable    = "The mailbox server is unavailable. Try again later."
	textThrottled      = "Too many failed logons. Try again later."
	textTimeout        = "Connection timed out."
	textUserLimit      = "Too many concurrent connections for this user."
	textLiteralPrompt  = "Ready for additional command text."
	textAuthCancelled  = "AUTHENTICATE cancelled."
	textUnknownMech    = "Unsupported authentication mechanism."
	maxPreLogonDiscard = 64 << 10
	maxSASLLine        = 8192
	saslContinueFormat = "+ "
)

// FrontendOptions are the frontend settings (shared by every protocol).
type FrontendOptions = login.FrontendOptions

// Frontend serves IMAP clients until they log on.
type Frontend struct {
	o            FrontendOptions
	exchangeOnly bool
}

// ExchangeCapabilitiesOnly makes CAPABILITY list Exchange's capabilities
// only (AdvertiseExchangeCapabilitiesOnly); it returns f.
func (f *Frontend) ExchangeCapabilitiesOnly(on bool) *Frontend {
	f.exchangeOnly = on
	return f
}

// NewFrontend returns a frontend.
func NewFrontend(o FrontendOptions) *Frontend { return &Frontend{o: o.WithDefaults()} }

// Refuse answers a connection over a connection limit.
func (f *Frontend) Refuse(c *netserve.Conn, reason string) {
	c.WriteString("* BYE " + textRefused + "\r\n")
}

// preLogin is one connection's state before logon.
type preLogin struct {
	f    *Frontend
	c    *netserve.Conn
	d    *wire.Decoder
	log  *slog.Logger
	plog *protolog.Session
	bad  login.Strikes
	// start is when the command being run arrived.
	start time.Time
}

// ServeConn runs one connection.
func (f *Frontend) ServeConn(ctx context.Context, c *netserve.Conn) {
	p := &preLogin{f: f, c: c, log: f.o.Logger.With("conn", c.ID, "remote", c.Remote.String(), "proto", "imap")}
	p.plog = f.o.ProtoLog.Session(c.ID, c.Local, c.Remote)
	defer p.plog.Close()
	c.SetIdleTimeout(f.o.PreAuthTimeout)
	c.WriteString("* OK " + f.o.Banner + "\r\n")
	p.newDecoder()
	for {
		if err := c.Flush(); err != nil {
			return
		}
		c.Reader() // arms the idle time-out
		cmd, err := p.d.ReadCommand()
		if err != nil {
			if p.commandError(ctx, err) {
				return
			}
			continue
		}
		if p.command(ctx, cmd) {
			return
		}
	}
}

// newDecoder reads from the connection's current reader (a new one after
// STARTTLS).
func (p *preLogin) newDecoder() {
	p.d = wire.NewDecoder(p.c.Reader(), wire.DecoderOptions{
		MaxLine:          p.f.o.MaxCommandSize,
		MaxAppendLiteral: 1, // APPEND is not valid before logon
		// An over-long line is read through and answered BAD, up to this
		// much (the bad-command limit bounds how often).
		MaxDiscard: maxPreLogonDiscard,
		Continue: func() error {
			p.c.WriteString("+ " + textLiteralPrompt + "\r\n")
			return p.c.Flush()
		},
	})
}

// commandError answers a command the decoder refused; it reports whether
// the connection is finished.
func (p *preLogin) commandError(ctx context.Context, err error) bool {
	var ce *wire.CommandError
	if !errors.As(err, &ce) {
		switch login.ReadFailure(ctx, err) {
		case login.EndShutdown:
			p.c.WriteString("* BYE " + textShutdown + "\r\n")
		case login.EndTimeout:
			p.c.WriteString("* BYE " + textTimeout + "\r\n")
		}
		return true
	}
	tag := ce.Tag
	if tag == "" {
		tag = "*"
	}
	code := ""
	if ce.Code != "" {
		code = "[" + ce.Code + "] "
	}
	p.c.WriteString(tag + " " + string(ce.Status) + " " + code + ce.Text + "\r\n")
	return ce.Fatal || p.tooMany()
}

// tooMany counts an error; it reports whether the connection must end.
func (p *preLogin) tooMany() bool {
	if p.bad.Add() {
		p.c.WriteString("* BYE " + textTooManyErrors + "\r\n")
		return true
	}
	return false
}

func (p *preLogin) reply(tag string, st wire.Status, text string) {
	p.c.WriteString(tag + " " + string(st) + " " + text + "\r\n")
}

// fail answers BAD and counts the error; it reports whether the
// connection must end.
func (p *preLogin) fail(tag, text string) bool {
	p.reply(tag, wire.StatusBAD, text)
	return p.tooMany()
}

// command runs one not-authenticated-state command; it reports whether the
// connection is finished (LOGOUT, a completed session, or a fatal error).
func (p *preLogin) command(ctx context.Context, cmd *wire.Command) bool {
	start := time.Now()
	p.start = start
	plainOK := p.f.o.LoginType.PlainAllowed(p.c.IsTLS())
	defer func() { p.plog.Command(strings.ToLower(cmd.Name), "", "", 0, 0, time.Since(start)) }()
	if cmd.UID {
		return p.fail(cmd.Tag, textBadState)
	}
	args := wire.NewParser(cmd)
	switch cmd.Name {
	case "CAPABILITY":
		if args.End(); args.Err() != nil {
			return p.fail(cmd.Tag, textArgError)
		}
		p.c.WriteString("* CAPABILITY " + p.capabilities(plainOK) + "\r\n")
		p.reply(cmd.Tag, wire.StatusOK, "CAPABILITY completed.")
	case "NOOP":
		p.reply(cmd.Tag, wire.StatusOK, "NOOP completed.")
	case "LOGOUT":
		p.c.WriteString("* BYE " + textSignOff + "\r\n")
		p.reply(cmd.Tag, wire.StatusOK, "LOGOUT completed.")
		return true
	case "ID":
		return p.id(cmd, args)
	case "STARTTLS":
		return p.startTLS(cmd)
	case "LOGIN":
		return p.loginCommand(ctx, cmd, args, plainOK)
	case "AUTHENTICATE":
		return p.authenticate(ctx, cmd, args, plainOK)
	default:
		if knownCommand(cmd.Name) {
			return p.fail(cmd.Tag, textBadState)
		}
		return p.fail(cmd.Tag, textCommandError)
	}
	return false
}

// capabilities lists what this state offers (spec §4.2, derived list).
func (p *preLogin) capabilities(plainOK bool) string {
	login := []string{"LOGINDISABLED"}
	if plainOK {
		login[0] = "AUTH=PLAIN"
	}
	if p.c.CanStartTLS() {
		login = append(login, "STARTTLS")
	}
	return caps.String(caps.Options{Login: login, ExchangeOnly: p.f.exchangeOnly})
}

// knownCommand reports IMAP commands that exist but not before logon.
func knownCommand(name string) bool {
	switch name {
	case "SELECT", "EXAMINE", "CREATE", "DELETE", "RENAME", "SUBSCRIBE", "UNSUBSCRIBE", "LIST", "LSUB",
		"STATUS", "APPEND", "CHECK", "CLOSE", "EXPUNGE", "SEARCH", "FETCH", "STORE", "COPY", "MOVE",
		"UID", "IDLE", "NAMESPACE", "UNSELECT", "ENABLE", "GETQUOTAROOT", "SORT", "THREAD":
		return true
	}
	return false
}

// id answers ID (RFC 2971), which Exchange allows in any state.
func (p *preLogin) id(cmd *wire.Command, args *wire.Parser) bool {
	args.IDParams()
	if args.End(); args.Err() != nil {
		return p.fail(cmd.Tag, textArgError)
	}
	p.c.WriteString(`* ID ("name" "Postern")` + "\r\n")
	p.reply(cmd.Tag, wire.StatusOK, "ID completed.")
	return false
}

// startTLS upgrades the connection (RFC 3501 §6.2.1). Anything the client
// sent after STARTTLS and before the handshake is discarded by
// Conn.StartTLS, never executed.
func (p *preLogin) startTLS(cmd *wire.Command) bool {
	if !p.c.CanStartTLS() {
		return p.fail(cmd.Tag, textBadState)
	}
	p.reply(cmd.Tag, wire.StatusOK, "Begin TLS negotiation now.")
	if err := p.c.StartTLS(); err != nil {
		p.log.Debug("STARTTLS handshake failed", "err", err)
		return true
	}
	p.newDecoder()
	return false
}

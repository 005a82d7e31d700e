package smtp

import (
	"bufio"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"strings"

	"github.com/postern/postern/internal/smtp/wire"
)

// EHLO introduces the client to an SMTP server (RFC 5321 4.1.1.1) and
// records its extensions; after it Send expects one reply to DATA for the
// whole transaction.
func (c *Client) EHLO(name string) error {
	if err := c.hello("EHLO", name); err != nil {
		return err
	}
	c.smtp = true
	return nil
}

// HELO introduces the client to a server that refused EHLO (RFC 5321
// 3.2): no extensions.
func (c *Client) HELO(name string) error {
	if err := c.command("HELO " + name); err != nil {
		return err
	}
	if _, err := c.expect(wire.CodeOK); err != nil {
		return err
	}
	c.smtp, c.ext = true, map[string]string{}
	return nil
}

// StartTLS upgrades the connection (RFC 3207); the caller says EHLO again
// afterwards, as the server forgets what it knew.
func (c *Client) StartTLS(cfg *tls.Config) error {
	if err := c.command("STARTTLS"); err != nil {
		return err
	}
	if _, err := c.expect(wire.CodeServiceReady); err != nil {
		return err
	}
	tc := tls.Client(c.conn, cfg)
	if err := tc.Handshake(); err != nil {
		return err
	}
	c.conn, c.r, c.w, c.ext = tc, bufio.NewReader(tc), bufio.NewWriter(tc), nil
	return nil
}

// IsTLS reports whether the connection is encrypted.
func (c *Client) IsTLS() bool {
	_, ok := c.conn.(*tls.Conn)
	return ok
}

// SetMailParams sets the parameters added to the next MAIL FROM
// commands, e.g. "SIZE=1234 BODY=8BITMIME"; the caller checks that the
// server offered them.
func (c *Client) SetMailParams(params string) {
	c.mailParams = ""
	if params != "" {
		c.mailParams = " " + params
	}
}

// dataReply reads SMTP's one reply after the data (RFC 5321 4.1.1.4) and
// gives it to every accepted recipient.
func (c *Client) dataReply(accepted []int, perRecipient []error) ([]error, error) {
	refusal, err := c.expectRefusable(wire.CodeOK)
	if err != nil {
		return nil, err
	}
	for _, i := range accepted {
		perRecipient[i] = refusal
	}
	return perRecipient, nil
}

// AuthPlain logs on with AUTH PLAIN (RFC 4954, RFC 4616) when the server
// offers it.
func (c *Client) AuthPlain(user, password string) error {
	mechs, ok := c.ext["AUTH"]
	offered := false
	for _, m := range strings.Fields(mechs) {
		offered = offered || strings.EqualFold(m, "PLAIN")
	}
	if !ok || !offered {
		return errors.New("smtp: the server does not offer AUTH PLAIN")
	}
	if strings.ContainsRune(user, 0) || strings.ContainsRune(password, 0) {
		return errors.New("smtp: NUL in credentials")
	}
	resp := base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00" + password))
	if err := c.command("AUTH PLAIN " + resp); err != nil {
		return err
	}
	_, err := c.expect(codeAuthOK)
	return err
}

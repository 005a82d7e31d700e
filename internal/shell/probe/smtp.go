package probe

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/postern/postern/internal/smtp"
)

// The test message of a full connectivity test is submitted the way a
// POP3 or IMAP4 client sends mail: to the Client Frontend connector
// (RFC 6409), with STARTTLS (RFC 3207) unless the connector is implicit
// TLS, and AUTH PLAIN (RFC 4954) with the test mailbox's credential.

// NewMarker is a token unique to one test.
func NewMarker() string {
	b := make([]byte, 12)
	rand.Read(b)
	return "PosternTest-" + hex.EncodeToString(b)
}

// TestMessage is the message a connectivity test sends from address to
// itself; marker is in its Subject and Message-ID, so that the test finds
// this message and no other.
func TestMessage(address, fqdn, marker string, now time.Time) string {
	lines := []string{
		"From: <" + address + ">",
		"To: <" + address + ">",
		"Subject: Postern connectivity test " + marker,
		"Message-ID: <" + marker + "@" + fqdn + ">",
		"Date: " + now.Format(time.RFC1123Z),
		"MIME-Version: 1.0",
		"Content-Type: text/plain; charset=us-ascii",
		"",
		"This message was sent by Test-PopConnectivity or Test-ImapConnectivity",
		"and is deleted by the test once it is found.",
	}
	return strings.Join(lines, "\r\n") + "\r\n"
}

// Submit connects to addr for at most timeout (and never past ctx), with
// TLS from the first byte when implicit is set, and submits message from
// address to itself as user (see smtpSubmit).
func Submit(ctx context.Context, addr string, timeout time.Duration, conf *tls.Config, implicit bool, helo, user, password, address, message string) error {
	return dialProbe(ctx, addr, timeout, conf, implicit, func(p *probe) error {
		return smtpSubmit(p, conf, implicit, helo, user, password, address, message)
	})
}

// smtpSubmit runs one submission on p with the project's SMTP client:
// greeting, EHLO, STARTTLS unless the connector is implicit TLS, EHLO
// again, AUTH PLAIN, the transaction, QUIT.
func smtpSubmit(p *probe, conf *tls.Config, implicit bool, helo, user, password, address, message string) error {
	if strings.ContainsAny(user+password+address+helo, "\r\n") {
		return errors.New("the user name, password or address contains a line break")
	}
	c, err := smtp.NewClient(p.conn)
	if err != nil {
		return fmt.Errorf("greeting: %w", err)
	}
	if err := c.EHLO(helo); err != nil {
		return fmt.Errorf("EHLO: %w", err)
	}
	if !implicit {
		if _, ok := c.Extension("STARTTLS"); !ok {
			return errors.New("the connector does not offer STARTTLS")
		}
		if err := c.StartTLS(conf); err != nil {
			return fmt.Errorf("STARTTLS: %w", err)
		}
		if err := c.EHLO(helo); err != nil {
			return fmt.Errorf("EHLO: %w", err)
		}
	}
	if err := c.AuthPlain(user, password); err != nil {
		return fmt.Errorf("AUTH: %w", err)
	}
	refused, err := c.Send(address, []string{address}, strings.NewReader(message))
	if err == nil {
		err = refused[0]
	}
	if err != nil {
		return fmt.Errorf("sending: %w", err)
	}
	if err := c.Quit(); err != nil {
		return fmt.Errorf("QUIT: %w", err)
	}
	return nil
}

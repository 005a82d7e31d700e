package shell

import (
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The test message of a full connectivity test is submitted the way a
// POP3 or IMAP4 client sends mail: to the Client Frontend connector
// (RFC 6409), with STARTTLS (RFC 3207) unless the connector is implicit
// TLS, and AUTH PLAIN (RFC 4954) with the test mailbox's credential.

// maxSMTPReplyLines bounds the lines of one multi-line SMTP reply.
const maxSMTPReplyLines = 100

// testMessage is the message a connectivity test sends from address to
// itself; marker is in its Subject and Message-ID, so that the test finds
// this message and no other.
func testMessage(address, fqdn, marker string, now time.Time) string {
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

// smtpSubmit runs one submission on p: greeting, EHLO, STARTTLS when
// upgrade is set, EHLO again, AUTH PLAIN, MAIL, RCPT, DATA, QUIT.
func smtpSubmit(p *probe, upgrade func() error, helo, user, password, address, message string) error {
	if strings.ContainsAny(user+password+address+helo, "\r\n") {
		return errors.New("the user name, password or address contains a line break")
	}
	if _, err := smtpReply(p, 220); err != nil {
		return fmt.Errorf("greeting: %w", err)
	}
	ehlo, err := smtpCmd(p, "EHLO "+helo, 250)
	if err != nil {
		return fmt.Errorf("EHLO: %w", err)
	}
	if upgrade != nil {
		if !smtpHasExtension(ehlo, "STARTTLS") {
			return errors.New("the connector does not offer STARTTLS")
		}
		if _, err := smtpCmd(p, "STARTTLS", 220); err != nil {
			return fmt.Errorf("STARTTLS: %w", err)
		}
		if err := upgrade(); err != nil {
			return err
		}
		if _, err := smtpCmd(p, "EHLO "+helo, 250); err != nil {
			return fmt.Errorf("EHLO: %w", err)
		}
	}
	resp := base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00" + password))
	if _, err := smtpCmd(p, "AUTH PLAIN "+resp, 235); err != nil {
		return fmt.Errorf("AUTH: %w", err)
	}
	steps := []struct {
		cmd  string
		code int
	}{{"MAIL FROM:<" + address + ">", 250}, {"RCPT TO:<" + address + ">", 250}, {"DATA", 354}}
	for _, s := range steps {
		if _, err := smtpCmd(p, s.cmd, s.code); err != nil {
			return fmt.Errorf("%s: %w", strings.Fields(s.cmd)[0], err)
		}
	}
	// The message has no line that starts with a dot, so it needs no
	// dot-stuffing.
	if err := p.send(strings.TrimSuffix(message, "\r\n") + "\r\n."); err != nil {
		return err
	}
	if _, err := smtpReply(p, 250); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if _, err := smtpCmd(p, "QUIT", 221); err != nil {
		return fmt.Errorf("QUIT: %w", err)
	}
	return nil
}

func smtpCmd(p *probe, cmd string, want int) ([]string, error) {
	if err := p.send(cmd); err != nil {
		return nil, err
	}
	return smtpReply(p, want)
}

// smtpReply reads one reply, multi-line or not (RFC 5321 4.2), and
// requires the code want. It returns the text of each line.
func smtpReply(p *probe, want int) ([]string, error) {
	var texts []string
	for {
		l, err := p.line()
		if err != nil {
			return nil, err
		}
		if len(l) < 3 || (len(l) > 3 && l[3] != ' ' && l[3] != '-') {
			return nil, fmt.Errorf("the server sent a malformed reply %q", l)
		}
		code, err := strconv.Atoi(l[:3])
		if err != nil {
			return nil, fmt.Errorf("the server sent a malformed reply %q", l)
		}
		if code != want {
			return nil, fmt.Errorf("the server answered %q", l)
		}
		if len(texts) == maxSMTPReplyLines {
			return nil, errors.New("the server sent a reply that is too long")
		}
		texts = append(texts, strings.TrimSpace(l[min(len(l), 4):]))
		if len(l) == 3 || l[3] == ' ' {
			return texts, nil
		}
	}
}

// smtpHasExtension reports whether an EHLO reply lists keyword.
func smtpHasExtension(ehlo []string, keyword string) bool {
	for _, l := range ehlo[min(1, len(ehlo)):] {
		if f := strings.Fields(l); len(f) > 0 && strings.EqualFold(f[0], keyword) {
			return true
		}
	}
	return false
}

// smtpUpgrade is the STARTTLS upgrade of a submission probe, or nil for a
// connector that is TLS from the first byte.
func smtpUpgrade(p *probe, conf *tls.Config, implicit bool) func() error {
	if implicit {
		return nil
	}
	return func() error { return p.startTLS(conf) }
}

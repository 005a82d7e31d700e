package e2e

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

// logonClient is a minimal client of one protocol, as a password guesser
// or a timing probe drives it: it connects from a chosen loopback source,
// gets to the point where a logon may be tried, and tries logons.
type logonClient struct {
	proto string // "imap", "pop3" or "smtp"
	conn  net.Conn
	r     *bufio.Reader
	tag   int
	// sent is when the last command's final byte went out.
	sent time.Time
}

// logonReply is what a logon attempt was answered with.
type logonReply int

const (
	replyOK        logonReply = iota // logged on
	replyFailed                      // the credentials were checked and refused
	replyThrottled                   // refused before any check
	replyClosed                      // the server ended the connection
)

// dialLogon connects to addr from src (implicit TLS for IMAP4 and POP3,
// STARTTLS on submission) and reads up to where a logon may be tried.
func dialLogon(proto, src, addr string, roots *x509.CertPool) (*logonClient, error) {
	d := &net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
	cfg := &tls.Config{RootCAs: roots, ServerName: "mail.test"}
	c := &logonClient{proto: proto}
	var err error
	if proto == "smtp" {
		c.conn, err = d.Dial("tcp", addr)
	} else {
		c.conn, err = tls.DialWithDialer(d, "tcp", addr, cfg)
	}
	if err != nil {
		return nil, err
	}
	c.r = bufio.NewReader(c.conn)
	c.conn.SetDeadline(time.Now().Add(2 * time.Minute))
	if _, err := c.line(); err != nil { // the greeting
		c.conn.Close()
		return nil, err
	}
	if proto == "smtp" {
		for _, step := range []string{"EHLO guesser.test", "STARTTLS"} {
			if _, err := c.command(step); err != nil {
				c.conn.Close()
				return nil, err
			}
		}
		tc := tls.Client(c.conn, cfg)
		if err := tc.Handshake(); err != nil {
			c.conn.Close()
			return nil, err
		}
		c.conn, c.r = tc, bufio.NewReader(tc)
		if _, err := c.command("EHLO guesser.test"); err != nil {
			c.conn.Close()
			return nil, err
		}
	}
	return c, nil
}

func (c *logonClient) line() (string, error) {
	l, err := c.r.ReadString('\n')
	return strings.TrimRight(l, "\r\n"), err
}

// command sends a line and reads the reply to it: an SMTP reply whole, a
// tagged IMAP reply, a POP3 status line. It returns the last line.
func (c *logonClient) command(text string) (string, error) {
	tag := ""
	if c.proto == "imap" {
		c.tag++
		tag = fmt.Sprintf("g%d", c.tag)
		text = tag + " " + text
	}
	if _, err := c.conn.Write([]byte(text + "\r\n")); err != nil {
		return "", err
	}
	c.sent = time.Now()
	for {
		l, err := c.line()
		if err != nil {
			return l, err
		}
		switch {
		case c.proto == "smtp" && len(l) >= 4 && l[3] == '-':
		case c.proto == "imap" && !strings.HasPrefix(l, tag+" "):
		default:
			return l, nil
		}
	}
}

// logon tries one name and password (IMAP LOGIN, POP3 USER/PASS, SMTP
// AUTH PLAIN) and classifies the answer.
func (c *logonClient) logon(user, pass string) (logonReply, string, error) {
	var l string
	var err error
	switch c.proto {
	case "imap":
		l, err = c.command(fmt.Sprintf("LOGIN %q %q", user, pass))
	case "pop3":
		if l, err = c.command("USER " + user); err == nil {
			l, err = c.command("PASS " + pass)
		}
	case "smtp":
		l, err = c.command("AUTH PLAIN " + base64.StdEncoding.EncodeToString([]byte("\x00"+user+"\x00"+pass)))
	}
	if err != nil {
		return replyClosed, l, err
	}
	switch {
	case strings.Contains(l, "Too many failed logons"), strings.Contains(l, "Too many errors"),
		strings.HasPrefix(l, "421 "):
		if strings.Contains(l, "closing") || strings.Contains(l, "Closing") {
			return replyClosed, l, nil
		}
		return replyThrottled, l, nil
	case strings.Contains(l, " OK "), strings.HasPrefix(l, "+OK"), strings.HasPrefix(l, "235 "):
		return replyOK, l, nil
	case strings.Contains(l, "LOGIN failed."), strings.Contains(l, "Logon failure"), strings.HasPrefix(l, "535 "):
		return replyFailed, l, nil
	}
	return replyClosed, l, fmt.Errorf("unexpected answer %q", l)
}

func (c *logonClient) close() { c.conn.Close() }

// roots trusts the instance's certificate.
func (in *instance) roots() *x509.CertPool {
	in.t.Helper()
	pem, err := os.ReadFile(in.ca())
	if err != nil {
		in.t.Fatal(err)
	}
	p := x509.NewCertPool()
	p.AppendCertsFromPEM(pem)
	return p
}

// logonAddrs are the listeners a logon test uses: IMAP4 and POP3 with
// implicit TLS, submission with STARTTLS.
func (in *instance) logonAddrs(t *testing.T) map[string]string {
	t.Helper()
	in.setup()
	in.setupIMAP()
	a := in.setupSMTP()
	return map[string]string{"imap": in.IMAPS, "pop3": in.POP3S, "smtp": a.Submission}
}

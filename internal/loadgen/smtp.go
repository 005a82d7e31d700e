package loadgen

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// SMTP is a checking submission client (RFC 5321, RFC 6409): every reply
// is read whole and must be well formed (a multi-line reply keeps one
// code, RFC 5321 §4.2.1) and carry the code a correct server gives for
// the command; anything else is an error.
type SMTP struct {
	lc  *lineConn
	o   *Options
	ext map[string]string // EHLO keywords, upper-case → parameters
}

// maxReplyLines bounds the lines of one reply.
const maxReplyLines = 100

// smtpReply is one reply: its code and the text of each line.
type smtpReply struct {
	code  int
	lines []string
}

func (r smtpReply) String() string { return fmt.Sprintf("%d %s", r.code, strings.Join(r.lines, " / ")) }

// DialSMTP connects to o.Addr, reads the 220 greeting and says EHLO; with
// TLSStartTLS it upgrades with STARTTLS (which the server must offer,
// and must not offer again after, RFC 3207 §4.2) and says EHLO again;
// with TLSImplicit the connection is in TLS from the first byte (465).
func DialSMTP(ctx context.Context, o *Options) (*SMTP, error) {
	lc, err := dial(ctx, o)
	if err != nil {
		return nil, err
	}
	c := &SMTP{lc: lc, o: o}
	if err := c.open(ctx); err != nil {
		lc.Close()
		return nil, err
	}
	return c, nil
}

func (c *SMTP) open(ctx context.Context) error {
	if _, err := c.expect(220, "greeting"); err != nil {
		return err
	}
	if err := c.ehlo(); err != nil {
		return err
	}
	if c.o.TLS != TLSStartTLS {
		return nil
	}
	if _, ok := c.ext["STARTTLS"]; !ok {
		return protoErr("EHLO on a clear connection does not offer STARTTLS")
	}
	if _, err := c.cmd("STARTTLS", 220); err != nil {
		return err
	}
	if err := c.lc.startTLS(ctx, c.o.TLSConfig); err != nil {
		return err
	}
	if err := c.ehlo(); err != nil {
		return err
	}
	if _, ok := c.ext["STARTTLS"]; ok {
		return protoErr("EHLO after STARTTLS offers STARTTLS again")
	}
	return nil
}

// ehlo says EHLO and records the extensions offered.
func (c *SMTP) ehlo() error {
	r, err := c.cmd("EHLO loadgen.mail.test", 250)
	if err != nil {
		return err
	}
	c.ext = map[string]string{}
	for _, l := range r.lines[1:] { // the first line is the greeting
		k, v, _ := strings.Cut(l, " ")
		c.ext[strings.ToUpper(k)] = v
	}
	return nil
}

// Login authenticates with AUTH PLAIN and an initial response (RFC 4954,
// RFC 4616), which the server must offer; 235 is success.
func (c *SMTP) Login(u User) error {
	if !hasWord(c.ext["AUTH"], "PLAIN") {
		return protoErr("EHLO does not offer AUTH PLAIN (AUTH %q)", c.ext["AUTH"])
	}
	ir := base64.StdEncoding.EncodeToString([]byte("\x00" + u.Address + "\x00" + u.Password))
	if _, err := c.cmd("AUTH PLAIN "+ir, 235); err != nil {
		return fmt.Errorf("AUTH PLAIN: %w", err)
	}
	return nil
}

func hasWord(list, w string) bool {
	for _, x := range strings.Fields(list) {
		if strings.EqualFold(x, w) {
			return true
		}
	}
	return false
}

// Send runs one transaction: MAIL FROM (with SIZE when offered), a RCPT
// TO per recipient, DATA, the message dot-stuffed; each must be
// accepted (250, then 354 for DATA, then 250 for the message).
func (c *SMTP) Send(from string, rcpts []string, msg []byte) error {
	mail := "MAIL FROM:<" + from + ">"
	if limit, ok := c.ext["SIZE"]; ok {
		if n, err := strconv.ParseInt(limit, 10, 64); err == nil && n > 0 && int64(len(msg)) > n {
			return protoErr("the message (%d octets) exceeds the server's SIZE %d", len(msg), n)
		}
		mail += " SIZE=" + strconv.Itoa(len(msg))
	}
	if _, err := c.cmd(mail, 250); err != nil {
		return fmt.Errorf("MAIL: %w", err)
	}
	for _, r := range rcpts {
		if _, err := c.cmd("RCPT TO:<"+r+">", 250); err != nil {
			return fmt.Errorf("RCPT %s: %w", r, err)
		}
	}
	if _, err := c.cmd("DATA", 354); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if err := c.writeData(msg); err != nil {
		return err
	}
	if _, err := c.expect(250, "end of data"); err != nil {
		return fmt.Errorf("message: %w", err)
	}
	return nil
}

// writeData writes msg with dot-stuffing (RFC 5321 §4.5.2) and the
// terminating "." line.
func (c *SMTP) writeData(msg []byte) error {
	c.lc.c.SetDeadline(time.Now().Add(c.lc.timeout))
	w := c.lc.w
	for len(msg) > 0 {
		line := msg
		if i := bytes.IndexByte(msg, '\n'); i >= 0 {
			line = msg[:i+1]
		}
		msg = msg[len(line):]
		if line[0] == '.' {
			w.WriteByte('.')
		}
		w.Write(line)
		if line[len(line)-1] != '\n' {
			w.WriteString("\r\n")
		}
	}
	return c.lc.send(".")
}

// Quit sends QUIT, expects 221 and closes the connection.
func (c *SMTP) Quit() error {
	_, err := c.cmd("QUIT", 221)
	c.lc.Close()
	return err
}

// Close closes the connection without QUIT.
func (c *SMTP) Close() { c.lc.Close() }

// cmd sends a command line and expects a reply of the given code.
func (c *SMTP) cmd(line string, code int) (smtpReply, error) {
	if err := c.lc.send(line); err != nil {
		return smtpReply{}, err
	}
	verb, _, _ := strings.Cut(line, " ")
	return c.expect(code, verb)
}

// expect reads a reply and requires its code.
func (c *SMTP) expect(code int, what string) (smtpReply, error) {
	r, err := c.reply()
	if err != nil {
		return r, err
	}
	if r.code != code {
		return r, protoErr("%s: %s, %d expected", what, trunc([]byte(r.String())), code)
	}
	return r, nil
}

// reply reads one reply: lines "ddd-text" then "ddd text" (or "ddd"),
// all with the same code (RFC 5321 §4.2).
func (c *SMTP) reply() (smtpReply, error) {
	var r smtpReply
	for {
		l, err := c.lc.readLine()
		if err != nil {
			return r, err
		}
		code, last, text, ok := replyLine(l)
		switch {
		case !ok:
			return r, protoErr("malformed reply line %q", trunc([]byte(l)))
		case len(r.lines) > 0 && code != r.code:
			return r, protoErr("reply line %q changes the code %d", trunc([]byte(l)), r.code)
		case len(r.lines) >= maxReplyLines:
			return r, protoErr("reply of more than %d lines", maxReplyLines)
		}
		r.code = code
		r.lines = append(r.lines, text)
		if last {
			return r, nil
		}
	}
}

// replyLine splits "ddd[ -]text": the code (2xx–5xx), whether it is the
// last line, and the text.
func replyLine(l string) (code int, last bool, text string, ok bool) {
	if len(l) < 3 || l[0] < '2' || l[0] > '5' || l[1] < '0' || l[1] > '9' || l[2] < '0' || l[2] > '9' {
		return 0, false, "", false
	}
	code = int(l[0]-'0')*100 + int(l[1]-'0')*10 + int(l[2]-'0')
	switch {
	case len(l) == 3:
		return code, true, "", true
	case l[3] == ' ':
		return code, true, l[4:], true
	case l[3] == '-':
		return code, false, l[4:], true
	}
	return 0, false, "", false
}

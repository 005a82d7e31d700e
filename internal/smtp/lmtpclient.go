package smtp

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/postern/postern/internal/smtp/wire"
)

// Client is a small LMTP client (RFC 2033) for tests and the load
// generator, and the SMTP client of the outbound queue (after EHLO). It pipelines when the server offers PIPELINING, dot-stuffs
// bodies and turns every line ending into CRLF. A Client is not safe for
// concurrent use.
type Client struct {
	conn net.Conn
	r    *bufio.Reader
	w    *bufio.Writer
	dw   wire.DataWriter
	ext  map[string]string
	// smtp is set by EHLO: DATA gets one reply for the whole transaction
	// rather than one per recipient.
	smtp bool
	// mailParams are added to MAIL FROM (SIZE=, BODY=).
	mailParams string
}

// ReplyError is a reply that refused a command or a recipient.
type ReplyError struct {
	Reply wire.Reply
}

func (e *ReplyError) Error() string { return "lmtp: " + e.Reply.String() }

// Temporary reports a 4xx reply: the same request may succeed later.
func (e *ReplyError) Temporary() bool { return e.Reply.Code.Class() == 4 }

// clientMaxLine bounds reply lines read by the client.
const clientMaxLine = 4096

// Dial connects to an LMTP server ("tcp" or "unix") and reads its
// greeting.
func Dial(ctx context.Context, network, addr string) (*Client, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	cl, err := NewClient(c)
	if err != nil {
		c.Close()
		return nil, err
	}
	return cl, nil
}

// NewClient reads the greeting on an established connection. Deadlines
// are the caller's to set on c.
func NewClient(c net.Conn) (*Client, error) {
	cl := &Client{conn: c, r: bufio.NewReader(c), w: bufio.NewWriter(c)}
	if _, err := cl.expect(wire.CodeServiceReady); err != nil {
		return nil, err
	}
	return cl, nil
}

// LHLO introduces the client and records the server's extensions.
func (c *Client) LHLO(name string) error { return c.hello("LHLO", name) }

// hello sends LHLO or EHLO and records the extensions the reply lists.
func (c *Client) hello(verb, name string) error {
	if err := c.command(verb + " " + name); err != nil {
		return err
	}
	rp, err := c.expect(wire.CodeOK)
	if err != nil {
		return err
	}
	c.ext = make(map[string]string)
	for _, l := range rp.Lines[1:] {
		k, v, _ := strings.Cut(l, " ")
		c.ext[strings.ToUpper(k)] = v
	}
	return nil
}

// Extension reports whether the server offered an extension, and its
// parameters.
func (c *Client) Extension(name string) (params string, ok bool) {
	params, ok = c.ext[strings.ToUpper(name)]
	return params, ok
}

// Send runs one transaction. err reports a failure of the transaction as
// a whole (MAIL or DATA refused, connection trouble); otherwise
// perRecipient holds one entry per rcpts: nil where the server stored the
// message, a *ReplyError where it refused the RCPT or the delivery.
func (c *Client) Send(from string, rcpts []string, body io.Reader) (perRecipient []error, err error) {
	for _, a := range append([]string{from}, rcpts...) {
		if strings.ContainsAny(a, "\r\n<>") {
			return nil, fmt.Errorf("lmtp: bad address %q", a)
		}
	}
	perRecipient = make([]error, len(rcpts))
	accepted, dataErr, err := c.envelope(from, rcpts, perRecipient)
	if err != nil {
		return nil, err
	}
	if len(accepted) == 0 {
		return perRecipient, c.reset()
	}
	if dataErr != nil {
		if err := c.reset(); err != nil {
			return nil, err
		}
		return nil, dataErr
	}
	c.dw.Reset(c.w)
	if _, err := io.Copy(&c.dw, body); err != nil {
		return nil, err
	}
	if err := c.dw.Close(); err != nil {
		return nil, err
	}
	if err := c.w.Flush(); err != nil {
		return nil, err
	}
	if c.smtp {
		return c.dataReply(accepted, perRecipient)
	}
	// One reply per accepted recipient, in order (RFC 2033 4.2).
	for _, i := range accepted {
		if perRecipient[i], err = c.expectRefusable(wire.CodeOK); err != nil {
			return nil, err
		}
	}
	return perRecipient, nil
}

// envelope sends MAIL, the RCPTs and DATA, all at once when the server
// offers PIPELINING (RFC 2920 3.1), and reads their replies. It returns
// the indexes of the accepted recipients and, when some were accepted,
// the refusal of DATA if any. err is a refused MAIL or a broken
// connection.
func (c *Client) envelope(from string, rcpts []string, perRecipient []error) (accepted []int, dataErr, err error) {
	_, pipelining := c.ext["PIPELINING"]
	if pipelining {
		c.w.WriteString("MAIL FROM:<" + from + ">" + c.mailParams + "\r\n")
		for _, r := range rcpts {
			c.w.WriteString("RCPT TO:<" + r + ">\r\n")
		}
		c.w.WriteString("DATA\r\n")
		if err := c.w.Flush(); err != nil {
			return nil, nil, err
		}
	} else if err := c.command("MAIL FROM:<" + from + ">" + c.mailParams); err != nil {
		return nil, nil, err
	}
	mailErr, err := c.expectRefusable(wire.CodeOK)
	if err != nil {
		return nil, nil, err
	}
	if mailErr != nil && !pipelining {
		return nil, nil, mailErr
	}
	for i, r := range rcpts {
		if !pipelining {
			if err := c.command("RCPT TO:<" + r + ">"); err != nil {
				return nil, nil, err
			}
		}
		if perRecipient[i], err = c.expectRefusable(wire.CodeOK); err != nil {
			return nil, nil, err
		}
		if perRecipient[i] == nil {
			accepted = append(accepted, i)
		}
	}
	if !pipelining && len(accepted) == 0 {
		return nil, nil, nil
	}
	if !pipelining {
		if err := c.command("DATA"); err != nil {
			return nil, nil, err
		}
	}
	if dataErr, err = c.expectRefusable(wire.CodeStartData); err != nil {
		return nil, nil, err
	}
	if mailErr != nil {
		return nil, nil, mailErr
	}
	if len(accepted) == 0 && dataErr == nil {
		// A server that says 354 with no recipient gets an empty body.
		return nil, nil, errors.Join(c.command("."), errors.New("lmtp: DATA accepted without recipients"))
	}
	return accepted, dataErr, nil
}

func (c *Client) reset() error {
	if err := c.command("RSET"); err != nil {
		return err
	}
	_, err := c.expect(wire.CodeOK)
	return err
}

// Quit sends QUIT, reads the goodbye and closes the connection.
func (c *Client) Quit() error {
	err := c.command("QUIT")
	if err == nil {
		_, err = c.expect(wire.CodeClosing)
	}
	if cerr := c.conn.Close(); err == nil {
		err = cerr
	}
	return err
}

// Close closes the connection without QUIT.
func (c *Client) Close() error { return c.conn.Close() }

// command writes one command line and flushes it.
func (c *Client) command(line string) error {
	if _, err := c.w.WriteString(line + "\r\n"); err != nil {
		return err
	}
	return c.w.Flush()
}

// expectRefusable reads one reply. A code other than want is returned as
// refusal, unless it is 421, which ends the session and so is err.
func (c *Client) expectRefusable(want wire.Code) (refusal, err error) {
	_, err = c.expect(want)
	var re *ReplyError
	if errors.As(err, &re) && re.Reply.Code != wire.CodeServiceNotAvail {
		return re, nil
	}
	return nil, err
}

// expect reads one reply; a code other than want is a *ReplyError.
func (c *Client) expect(want wire.Code) (wire.Reply, error) {
	rp, err := wire.ReadReply(c.r, clientMaxLine)
	if err != nil {
		return wire.Reply{}, err
	}
	if rp.Code != want {
		return rp, &ReplyError{Reply: rp}
	}
	return rp, nil
}

package loadgen

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// IMAP is a checking IMAP4rev1 client (RFC 3501, with UIDPLUS RFC 4315,
// LITERAL+ RFC 7888 and IDLE RFC 2177 when the server has them). One
// command at a time: every tagged response must carry the tag just sent
// and be OK; literals are read to the exact octet; every untagged EXISTS
// and EXPUNGE is tracked so that the message count is always the one the
// server announced, and checked for consistency (a count never drops
// without EXPUNGE, an EXPUNGE names an existing message). It is not safe
// for concurrent use, except that an IDLE reader may run alongside
// SendDone (idle.go).
type IMAP struct {
	lc   *lineConn
	rd   respReader
	tagN int
	// Caps are the capabilities last announced (greeting or LOGIN
	// response code, or CAPABILITY), upper-cased; nil when unknown, as
	// after a LOGIN whose OK carries none (RFC 3501 §6.2.3: they may
	// change at login).
	Caps map[string]bool
	// Exists is the selected mailbox's message count as announced.
	Exists int
	// UIDValidity and UIDNext are the selected mailbox's, from SELECT
	// (UIDNext 0 if the server did not say).
	UIDValidity, UIDNext uint32
	// Greeting is the text of the server's greeting.
	Greeting string
}

// maxResponses bounds the untagged responses to one command.
const maxResponses = 1 << 22

// DialIMAP connects, secures the connection as o.TLS says (STARTTLS
// after the greeting for TLSStartTLS) and reads the greeting, which must
// be an untagged OK. The connection closes when ctx ends.
func DialIMAP(ctx context.Context, o *Options) (*IMAP, error) {
	lc, err := dial(ctx, o)
	if err != nil {
		return nil, err
	}
	return newIMAP(ctx, lc, o)
}

// newIMAP reads the greeting on a connection and upgrades it when asked;
// it closes lc on failure.
func newIMAP(ctx context.Context, lc *lineConn, o *Options) (*IMAP, error) {
	c := &IMAP{lc: lc}
	c.rd = respReader{r: lc.r, c: lc.c, timeout: lc.timeout}
	r, err := c.rd.read()
	if err == nil && (r.Tag != "*" || r.Status != "OK") {
		err = protoErr("greeting %s %s is not an untagged OK", r.Tag, r.Status)
	}
	if err != nil {
		lc.Close()
		return nil, fmt.Errorf("greeting: %w", err)
	}
	c.Greeting = r.Text
	c.noteCode(r.Code)
	if o.TLS == TLSStartTLS {
		if _, err := c.Cmd("STARTTLS", nil); err != nil {
			lc.Close()
			return nil, err
		}
		if err := lc.startTLS(ctx, o.TLSConfig); err != nil {
			lc.Close()
			return nil, err
		}
		c.rd = respReader{r: lc.r, c: lc.c, timeout: lc.timeout}
		c.Caps = nil // RFC 3501 §6.2.1: forget what was said in plaintext
	}
	return c, nil
}

// Close closes the connection without LOGOUT.
func (c *IMAP) Close() error { return c.lc.Close() }

// write sends raw octets and flushes them. Only the write deadline is
// set, so an IDLE reader's read deadline is left alone.
func (c *IMAP) write(parts ...[]byte) error {
	c.lc.c.SetWriteDeadline(time.Now().Add(c.lc.timeout))
	for _, p := range parts {
		c.lc.w.Write(p)
	}
	return c.lc.w.Flush()
}

// startCmd sends "tag line" and returns the tag.
func (c *IMAP) startCmd(line string) (string, error) {
	c.tagN++
	tag := "a" + strconv.Itoa(c.tagN)
	return tag, c.write([]byte(tag + " " + line + "\r\n"))
}

// verbOf names a command for error texts: its first word, two for UID
// commands. Arguments never appear (LOGIN's would carry the password).
func verbOf(line string) string {
	f := strings.Fields(line)
	switch {
	case len(f) == 0:
		return "command"
	case len(f) > 1 && strings.EqualFold(f[0], "UID"):
		return "UID " + strings.ToUpper(f[1])
	}
	return strings.ToUpper(f[0])
}

// Cmd sends a command, passes every untagged response to each (when not
// nil; after the client's own bookkeeping) and returns the tagged
// response, which must be OK.
func (c *IMAP) Cmd(line string, each func(*response) error) (*response, error) {
	tag, err := c.startCmd(line)
	if err != nil {
		return nil, err
	}
	return c.finish(tag, verbOf(line), each)
}

// finish reads responses up to the tagged one for tag.
func (c *IMAP) finish(tag, verb string, each func(*response) error) (*response, error) {
	for i := 0; ; i++ {
		if i == maxResponses {
			return nil, protoErr("%s: over %d responses", verb, maxResponses)
		}
		r, err := c.rd.read()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", verb, err)
		}
		switch r.Tag {
		case "*":
			if err := c.untagged(r, verb); err != nil {
				return nil, fmt.Errorf("%s: %w", verb, err)
			}
			if each != nil {
				if err := each(r); err != nil {
					return nil, fmt.Errorf("%s: %w", verb, err)
				}
			}
		case "+":
			return nil, protoErr("%s: unexpected continuation request %q", verb, trunc([]byte(r.Text)))
		case tag:
			if r.Status != "OK" {
				return nil, fmt.Errorf("%s: server refused: %s %q", verb, r.Status, trunc([]byte(r.Text)))
			}
			c.noteCode(r.Code)
			return r, nil
		default:
			return nil, protoErr("%s: tagged response %q, the command's tag is %q", verb, r.Tag, tag)
		}
	}
}

// untagged does the client's bookkeeping for one untagged response and
// checks it against what the server said before.
func (c *IMAP) untagged(r *response, verb string) error {
	switch {
	case r.Status == "BYE" && verb != "LOGOUT":
		return fmt.Errorf("server closing: %q", trunc([]byte(r.Text)))
	case r.Status == "NO" || r.Status == "BAD":
		return fmt.Errorf("server warning: %s %q", r.Status, trunc([]byte(r.Text)))
	case r.Status != "":
		c.noteCode(r.Code)
	case r.Kind == "CAPABILITY":
		c.setCaps(r.Fields)
	case r.Kind == "EXISTS":
		if int(r.Num) < c.Exists {
			return protoErr("EXISTS %d after %d without EXPUNGE", r.Num, c.Exists)
		}
		c.Exists = int(r.Num)
	case r.Kind == "EXPUNGE":
		if r.Num == 0 || int(r.Num) > c.Exists {
			return protoErr("EXPUNGE %d with %d messages", r.Num, c.Exists)
		}
		c.Exists--
	case r.Kind == "FETCH":
		if r.Num == 0 || int(r.Num) > c.Exists {
			return protoErr("FETCH for message %d of %d", r.Num, c.Exists)
		}
	}
	return nil
}

// noteCode records capabilities given in a response code.
func (c *IMAP) noteCode(code string) {
	if f := strings.Fields(code); len(f) > 0 && strings.EqualFold(f[0], "CAPABILITY") {
		c.setCaps(f[1:])
	}
}

func (c *IMAP) setCaps(f []string) {
	c.Caps = make(map[string]bool, len(f))
	for _, s := range f {
		c.Caps[strings.ToUpper(s)] = true
	}
}

// quote makes an IMAP quoted string (RFC 3501 §4.3).
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// Login logs in with LOGIN. Capabilities are forgotten unless the OK
// carries them.
func (c *IMAP) Login(u User) error {
	c.Caps = nil
	_, err := c.Cmd("LOGIN "+quote(u.Address)+" "+quote(u.Password), nil)
	return err
}

// Capability runs CAPABILITY, which must list IMAP4rev1.
func (c *IMAP) Capability() error {
	c.Caps = nil
	if _, err := c.Cmd("CAPABILITY", nil); err != nil {
		return err
	}
	if !c.Caps["IMAP4REV1"] {
		return protoErr("CAPABILITY without IMAP4rev1")
	}
	return nil
}

// Has reports a capability, running CAPABILITY first if none is known.
func (c *IMAP) Has(capability string) (bool, error) {
	if c.Caps == nil {
		if err := c.Capability(); err != nil {
			return false, err
		}
	}
	return c.Caps[strings.ToUpper(capability)], nil
}

// Select selects a mailbox read-write. The server must announce the
// message count (EXISTS) and UIDVALIDITY (RFC 3501 §6.3.1).
func (c *IMAP) Select(mailbox string) error {
	c.Exists, c.UIDValidity, c.UIDNext = 0, 0, 0
	sawExists := false
	_, err := c.Cmd("SELECT "+quote(mailbox), func(r *response) error {
		sawExists = sawExists || r.Kind == "EXISTS"
		if r.Status == "OK" {
			if f := strings.Fields(r.Code); len(f) == 2 {
				n, err := strconv.ParseUint(f[1], 10, 32)
				switch strings.ToUpper(f[0]) {
				case "UIDVALIDITY":
					if err != nil || n == 0 {
						return protoErr("UIDVALIDITY %q", f[1])
					}
					c.UIDValidity = uint32(n)
				case "UIDNEXT":
					if err != nil || n == 0 {
						return protoErr("UIDNEXT %q", f[1])
					}
					c.UIDNext = uint32(n)
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if !sawExists || c.UIDValidity == 0 {
		return protoErr("SELECT without EXISTS or UIDVALIDITY")
	}
	return nil
}

// Append appends msg to mailbox with the flags (a parenthesized list or
// ""), as a non-synchronizing literal when the server has LITERAL+. It
// returns the APPENDUID (RFC 4315 §3) when the server has UIDPLUS, which
// then must be there.
func (c *IMAP) Append(mailbox, flags string, msg []byte) (uidValidity, uid uint32, err error) {
	plus, err := c.Has("LITERAL+")
	if err != nil {
		return 0, 0, err
	}
	uidplus := c.Caps["UIDPLUS"]
	line := "APPEND " + quote(mailbox)
	if flags != "" {
		line += " " + flags
	}
	c.tagN++
	tag := "a" + strconv.Itoa(c.tagN)
	if plus {
		err = c.write([]byte(fmt.Sprintf("%s %s {%d+}\r\n", tag, line, len(msg))), msg, []byte("\r\n"))
	} else if err = c.write([]byte(fmt.Sprintf("%s %s {%d}\r\n", tag, line, len(msg)))); err == nil {
		err = c.awaitContinuation(tag)
		if err == nil {
			err = c.write(msg, []byte("\r\n"))
		}
	}
	if err != nil {
		return 0, 0, fmt.Errorf("APPEND: %w", err)
	}
	r, err := c.finish(tag, "APPEND", nil)
	if err != nil || !uidplus {
		return 0, 0, err
	}
	f := strings.Fields(r.Code)
	if len(f) != 3 || !strings.EqualFold(f[0], "APPENDUID") {
		return 0, 0, protoErr("APPEND: UIDPLUS advertised, but the OK's code is %q", r.Code)
	}
	v, err1 := strconv.ParseUint(f[1], 10, 32)
	u, err2 := strconv.ParseUint(f[2], 10, 32)
	if err1 != nil || err2 != nil || v == 0 || u == 0 {
		return 0, 0, protoErr("APPEND: APPENDUID %q", r.Code)
	}
	return uint32(v), uint32(u), nil
}

// awaitContinuation reads untagged responses up to the continuation
// request for a synchronizing literal; a tagged response is a refusal.
func (c *IMAP) awaitContinuation(tag string) error {
	for i := 0; ; i++ {
		if i == maxResponses {
			return protoErr("over %d responses before the continuation", maxResponses)
		}
		r, err := c.rd.read()
		if err != nil {
			return err
		}
		switch r.Tag {
		case "+":
			return nil
		case "*":
			if err := c.untagged(r, "APPEND"); err != nil {
				return err
			}
		case tag:
			return fmt.Errorf("server refused the literal: %s %q", r.Status, trunc([]byte(r.Text)))
		default:
			return protoErr("tagged response %q, the command's tag is %q", r.Tag, tag)
		}
	}
}

// Logout sends LOGOUT, requires the untagged BYE before the tagged OK
// (RFC 3501 §6.1.3) and closes the connection.
func (c *IMAP) Logout() error {
	defer c.lc.Close()
	bye := false
	_, err := c.Cmd("LOGOUT", func(r *response) error {
		bye = bye || r.Status == "BYE"
		return nil
	})
	if err == nil && !bye {
		err = protoErr("LOGOUT: no untagged BYE before the OK")
	}
	return err
}

// FetchAll runs UID FETCH 1:* (FLAGS RFC822.SIZE BODY.PEEK[]) on the
// selected mailbox and checks the answer: one FETCH response per
// message (as many as EXISTS, each sequence number once), each with its
// UID (distinct, ascending with the sequence numbers, RFC 3501
// §2.3.1.1), FLAGS, RFC822.SIZE and BODY[] items; RFC822.SIZE equal to
// the octets of BODY[]; every body passing the literal checks (CRLF,
// BodyDigestHeader). It returns the messages and their octets.
func (c *IMAP) FetchAll() (Counts, error) {
	n := c.Exists
	uids := make([]uint32, n+1)
	var cnt Counts
	_, err := c.Cmd("UID FETCH 1:* (FLAGS RFC822.SIZE BODY.PEEK[])", func(r *response) error {
		if r.Kind != "FETCH" || r.Fetch.flagsOnly() {
			return nil
		}
		f := r.Fetch
		if int(r.Num) > n {
			return protoErr("FETCH for message %d, SELECT said %d", r.Num, n)
		}
		if uids[r.Num] != 0 {
			return protoErr("two FETCH responses for message %d", r.Num)
		}
		b := f.body("BODY[]")
		if !f.HasUID || !f.HasFlags || !f.HasSize || b == nil || b.Nil {
			return protoErr("FETCH for message %d lacks UID, FLAGS, RFC822.SIZE or BODY[]", r.Num)
		}
		if b.Size != f.Size {
			return protoErr("message %d: RFC822.SIZE %d, BODY[] has %d octets", r.Num, f.Size, b.Size)
		}
		if b.Size == 0 {
			return protoErr("message %d: empty BODY[]", r.Num)
		}
		uids[r.Num] = f.UID
		cnt.Messages++
		cnt.Bytes += b.Size
		return nil
	})
	if err != nil {
		return Counts{}, err
	}
	if int(cnt.Messages) != n || c.Exists != n {
		return Counts{}, protoErr("UID FETCH 1:* gave %d messages, EXISTS said %d (now %d)", cnt.Messages, n, c.Exists)
	}
	for i := 2; i <= n; i++ {
		if uids[i] <= uids[i-1] {
			return Counts{}, protoErr("UID %d of message %d is not above UID %d of message %d", uids[i], i, uids[i-1], i-1)
		}
	}
	return cnt, nil
}

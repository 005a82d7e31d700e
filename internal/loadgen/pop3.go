package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"time"
)

// POP3 is a checking POP3 client (RFC 1939, 2595): every status line must
// be +OK, every listing is parsed strictly, and every multi-line reply
// must end with its terminator. It is not safe for concurrent use.
type POP3 struct {
	lc *lineConn
	// Greeting is the server's greeting line.
	Greeting string
}

// POP3Entry is one line of a LIST or UIDL listing.
type POP3Entry struct {
	Num  int
	Size int64  // LIST
	UID  string // UIDL
}

// DialPOP3 connects, secures the connection as o.TLS says (STLS after the
// greeting for TLSStartTLS) and reads the greeting. The connection closes
// when ctx ends.
func DialPOP3(ctx context.Context, o *Options) (*POP3, error) {
	lc, err := dial(ctx, o)
	if err != nil {
		return nil, err
	}
	return newPOP3(ctx, lc, o)
}

// newPOP3 reads the greeting on a connection (and upgrades it with STLS
// when o.TLS is TLSStartTLS); it closes lc on failure.
func newPOP3(ctx context.Context, lc *lineConn, o *Options) (*POP3, error) {
	c := &POP3{lc: lc}
	var err error
	if c.Greeting, err = c.status(); err != nil {
		lc.Close()
		return nil, fmt.Errorf("greeting: %w", err)
	}
	if o.TLS == TLSStartTLS {
		if _, err := c.Cmd("STLS"); err != nil {
			lc.Close()
			return nil, err
		}
		if err := lc.startTLS(ctx, o.TLSConfig); err != nil {
			lc.Close()
			return nil, err
		}
	}
	return c, nil
}

// status reads a status line and requires +OK. It returns the text after
// "+OK ".
func (c *POP3) status() (string, error) {
	l, err := c.lc.readLine()
	if err != nil {
		return "", err
	}
	if l == "+OK" || strings.HasPrefix(l, "+OK ") {
		return strings.TrimPrefix(strings.TrimPrefix(l, "+OK"), " "), nil
	}
	if strings.HasPrefix(l, "-ERR") {
		return "", fmt.Errorf("server refused: %q", l)
	}
	return "", protoErr("status line %q is neither +OK nor -ERR", l)
}

// Cmd sends a command and requires +OK; it returns the reply's text. The
// command is not included in errors, so a PASS never reaches a report.
func (c *POP3) Cmd(line string) (string, error) {
	if err := c.lc.send(line); err != nil {
		return "", err
	}
	verb, _, _ := strings.Cut(line, " ")
	text, err := c.status()
	if err != nil {
		return "", fmt.Errorf("%s: %w", verb, err)
	}
	return text, nil
}

// Login authenticates with USER and PASS.
func (c *POP3) Login(u User) error {
	if _, err := c.Cmd("USER " + u.Address); err != nil {
		return err
	}
	_, err := c.Cmd("PASS " + u.Password)
	return err
}

// Stat returns the message count and total size.
func (c *POP3) Stat() (n int, size int64, err error) {
	text, err := c.Cmd("STAT")
	if err != nil {
		return 0, 0, err
	}
	f := strings.Fields(text)
	if len(f) < 2 {
		return 0, 0, protoErr("STAT reply %q", text)
	}
	n, err1 := strconv.Atoi(f[0])
	size, err2 := strconv.ParseInt(f[1], 10, 64)
	if err1 != nil || err2 != nil || n < 0 || size < 0 {
		return 0, 0, protoErr("STAT reply %q", text)
	}
	return n, size, nil
}

// List runs LIST (uidl false) or UIDL (uidl true) without an argument and
// checks the listing: one entry per line, numbers 1, 2, ... in order
// (RFC 1939 §5: no deleted messages in this session), sizes
// non-negative, unique-ids of 1 to 70 characters in 0x21-0x7E (§7) and
// distinct.
func (c *POP3) List(uidl bool) ([]POP3Entry, error) {
	verb := "LIST"
	if uidl {
		verb = "UIDL"
	}
	if _, err := c.Cmd(verb); err != nil {
		return nil, err
	}
	var out []POP3Entry
	seen := make(map[string]bool)
	for {
		l, err := c.lc.readLine()
		if err != nil {
			return nil, fmt.Errorf("%s listing: %w", verb, err)
		}
		if l == "." {
			return out, nil
		}
		if len(out) == maxListing {
			return nil, protoErr("%s listing over %d lines", verb, maxListing)
		}
		f := strings.Fields(l)
		if len(f) != 2 {
			return nil, protoErr("%s line %q", verb, l)
		}
		num, err := strconv.Atoi(f[0])
		if err != nil || num != len(out)+1 {
			return nil, protoErr("%s line %q: want message %d", verb, l, len(out)+1)
		}
		e := POP3Entry{Num: num}
		if uidl {
			if !validUID(f[1]) || seen[f[1]] {
				return nil, protoErr("UIDL line %q: unique-id invalid or repeated", l)
			}
			seen[f[1]] = true
			e.UID = f[1]
		} else if e.Size, err = strconv.ParseInt(f[1], 10, 64); err != nil || e.Size < 0 {
			return nil, protoErr("LIST line %q", l)
		}
		out = append(out, e)
	}
}

// maxListing bounds the lines of a LIST or UIDL listing.
const maxListing = 1_000_000

func validUID(s string) bool {
	if len(s) < 1 || len(s) > 70 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// Retrieved is what RETR returned, after the checks.
type Retrieved struct {
	// Size is the message's octets after removing the byte-stuffing, each
	// line counted with its CRLF: what LIST's size counts (RFC 1939 §11).
	Size int64
	// Checked reports that the message carried a BodyDigestHeader and
	// its body matched it.
	Checked bool
}

// Retr retrieves message n and checks it: +OK, CRLF line endings, a
// non-empty message before the terminator, and, when the message has a
// BodyDigestHeader field (every generated message does), a body whose
// SHA-256 equals it.
func (c *POP3) Retr(n int) (Retrieved, error) {
	if _, err := c.Cmd("RETR " + strconv.Itoa(n)); err != nil {
		return Retrieved{}, err
	}
	var rt Retrieved
	bc := bodyChecker{bol: true}
	for {
		c.lc.c.SetDeadline(time.Now().Add(c.lc.timeout))
		l, err := c.lc.r.ReadSlice('\n')
		full := err == bufio.ErrBufferFull // a piece of a long line
		if err != nil && !full {
			return rt, fmt.Errorf("RETR %d body: %w", n, err)
		}
		if !full && !bytes.HasSuffix(l, []byte("\r\n")) {
			return rt, protoErr("RETR %d: line does not end in CRLF", n)
		}
		if bc.bol && len(l) > 0 && l[0] == '.' {
			if !full && len(l) == 3 { // ".\r\n"
				break
			}
			l = l[1:] // byte-stuffing (RFC 1939 §3)
		}
		rt.Size += int64(len(l))
		bc.write(l, !full)
	}
	if rt.Size == 0 {
		return rt, protoErr("RETR %d: empty message", n)
	}
	ok, err := bc.verdict()
	if err != nil {
		return rt, fmt.Errorf("RETR %d: %w", n, err)
	}
	rt.Checked = ok
	return rt, nil
}

// Quit sends QUIT, requires +OK and closes the connection.
func (c *POP3) Quit() error {
	_, err := c.Cmd("QUIT")
	c.lc.Close()
	return err
}

// Close closes the connection without QUIT.
func (c *POP3) Close() error { return c.lc.Close() }

// bodyChecker follows a message line by line: it finds the
// BodyDigestHeader field in the header and hashes everything after the
// blank line that ends the header.
type bodyChecker struct {
	bol    bool // the next piece starts a line (start true)
	inBody bool
	want   string
	h      hash.Hash
}

func (b *bodyChecker) write(piece []byte, endsLine bool) {
	if b.inBody {
		if b.h != nil {
			b.h.Write(piece)
		}
	} else if b.bol {
		if len(piece) == 2 && endsLine { // the blank line: CRLF
			b.inBody = true
			if b.want != "" {
				b.h = sha256.New()
			}
		} else if k, v, ok := bytes.Cut(piece, []byte(":")); ok && strings.EqualFold(string(k), BodyDigestHeader) {
			b.want = strings.TrimSpace(string(v))
		}
	}
	b.bol = endsLine
}

// verdict reports whether a digest was found and checked; a mismatch is
// an error.
func (b *bodyChecker) verdict() (bool, error) {
	if b.h == nil {
		return false, nil
	}
	if got := hex.EncodeToString(b.h.Sum(nil)); got != b.want {
		return false, protoErr("body digest %s, header says %s", got[:16], trunc([]byte(b.want)))
	}
	return true, nil
}

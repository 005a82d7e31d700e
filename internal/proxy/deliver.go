package proxy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/postern/postern/internal/netserve"
)

// Mail for a mailbox whose database is active on another server crosses
// the same authenticated hop as the sessions: the receiving server's
// transport sends
//
//	DELIVER {"users":[42,43],"size":1234,"date":1765000000}
//
// then exactly size bytes of message, and the server holding the database
// answers "OK" once the message is durably stored for every user, or
// "NO temp TEXT" / "NO perm TEXT". The receiving server answers its SMTP
// or LMTP client only after that answer, so an acknowledged message is
// stored before 250, as in one server.

// deliverPrefix starts a delivery's first line.
const deliverPrefix = "DELIVER "

// maxDeliverUsers bounds the users of one delivery.
const maxDeliverUsers = 1000

// DeliverRequest is the first line of a delivery.
type DeliverRequest struct {
	Users []int64 `json:"users"`
	Size  int64   `json:"size"`
	Date  int64   `json:"date"` // Unix seconds: the message's internal date
}

// ParseDeliver parses a delivery's first line.
func ParseDeliver(line []byte, maxSize int64) (DeliverRequest, error) {
	var r DeliverRequest
	rest, ok := bytes.CutPrefix(bytes.TrimRight(line, "\r\n"), []byte(deliverPrefix))
	if !ok {
		return r, fmt.Errorf("%w: not a delivery", errBadHandoff)
	}
	d := json.NewDecoder(bytes.NewReader(rest))
	if err := d.Decode(&r); err != nil || d.More() {
		return r, fmt.Errorf("%w: delivery line", errBadHandoff)
	}
	if len(r.Users) == 0 || len(r.Users) > maxDeliverUsers || r.Size < 0 || r.Size > maxSize || r.Date < 0 {
		return r, fmt.Errorf("%w: delivery out of bounds", errBadHandoff)
	}
	for _, u := range r.Users {
		if u <= 0 {
			return r, fmt.Errorf("%w: user id %d", errBadHandoff, u)
		}
	}
	return r, nil
}

// Deliver stores a message in the Inboxes of users on the server behind
// b (durably, before it returns nil). A temporary failure wraps
// ErrBackendStopped.
func (b *RemoteBackend) Deliver(ctx context.Context, users []int64, body io.Reader, size int64, date time.Time) error {
	line, err := json.Marshal(DeliverRequest{Users: users, Size: size, Date: date.Unix()})
	if err != nil {
		return err
	}
	limit := b.DialTimeout
	if limit <= 0 {
		limit = DefaultDialTimeout
	}
	dctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	d := newDialer(b.tlsConfig())
	nc, err := d.DialContext(dctx, "tcp", b.Addr)
	if err != nil {
		return fmt.Errorf("delivery to %s: %w: %w", b.Addr, ErrBackendStopped, err)
	}
	defer nc.Close()
	stop := context.AfterFunc(ctx, func() { nc.SetDeadline(time.Now()) })
	defer stop()
	nc.SetDeadline(time.Now().Add(5 * time.Minute))
	if _, err := nc.Write(append(append([]byte(deliverPrefix), line...), '\r', '\n')); err != nil {
		return fmt.Errorf("delivery to %s: %w: %w", b.Addr, ErrBackendStopped, err)
	}
	n, err := io.Copy(nc, io.LimitReader(body, size))
	if err == nil && n != size {
		err = fmt.Errorf("message shorter (%d bytes) than its size %d", n, size)
	}
	if err != nil {
		return fmt.Errorf("delivery to %s: %w", b.Addr, err)
	}
	reply, err := readReply(nc)
	if err != nil {
		return fmt.Errorf("delivery to %s: no answer: %w: %w", b.Addr, ErrBackendStopped, err)
	}
	if reply == "OK" {
		return nil
	}
	kind, text, _ := strings.Cut(strings.TrimPrefix(reply, "NO "), " ")
	if kind == "perm" {
		return fmt.Errorf("delivery to %s: %s: %w", b.Addr, text, ErrBackendRefused)
	}
	return fmt.Errorf("delivery to %s: %s: %w", b.Addr, text, ErrBackendStopped)
}

// readReply reads one answer line byte by byte.
func readReply(r io.Reader) (string, error) {
	var buf [maxReplyLine]byte
	for n := 0; n < len(buf); n++ {
		if _, err := io.ReadFull(r, buf[n:n+1]); err != nil {
			return "", err
		}
		if buf[n] == '\n' {
			return strings.TrimSuffix(string(buf[:n]), "\r"), nil
		}
	}
	return "", errors.New("answer too long")
}

// DeliverFunc stores a message for users on this server; a temporary
// failure wraps ErrBackendStopped or store.ErrTemporary.
type DeliverFunc func(ctx context.Context, users []int64, body io.Reader, size int64, date time.Time) error

// serveDeliver answers one delivery on a ProxyTargetPort.
func (p *ProxyHandler) serveDeliver(ctx context.Context, c *netserve.Conn, line []byte, log *slog.Logger) {
	req, err := ParseDeliver(line, p.MaxDeliverSize)
	if err != nil {
		log.Warn("bad delivery", "err", err)
		p.refuse(c, "perm", "bad delivery")
		return
	}
	c.SetIdleTimeout(5 * time.Minute)
	body := &countingReader{r: io.LimitReader(c.Reader(), req.Size)}
	err = p.Deliver(ctx, req.Users, body, req.Size, time.Unix(req.Date, 0))
	if err == nil && body.n != req.Size {
		err = fmt.Errorf("message shorter (%d bytes) than its size %d: %w", body.n, req.Size, ErrBackendStopped)
	}
	if err != nil {
		log.Warn("delivery failed", "users", req.Users, "err", err)
		kind := "temp"
		if errors.Is(err, ErrBackendRefused) {
			kind = "perm"
		}
		p.refuse(c, kind, "delivery failed")
		return
	}
	log.Info("delivered", "users", req.Users, "size", req.Size)
	c.WriteString("OK\r\n")
	c.Flush()
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

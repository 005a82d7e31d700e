package loadgen

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"time"

	"github.com/postern/postern/internal/smtp"
)

// LMTP is a checking LMTP sender (RFC 2033) over internal/smtp's client,
// which requires 250 for MAIL and each RCPT, 354 for DATA and then one
// reply per accepted recipient, in order. LMTP checks that every
// recipient got its 250 and adds deadlines and cancellation.
type LMTP struct {
	o    *Options
	conn net.Conn
	cl   *smtp.Client
	stop func() bool
}

// DialLMTP connects to o.Addr in plaintext (LMTP runs on loopback or a
// private network) and sends LHLO. The connection closes when ctx ends.
func DialLMTP(ctx context.Context, o *Options) (*LMTP, error) {
	d := net.Dialer{Timeout: o.Timeout}
	conn, err := d.DialContext(ctx, "tcp", o.Addr)
	if err != nil {
		return nil, err
	}
	l := &LMTP{o: o, conn: conn, stop: context.AfterFunc(ctx, func() { conn.Close() })}
	conn.SetDeadline(time.Now().Add(o.Timeout))
	if l.cl, err = smtp.NewClient(conn); err != nil {
		l.Close()
		return nil, fmt.Errorf("LMTP greeting: %w", err)
	}
	if err := l.cl.LHLO("loadgen.mail.test"); err != nil {
		l.Close()
		return nil, fmt.Errorf("LHLO: %w", err)
	}
	return l, nil
}

// Send delivers msg to rcpts in one transaction and returns an error
// unless every recipient was accepted and stored (250 after DATA).
func (l *LMTP) Send(rcpts []string, msg []byte) error {
	l.conn.SetDeadline(time.Now().Add(l.o.Timeout))
	per, err := l.cl.Send(l.o.From, rcpts, bytes.NewReader(msg))
	if err != nil {
		return fmt.Errorf("LMTP transaction: %w", err)
	}
	if len(per) != len(rcpts) {
		return protoErr("%d LMTP replies for %d recipients", len(per), len(rcpts))
	}
	for i, e := range per {
		if e != nil {
			return fmt.Errorf("LMTP recipient %s: %w", rcpts[i], e)
		}
	}
	return nil
}

// Quit ends the session politely.
func (l *LMTP) Quit() error {
	l.conn.SetDeadline(time.Now().Add(l.o.Timeout))
	l.stop()
	return l.cl.Quit()
}

// Close closes the connection without QUIT.
func (l *LMTP) Close() {
	l.stop()
	l.conn.Close()
}

// lmtpWorker holds one LMTP session across operations, reconnecting
// after an error.
type lmtpWorker struct {
	o  *Options
	cl *LMTP
}

func (w *lmtpWorker) send(ctx context.Context, rcpts []string, msg []byte) error {
	if w.cl == nil {
		cl, err := DialLMTP(ctx, w.o)
		if err != nil {
			return err
		}
		w.cl = cl
	}
	if err := w.cl.Send(rcpts, msg); err != nil {
		w.Close() // the session may be out of step: start afresh
		return err
	}
	return nil
}

func (w *lmtpWorker) Close() {
	if w.cl != nil {
		w.cl.Quit()
		w.cl = nil
	}
}

// deliverPool is how many distinct messages deliver cycles through:
// generated once, so the generator's own work stays out of the figures.
const deliverPool = 64

// deliver is the deliver workload: one operation is one LMTP transaction
// of a generated message to Recipients users, over a session each client
// keeps open. Messages count deliveries (one per recipient); bytes count
// the message once per transaction.
type deliver struct {
	o    *Options
	msgs [][]byte
}

func newDeliver(o *Options) (Workload, error) {
	d := &deliver{o: o, msgs: make([][]byte, deliverPool)}
	for i := range d.msgs {
		d.msgs[i] = Message(o.Seed^0x5eed, 0, i, "undisclosed-recipients@mail.test")
	}
	return d, nil
}

func (d *deliver) Metric() string         { return "messages/s" }
func (d *deliver) Bounded() (int64, bool) { return 0, false }
func (d *deliver) NewWorker(i, n int) Worker {
	return &deliverWorker{lmtpWorker: lmtpWorker{o: d.o}, d: d}
}

type deliverWorker struct {
	lmtpWorker
	d *deliver
}

func (w *deliverWorker) Do(ctx context.Context, k int64) (Counts, error) {
	users := w.o.Users
	rcpts := make([]string, w.o.Recipients)
	for j := range rcpts {
		rcpts[j] = users[(k*int64(len(rcpts))+int64(j))%int64(len(users))].Address
	}
	msg := w.d.msgs[k%deliverPool]
	if err := w.send(ctx, rcpts, msg); err != nil {
		return Counts{}, err
	}
	return Counts{Messages: int64(len(rcpts)), Bytes: int64(len(msg))}, nil
}

// seed is the seed workload: one operation per user, delivering
// MessagesPerUser generated messages to that user in order, so every
// server seeded with the same options holds the same messages in the same
// order.
type seed struct{ o *Options }

func newSeed(o *Options) (Workload, error) { return seed{o}, nil }

func (s seed) Metric() string            { return "messages/s" }
func (s seed) Bounded() (int64, bool)    { return int64(len(s.o.Users)), true }
func (s seed) NewWorker(i, n int) Worker { return &seedWorker{lmtpWorker{o: s.o}} }

type seedWorker struct{ lmtpWorker }

func (w *seedWorker) Do(ctx context.Context, k int64) (Counts, error) {
	u := w.o.Users[k]
	var c Counts
	for j := 0; j < w.o.MessagesPerUser; j++ {
		msg := Message(w.o.Seed, int(k), j, u.Address)
		if err := w.send(ctx, []string{u.Address}, msg); err != nil {
			return c, fmt.Errorf("seeding message %d of %s: %w", j+1, u.Address, err)
		}
		c.Messages++
		c.Bytes += int64(len(msg))
	}
	return c, nil
}

package loadgen

import (
	"context"
	"fmt"
)

// submitPool is how many distinct messages each smtp-submit client
// cycles through, generated before the run.
const submitPool = 8

// smtpSubmit is the smtp-submit workload: message submission as a mail
// client makes it (RFC 6409). One operation is one message: a client
// connects (STARTTLS on 587 with -tls starttls, TLS from the first byte
// on 465 with implicit), says EHLO, authenticates with AUTH PLAIN as its
// user, sends MAIL FROM its own address, RCPT TO Recipients local users
// and DATA of a generated message of MessageSize octets whose From is
// the user, and, after PerSession messages (default 1: a session per
// message), QUIT. Every reply's code is checked (220, 250, 220, 250,
// 235, 250, 250…, 354, 250, 221), and so is the EHLO offer (STARTTLS
// before TLS and not after it, AUTH PLAIN, SIZE when offered). Messages
// count submitted messages (one per transaction, whatever its
// recipients); bytes count each message once.
type smtpSubmit struct{ o *Options }

func newSMTPSubmit(o *Options) (Workload, error) { return smtpSubmit{o}, nil }

func (s smtpSubmit) Metric() string         { return "messages/s" }
func (s smtpSubmit) Bounded() (int64, bool) { return 0, false }
func (s smtpSubmit) NewWorker(i, n int) Worker {
	u := userFor(s.o.Users, i, n, 0)
	w := &submitWorker{o: s.o, u: u, msgs: make([][]byte, submitPool)}
	for j := range w.msgs {
		w.msgs[j] = sizedMessageFrom(s.o.Seed^0x5b17, i*submitPool+j, s.o.MessageSize, "<"+u.Address+">", "undisclosed-recipients@mail.test")
	}
	return w
}

type submitWorker struct {
	o    *Options
	u    User
	msgs [][]byte
	c    *SMTP
	sent int // messages sent in the current session
}

func (w *submitWorker) Do(ctx context.Context, k int64) (Counts, error) {
	if w.c == nil {
		c, err := DialSMTP(ctx, w.o)
		if err == nil {
			if err = c.Login(w.u); err != nil {
				c.Close()
			}
		}
		if err != nil {
			return Counts{}, fmt.Errorf("%s: %w", w.u.Address, err)
		}
		w.c, w.sent = c, 0
	}
	users := w.o.Users
	rcpts := make([]string, w.o.Recipients)
	for j := range rcpts {
		rcpts[j] = users[(k*int64(len(rcpts))+int64(j))%int64(len(users))].Address
	}
	msg := w.msgs[k%submitPool]
	if err := w.c.Send(w.u.Address, rcpts, msg); err != nil {
		w.Close() // the session may be out of step: start afresh
		return Counts{}, fmt.Errorf("%s: %w", w.u.Address, err)
	}
	if w.sent++; w.sent >= w.o.PerSession {
		err := w.c.Quit()
		w.c = nil
		if err != nil {
			return Counts{}, fmt.Errorf("%s: QUIT: %w", w.u.Address, err)
		}
	}
	return Counts{Messages: 1, Bytes: int64(len(msg))}, nil
}

func (w *submitWorker) Close() {
	if w.c != nil {
		w.c.Close()
		w.c = nil
	}
}

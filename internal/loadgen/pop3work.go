package loadgen

import (
	"context"
	"fmt"
)

// pop3Fetch is the pop3-fetch workload. One operation is a whole session
// as a mail client that keeps mail on the server makes it: connect (TLS
// as configured), USER/PASS, STAT, LIST, UIDL, RETR of every message,
// QUIT. Checks: STAT's count equals LIST's and UIDL's line counts (and
// ExpectMessages when set), STAT's size equals the sum of LIST's sizes,
// every RETR passes POP3.Retr's checks and, with ExactSizes, has the size
// LIST announced. Throughput is in messages retrieved.
type pop3Fetch struct{ o *Options }

func newPOP3Fetch(o *Options) (Workload, error) { return pop3Fetch{o}, nil }

func (w pop3Fetch) Metric() string            { return "messages/s" }
func (w pop3Fetch) Bounded() (int64, bool)    { return 0, false }
func (w pop3Fetch) NewWorker(i, n int) Worker { return &pop3FetchWorker{o: w.o, i: i, n: n} }

type pop3FetchWorker struct {
	o    *Options
	i, n int
	k    int64 // this client's operations so far, to pick the user
}

func (w *pop3FetchWorker) Close() {}

func (w *pop3FetchWorker) Do(ctx context.Context, _ int64) (Counts, error) {
	u := userFor(w.o.Users, w.i, w.n, w.k)
	w.k++
	c, err := DialPOP3(ctx, w.o)
	if err != nil {
		return Counts{}, err
	}
	defer c.Close()
	cnt, err := FetchAll(c, u, w.o)
	if err != nil {
		return Counts{}, fmt.Errorf("%s: %w", u.Address, err)
	}
	return cnt, nil
}

// FetchAll runs the pop3-fetch session on a connected client: log in,
// STAT, LIST, UIDL, RETR each message, QUIT, with the checks described
// on pop3Fetch.
func FetchAll(c *POP3, u User, o *Options) (Counts, error) {
	if err := c.Login(u); err != nil {
		return Counts{}, err
	}
	n, total, err := c.Stat()
	if err != nil {
		return Counts{}, err
	}
	if o.ExpectMessages > 0 && n != o.ExpectMessages {
		return Counts{}, protoErr("STAT says %d messages, %d expected", n, o.ExpectMessages)
	}
	list, err := c.List(false)
	if err != nil {
		return Counts{}, err
	}
	uidl, err := c.List(true)
	if err != nil {
		return Counts{}, err
	}
	if len(list) != n || len(uidl) != n {
		return Counts{}, protoErr("STAT says %d messages, LIST lists %d, UIDL %d", n, len(list), len(uidl))
	}
	var sum int64
	for _, e := range list {
		sum += e.Size
	}
	if sum != total {
		return Counts{}, protoErr("STAT says %d octets, LIST sizes add up to %d", total, sum)
	}
	var cnt Counts
	for _, e := range list {
		rt, err := c.Retr(e.Num)
		if err != nil {
			return Counts{}, err
		}
		if o.ExactSizes && rt.Size != e.Size {
			return Counts{}, protoErr("RETR %d gave %d octets, LIST said %d", e.Num, rt.Size, e.Size)
		}
		cnt.Messages++
		cnt.Bytes += rt.Size
	}
	if err := c.Quit(); err != nil {
		return Counts{}, err
	}
	return cnt, nil
}

// pop3Login is the pop3-login workload: connect, TLS handshake (implicit
// or STLS), USER/PASS, QUIT; every reply must be +OK.
type pop3Login struct{ o *Options }

func newPOP3Login(o *Options) (Workload, error) { return pop3Login{o}, nil }

func (w pop3Login) Metric() string            { return "ops/s" }
func (w pop3Login) Bounded() (int64, bool)    { return 0, false }
func (w pop3Login) NewWorker(i, n int) Worker { return &pop3LoginWorker{o: w.o, i: i, n: n} }

type pop3LoginWorker struct {
	o    *Options
	i, n int
	k    int64
}

func (w *pop3LoginWorker) Close() {}

func (w *pop3LoginWorker) Do(ctx context.Context, _ int64) (Counts, error) {
	u := userFor(w.o.Users, w.i, w.n, w.k)
	w.k++
	c, err := DialPOP3(ctx, w.o)
	if err != nil {
		return Counts{}, err
	}
	defer c.Close()
	if err := c.Login(u); err != nil {
		return Counts{}, fmt.Errorf("%s: %w", u.Address, err)
	}
	return Counts{}, c.Quit()
}

package loadgen

import (
	"context"
	"fmt"
	"sync"
)

// imapFetch is the imap-fetch workload (issue 7). One operation is a
// whole session: connect (TLS as configured), LOGIN, SELECT INBOX,
// UID FETCH 1:* (FLAGS RFC822.SIZE BODY.PEEK[]), LOGOUT, with the checks
// of IMAP.FetchAll and, when ExpectMessages is set, that many messages
// in every Inbox. Throughput is in messages retrieved. No other client
// may write to the mailboxes during the run (the counts are exact).
type imapFetch struct{ o *Options }

func newIMAPFetch(o *Options) (Workload, error) { return imapFetch{o}, nil }

func (w imapFetch) Metric() string         { return "messages/s" }
func (w imapFetch) Bounded() (int64, bool) { return 0, false }
func (w imapFetch) NewWorker(i, n int) Worker {
	return &imapSessionWorker{o: w.o, i: i, n: n, run: FetchMailbox}
}

// imapSessionWorker runs one whole session per operation, rotating over
// the client's users as pop3-fetch does.
type imapSessionWorker struct {
	o    *Options
	i, n int
	k    int64
	run  func(c *IMAP, u User, o *Options) (Counts, error)
}

func (w *imapSessionWorker) Close() {}

func (w *imapSessionWorker) Do(ctx context.Context, _ int64) (Counts, error) {
	u := userFor(w.o.Users, w.i, w.n, w.k)
	w.k++
	c, err := DialIMAP(ctx, w.o)
	if err != nil {
		return Counts{}, err
	}
	defer c.Close()
	cnt, err := w.run(c, u, w.o)
	if err != nil {
		return Counts{}, fmt.Errorf("%s: %w", u.Address, err)
	}
	return cnt, nil
}

// FetchMailbox runs the imap-fetch session on a connected client.
func FetchMailbox(c *IMAP, u User, o *Options) (Counts, error) {
	if err := c.Login(u); err != nil {
		return Counts{}, err
	}
	if err := c.Select("INBOX"); err != nil {
		return Counts{}, err
	}
	if o.ExpectMessages > 0 && c.Exists != o.ExpectMessages {
		return Counts{}, protoErr("SELECT says %d messages, %d expected", c.Exists, o.ExpectMessages)
	}
	cnt, err := c.FetchAll()
	if err != nil {
		return Counts{}, err
	}
	return cnt, c.Logout()
}

// imapLogin is the imap-login workload: connect, TLS handshake (implicit
// or STARTTLS), LOGIN, LOGOUT; the greeting must be OK, LOGIN's tagged
// reply OK, LOGOUT's a BYE then OK.
type imapLogin struct{ o *Options }

func newIMAPLogin(o *Options) (Workload, error) { return imapLogin{o}, nil }

func (w imapLogin) Metric() string         { return "ops/s" }
func (w imapLogin) Bounded() (int64, bool) { return 0, false }
func (w imapLogin) NewWorker(i, n int) Worker {
	return &imapSessionWorker{o: w.o, i: i, n: n, run: func(c *IMAP, u User, _ *Options) (Counts, error) {
		if err := c.Login(u); err != nil {
			return Counts{}, err
		}
		return Counts{}, c.Logout()
	}}
}

// appendPool is how many distinct messages append cycles through.
const appendPool = 16

// appendLoad is the append workload: each client keeps a session logged
// in as one user and one operation is one APPEND to that user's INBOX of
// a generated message of exactly MessageSize octets (a pool of 16,
// generated before the run). Checks: tagged OK and, when the server has
// UIDPLUS, an APPENDUID whose UIDVALIDITY never changes within a session
// and whose UIDs increase. After the run, the last message appended to
// each user is read back (RFC822.SIZE must be MessageSize, the body
// digest must verify); a failure there counts as an error of the run.
type appendLoad struct {
	o    *Options
	msgs [][]byte
	mu   sync.Mutex
	last map[string]appended // by address
}

// appended is the last message a client appended to a mailbox.
type appended struct {
	uidValidity, uid uint32
	msg              []byte
}

func newAppend(o *Options) (Workload, error) {
	a := &appendLoad{o: o, msgs: make([][]byte, appendPool), last: map[string]appended{}}
	for i := range a.msgs {
		a.msgs[i] = SizedMessage(o.Seed^0xa99e, i, o.MessageSize, "append@mail.test")
	}
	return a, nil
}

func (a *appendLoad) Metric() string         { return "messages/s" }
func (a *appendLoad) Bounded() (int64, bool) { return 0, false }
func (a *appendLoad) NewWorker(i, n int) Worker {
	return &appendWorker{a: a, u: userFor(a.o.Users, i, n, 0)}
}

// Prepare has nothing to set up.
func (a *appendLoad) Prepare(context.Context, *clientStats) error { return nil }

// Finish reads back the last message appended to each mailbox.
func (a *appendLoad) Finish(ctx context.Context, cs *clientStats) {
	for _, u := range a.o.Users {
		last, ok := a.last[u.Address]
		if !ok || last.uid == 0 {
			continue
		}
		if err := a.readBack(ctx, u, last); err != nil {
			cs.fail(fmt.Errorf("%s: reading back the last APPEND: %w", u.Address, err))
		}
	}
}

func (a *appendLoad) Report(*Result) {}

func (a *appendLoad) readBack(ctx context.Context, u User, last appended) error {
	c, err := DialIMAP(ctx, a.o)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Login(u); err != nil {
		return err
	}
	if err := c.Select("INBOX"); err != nil {
		return err
	}
	if c.UIDValidity != last.uidValidity {
		return protoErr("UIDVALIDITY %d, APPENDUID said %d", c.UIDValidity, last.uidValidity)
	}
	var got *fetchData
	_, err = c.Cmd(fmt.Sprintf("UID FETCH %d (RFC822.SIZE BODY.PEEK[])", last.uid), func(r *response) error {
		if r.Kind == "FETCH" && r.Fetch.UID == last.uid {
			got = r.Fetch
		}
		return nil
	})
	if err != nil {
		return err
	}
	if got == nil {
		return protoErr("UID %d (from APPENDUID) is not there", last.uid)
	}
	b := got.body("BODY[]")
	if b == nil || !got.HasSize || got.Size != int64(len(last.msg)) || b.Size != int64(len(last.msg)) || !b.Checked {
		return protoErr("UID %d does not hold the %d octets appended", last.uid, len(last.msg))
	}
	return c.Logout()
}

type appendWorker struct {
	a        *appendLoad
	u        User
	c        *IMAP
	validity uint32 // this session's APPENDUID UIDVALIDITY and last UID
	uid      uint32
}

func (w *appendWorker) Do(ctx context.Context, k int64) (Counts, error) {
	if w.c == nil {
		c, err := DialIMAP(ctx, w.a.o)
		if err != nil {
			return Counts{}, err
		}
		if err := c.Login(w.u); err != nil {
			c.Close()
			return Counts{}, fmt.Errorf("%s: %w", w.u.Address, err)
		}
		w.c, w.validity, w.uid = c, 0, 0
	}
	msg := w.a.msgs[k%appendPool]
	v, uid, err := w.c.Append("INBOX", "", msg)
	if err == nil && uid != 0 {
		switch {
		case w.validity != 0 && v != w.validity:
			err = protoErr("APPENDUID UIDVALIDITY %d, earlier %d", v, w.validity)
		case uid <= w.uid:
			err = protoErr("APPENDUID UID %d after %d", uid, w.uid)
		}
	}
	if err != nil {
		w.Close()
		return Counts{}, fmt.Errorf("%s: %w", w.u.Address, err)
	}
	w.validity, w.uid = v, uid
	w.a.mu.Lock()
	if prev := w.a.last[w.u.Address]; uid > prev.uid || v != prev.uidValidity {
		w.a.last[w.u.Address] = appended{v, uid, msg}
	}
	w.a.mu.Unlock()
	return Counts{Messages: 1, Bytes: int64(len(msg))}, nil
}

func (w *appendWorker) Close() {
	if w.c != nil {
		w.c.Logout()
		w.c = nil
	}
}

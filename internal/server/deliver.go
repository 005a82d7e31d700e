package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/postern/postern/internal/directory"
	"github.com/postern/postern/internal/smtp"
	"github.com/postern/postern/internal/store"
)

// delivery delivers accepted mail into local mailboxes; it is the
// transport's smtp.Deliverer and serves `postern deliver` too.
type delivery struct{ s *Server }

// Recipient checks that addr is a local mailbox.
func (d delivery) Recipient(ctx context.Context, addr string) error {
	_, err := d.s.dir.Lookup(ctx, addr)
	if errors.Is(err, directory.ErrNotFound) || errors.Is(err, directory.ErrBadName) {
		return fmt.Errorf("%s: %w", addr, smtp.ErrUnknownRecipient)
	}
	return err
}

// Deliver stores body into the Inbox of each recipient: one durable commit
// per mailbox database, one shared copy of the bytes within it. It returns
// one error per recipient (nil: durably stored).
func (d delivery) Deliver(ctx context.Context, from string, rcpts []string, body io.Reader, size int64) []error {
	errs := make([]error, len(rcpts))
	byDB := map[string][]int{} // database -> indexes into rcpts
	accounts := map[int]store.AccountID{}
	var order []string
	for i, r := range rcpts {
		u, err := d.s.dir.Lookup(ctx, r)
		if err != nil {
			errs[i] = fmt.Errorf("%s: %w", r, smtp.ErrUnknownRecipient)
			continue
		}
		if _, ok := byDB[u.Database]; !ok {
			order = append(order, u.Database)
		}
		byDB[u.Database] = append(byDB[u.Database], i)
		accounts[i] = store.AccountID(u.ID)
	}
	now := time.Now()
	for n, db := range order {
		idx := byDB[db]
		err := d.deliverTo(ctx, db, idx, accounts, body, size, now)
		if err == nil && n+1 < len(order) {
			err = rewind(body) // the next database reads the body again
		}
		for _, i := range idx {
			errs[i] = err
		}
	}
	return errs
}

func (d delivery) deliverTo(ctx context.Context, db string, idx []int, accounts map[int]store.AccountID, body io.Reader, size int64, now time.Time) error {
	to := make([]store.AccountID, 0, len(idx))
	seen := map[store.AccountID]bool{}
	for _, i := range idx {
		if a := accounts[i]; !seen[a] { // one copy per mailbox
			seen[a] = true
			to = append(to, a)
		}
	}
	st, err := d.s.Store(db)
	if err != nil && d.s.cluster != nil && errors.Is(err, store.ErrTemporary) {
		return d.s.deliverRemote(ctx, db, to, body, size, now)
	}
	if err != nil {
		return err
	}
	return d.s.deliverStore(ctx, db, st, to, body, now)
}

// deliverStore delivers into a store of this server; in cluster mode a
// mailbox that has no folders yet is made first (store.InboxOf). st is
// database db. A mailbox being moved, or that has left db, answers the
// temporary error (moves.go).
func (s *Server) deliverStore(ctx context.Context, db string, st store.Store, to []store.AccountID, body io.Reader, date time.Time) error {
	release, err := s.enterDelivery(db, to)
	if err != nil {
		return err
	}
	defer release()
	if s.cluster != nil {
		for _, a := range to {
			if _, err := store.InboxOf(ctx, st, a, true); err != nil {
				return err
			}
		}
	}
	_, err = st.Deliver(ctx, to, body, date)
	return err
}

func rewind(r io.Reader) error {
	if sk, ok := r.(io.Seeker); ok {
		_, err := sk.Seek(0, io.SeekStart)
		return err
	}
	return errors.New("body cannot be read twice")
}

// DeliverLocal delivers a message given by a local administrator (`postern
// deliver`): bare LF line endings become CRLF, a Received header is added,
// and the body is spooled so that it can be read once per database.
func (s *Server) DeliverLocal(ctx context.Context, rcpts []string, r io.Reader) []error {
	spool := filepath.Join(s.dataDir, "spool")
	if err := os.MkdirAll(spool, 0o700); err != nil {
		return repeatErr(err, len(rcpts))
	}
	f, err := os.CreateTemp(spool, "deliver-*")
	if err != nil {
		return repeatErr(err, len(rcpts))
	}
	defer os.Remove(f.Name())
	defer f.Close()
	w := bufio.NewWriter(f)
	fmt.Fprintf(w, "Received: by %s (Postern) via local delivery;\r\n\t%s\r\n", s.fqdn, time.Now().Format(time.RFC1123Z))
	tr, _ := s.Transport(ctx)
	n, err := copyCRLF(w, io.LimitReader(r, tr.MaxMessageSize+1))
	if err == nil {
		err = w.Flush()
	}
	if err == nil && n > tr.MaxMessageSize {
		err = fmt.Errorf("message larger than %d bytes: %w", tr.MaxMessageSize, store.ErrTooBig)
	}
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		return repeatErr(err, len(rcpts))
	}
	for i, r := range rcpts {
		if err := (delivery{s}).Recipient(ctx, r); err != nil {
			errs := repeatErr(nil, len(rcpts))
			errs[i] = err
			return errs
		}
	}
	return delivery{s}.Deliver(ctx, "", rcpts, f, n)
}

func repeatErr(err error, n int) []error {
	out := make([]error, n)
	for i := range out {
		out[i] = err
	}
	return out
}

// copyCRLF copies r to w turning bare LF into CRLF.
func copyCRLF(w *bufio.Writer, r io.Reader) (int64, error) {
	br := bufio.NewReader(r)
	var n int64
	prevCR := false
	for {
		b, err := br.ReadByte()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		if b == '\n' && !prevCR {
			w.WriteByte('\r')
			n++
		}
		w.WriteByte(b)
		n++
		prevCR = b == '\r'
	}
}

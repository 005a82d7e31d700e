package smtp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/postern/postern/internal/smtp/wire"
)

// cmdDATA receives the body, spools it completely, hands it to the
// Deliverer once and answers once per accepted recipient, in RCPT order
// (RFC 2033 4.2). Whatever happens to the body, the replies keep that
// shape, so the client stays in sync.
func (s *session) cmdDATA(arg string) action {
	if arg != "" {
		s.reply(wire.CodeParamSyntax, wire.StatusInvalidArgs, "DATA takes no argument")
		return actContinue
	}
	s.reply(wire.CodeStartData, wire.StatusNone, "Start mail input; end with <CRLF>.<CRLF>")
	if err := s.receive(); err != nil {
		f, fatal := s.receiveFailure(err)
		if fatal {
			return actClose
		}
		s.replyEach(f)
	} else {
		s.deliver()
	}
	s.resetTransaction()
	return actContinue
}

// errDelivererContract stands in for the results of a Deliverer that
// returned the wrong number of them.
var errDelivererContract = errors.New("smtp: Deliverer returned a wrong number of results")

// deliver hands the spooled message to the Deliverer and answers for each
// recipient; 250 only for those it stored (the durability rule).
func (s *session) deliver() {
	id := randomID(8)
	trace := traceFields(s.from, s.helo, s.remote, s.lim.hostname, "LMTP", id, s.now())
	uniq, index := dedupe(s.rcpts)
	body := &prependReader{head: trace, body: s.spool.reader()}
	size := int64(len(trace)) + s.spool.size

	// The client has sent everything: shutdown must not abort the commit.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), s.lim.timeout)
	errs := s.deliverer.Deliver(ctx, s.from, uniq, body, size)
	cancel()
	if len(errs) != len(uniq) {
		s.log.Error("bad Deliverer", "err", fmt.Errorf("%w: %d for %d recipients", errDelivererContract, len(errs), len(uniq)))
		errs = make([]error, len(uniq))
		for i := range errs {
			errs[i] = errDelivererContract
		}
	}
	for i, rcpt := range s.rcpts {
		if err := errs[index[i]]; err != nil {
			f := replyForError(err)
			s.log.Warn("delivery failed", "id", id, "from", s.from, "rcpt", rcpt, "code", int(f.code), "err", err)
			s.reply(f.code, f.status, "<"+rcpt+"> "+f.text)
			continue
		}
		s.log.Info("delivered", "id", id, "from", s.from, "rcpt", rcpt, "size", size)
		s.reply(wire.CodeOK, wire.StatusOther, "<"+rcpt+"> Ok")
	}
}

// replyEach gives every accepted recipient the same failure.
func (s *session) replyEach(f failure) {
	for _, rcpt := range s.rcpts {
		s.reply(f.code, f.status, "<"+rcpt+"> "+f.text)
	}
}

// dedupe returns the distinct recipients in first-seen order, and for
// each entry of rcpts its index among them. Domains compare without case
// (RFC 5321 2.4); local parts exactly, except the domain-less
// Postmaster, which is case-insensitive.
func dedupe(rcpts []string) (uniq []string, index []int) {
	seen := make(map[string]int, len(rcpts))
	index = make([]int, len(rcpts))
	for i, r := range rcpts {
		key := strings.ToLower(r)
		if at := strings.LastIndexByte(r, '@'); at >= 0 {
			key = r[:at] + strings.ToLower(r[at:])
		}
		j, ok := seen[key]
		if !ok {
			j = len(uniq)
			seen[key] = j
			uniq = append(uniq, r)
		}
		index[i] = j
	}
	return uniq, index
}

// prependReader reads head, then body. Unlike io.MultiReader its WriteTo
// needs no buffer of its own when body is in memory.
type prependReader struct {
	head string
	body io.Reader
}

func (r *prependReader) Read(p []byte) (int, error) {
	if r.head != "" {
		n := copy(p, r.head)
		r.head = r.head[n:]
		return n, nil
	}
	return r.body.Read(p)
}

func (r *prependReader) WriteTo(w io.Writer) (int64, error) {
	n, err := io.WriteString(w, r.head)
	r.head = r.head[n:]
	if err != nil {
		return int64(n), err
	}
	m, err := io.Copy(w, r.body)
	return int64(n) + m, err
}

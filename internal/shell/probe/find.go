package probe

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The last step of a full connectivity test: find the test message in
// the Inbox over the protocol being tested, by the marker in its
// Subject, and delete it.

// findRetry is how long a connectivity test waits before it looks for
// the test message again.
const findRetry = 250 * time.Millisecond

// FindAndDelete looks for the test message until it is found or ctx
// ends (the test's Timeout), one session of at most timeout per attempt
// (a POP3 session sees the maildrop as it was at logon).
func FindAndDelete(ctx context.Context, t Target, pp Protocol, conf *tls.Config, user, password string, timeout time.Duration, marker string) error {
	for {
		err := runProbe(ctx, t, timeout, conf, pp, user, password, func(p *probe) error {
			err := pp.findDelete(p, marker)
			if errors.Is(err, errNotYet) {
				pp.logout(p)
			}
			return err
		})
		if !errors.Is(err, errNotYet) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w before the test's Timeout ended", errNotYet)
		case <-time.After(findRetry):
		}
	}
}

// errNotYet reports that the test message is not in the Inbox yet.
var errNotYet = errors.New("the test message was not found in the Inbox")

// maxScanned bounds the POP3 messages whose header a test reads; the test
// message is the newest, at one end of the list or the other depending on
// MessageRetrievalSortOrder, so both ends are read first.
const maxScanned = 200

// maxHeaderLines bounds the lines of one TOP reply.
const maxHeaderLines = 5000

// findDelete finds the message whose Subject has marker, marks it with
// DELE, and leaves the deletion to QUIT (RFC 1939 UPDATE state).
func (popProbe) findDelete(p *probe, marker string) error {
	if err := p.send("STAT"); err != nil {
		return err
	}
	stat, err := popReply(p)
	if err != nil {
		return fmt.Errorf("STAT: %w", err)
	}
	f := strings.Fields(stat)
	if len(f) < 2 {
		return fmt.Errorf("STAT: the server answered %q", stat)
	}
	n, err := strconv.Atoi(f[1])
	if err != nil || n < 0 {
		return fmt.Errorf("STAT: the server answered %q", stat)
	}
	for _, i := range scanOrder(n, maxScanned) {
		ok, err := popHeaderHas(p, i, marker)
		if err != nil {
			return err
		}
		if ok {
			if err := popCmd(p, "DELE "+strconv.Itoa(i)); err != nil {
				return fmt.Errorf("DELE: %w", err)
			}
			return nil
		}
	}
	return errNotYet
}

// scanOrder is 1..n from both ends inwards: n, 1, n-1, 2, ..., at most max.
func scanOrder(n, max int) []int {
	var out []int
	for lo, hi := 1, n; lo <= hi && len(out) < max; lo, hi = lo+1, hi-1 {
		out = append(out, hi)
		if lo != hi && len(out) < max {
			out = append(out, lo)
		}
	}
	return out
}

// popHeaderHas reads message i's header with TOP i 0 and reports whether
// its Subject field holds marker.
func popHeaderHas(p *probe, i int, marker string) (bool, error) {
	if err := popCmd(p, "TOP "+strconv.Itoa(i)+" 0"); err != nil {
		return false, fmt.Errorf("TOP: %w", err)
	}
	found := false
	for n := 0; ; n++ {
		if n == maxHeaderLines {
			return false, errors.New("TOP: the server sent a header that is too long")
		}
		l, err := p.line()
		if err != nil {
			return false, err
		}
		if l == "." {
			return found, nil
		}
		if name, value, ok := strings.Cut(l, ":"); ok && strings.EqualFold(name, "Subject") && strings.Contains(value, marker) {
			found = true
		}
	}
}

// findDelete selects the Inbox, searches for the marker in the Subject,
// and deletes what it finds with STORE \Deleted and UID EXPUNGE
// (RFC 4315), leaving other messages marked \Deleted alone.
func (imapProbe) findDelete(p *probe, marker string) error {
	if err := imapCmd(p, "b1", "SELECT INBOX"); err != nil {
		return fmt.Errorf("SELECT: %w", err)
	}
	lines, err := imapUntagged(p, "b2", `UID SEARCH HEADER Subject "`+marker+`"`, "* SEARCH")
	if err != nil {
		return fmt.Errorf("SEARCH: %w", err)
	}
	var uids []string
	for _, l := range lines {
		for _, f := range strings.Fields(l)[2:] {
			if _, err := strconv.ParseUint(f, 10, 32); err != nil {
				return fmt.Errorf("SEARCH: the server answered %q", l)
			}
			uids = append(uids, f)
		}
	}
	if len(uids) == 0 {
		return errNotYet
	}
	set := strings.Join(uids, ",")
	if err := imapCmd(p, "b3", `UID STORE `+set+` +FLAGS.SILENT (\Deleted)`); err != nil {
		return fmt.Errorf("STORE: %w", err)
	}
	if err := imapCmd(p, "b4", "UID EXPUNGE "+set); err != nil {
		return fmt.Errorf("EXPUNGE: %w", err)
	}
	return nil
}

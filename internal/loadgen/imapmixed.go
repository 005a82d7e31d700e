package loadgen

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// imapMixed is the imap-mixed workload (issue 7): what a desktop mail
// client does in an open session, the Inbox at least partly seeded. Each
// client logs in once (logins are imap-login's business) and keeps its
// session; one operation is one round of:
//
//  1. SELECT INBOX;
//  2. FETCH the 50 newest by sequence number (UID FLAGS RFC822.SIZE
//     INTERNALDATE and a few header fields), as a message list does;
//  3. UID FETCH one of them whole (BODY.PEEK[]), a different one each
//     round;
//  4. APPEND a generated message to INBOX (new mail, no flags);
//  5. NOOP, which must announce it (EXISTS);
//  6. UID STORE +FLAGS (\Seen) on it, as reading it would;
//  7. UID SEARCH UNSEEN, which must not list it;
//  8. UID STORE +FLAGS.SILENT (\Deleted) and UID EXPUNGE of it, so the
//     Inbox is left as it was found and rounds stay comparable.
//
// The server must have UIDPLUS (APPENDUID, UID EXPUNGE). Checks, beyond
// the client's own: the header fetch has one response per message with
// every item, UIDs ascending, each header section ending in its blank
// line; the whole message's size equals its RFC822.SIZE and its digest
// verifies; APPENDUID's UIDVALIDITY is the mailbox's and its UID new;
// STORE answers with \Seen; SEARCH lists only UIDs that exist. When
// clients share a user (fewer users than clients), counts that other
// sessions change concurrently (EXISTS after NOOP and EXPUNGE, the
// header fetch's length, unknown UIDs in SEARCH) are not checked exactly.
// Throughput is in rounds (ops/s).
type imapMixed struct {
	o    *Options
	msgs [][]byte
}

// mixedPool is how many distinct messages imap-mixed appends in turn.
const mixedPool = 64

// mixedNewest is how many of the newest messages the list fetch asks for.
const mixedNewest = 50

// mixedHeaders is the header section of the list fetch.
const mixedHeaders = "BODY.PEEK[HEADER.FIELDS (FROM TO CC SUBJECT DATE MESSAGE-ID CONTENT-TYPE)]"

func newIMAPMixed(o *Options) (Workload, error) {
	m := &imapMixed{o: o, msgs: make([][]byte, mixedPool)}
	for i := range m.msgs {
		m.msgs[i] = Message(o.Seed^0x313e, 0, i, "mixed@mail.test")
	}
	return m, nil
}

func (m *imapMixed) Metric() string         { return "ops/s" }
func (m *imapMixed) Bounded() (int64, bool) { return 0, false }
func (m *imapMixed) NewWorker(i, n int) Worker {
	w := &mixedWorker{m: m, i: i, u: userFor(m.o.Users, i, n, 0)}
	if len(m.o.Users) < n {
		w.sharers = (n + len(m.o.Users) - 1) / len(m.o.Users)
	}
	return w
}

type mixedWorker struct {
	m *imapMixed
	i int
	u User
	// sharers is how many clients at most share the user (0: the client
	// has it alone).
	sharers int
	c       *IMAP
	k       int64
}

func (w *mixedWorker) Close() {
	if w.c != nil {
		w.c.Logout()
		w.c = nil
	}
}

func (w *mixedWorker) Do(ctx context.Context, _ int64) (Counts, error) {
	if w.c == nil {
		c, err := DialIMAP(ctx, w.m.o)
		if err != nil {
			return Counts{}, err
		}
		if err = c.Login(w.u); err == nil {
			var ok bool
			if ok, err = c.Has("UIDPLUS"); err == nil && !ok {
				err = protoErr("imap-mixed needs UIDPLUS, which the server does not advertise")
			}
		}
		if err != nil {
			c.Close()
			return Counts{}, fmt.Errorf("%s: %w", w.u.Address, err)
		}
		w.c = c
	}
	cnt, err := w.round()
	w.k++
	if err != nil {
		w.c.Close() // the session may be out of step: start afresh
		w.c = nil
		return Counts{}, fmt.Errorf("%s: %w", w.u.Address, err)
	}
	return cnt, nil
}

// listed is one message of the list fetch.
type listed struct {
	seq, uid uint32
	size     int64
}

func (w *mixedWorker) round() (Counts, error) {
	c := w.c
	var cnt Counts
	if err := c.Select("INBOX"); err != nil {
		return cnt, err
	}
	n := c.Exists
	if n == 0 {
		return cnt, protoErr("INBOX is empty: imap-mixed reads seeded mailboxes")
	}
	list, hdrBytes, err := w.listNewest(n)
	if err != nil {
		return cnt, err
	}
	cnt.Bytes += hdrBytes
	// With shared users, the newest messages may be other sessions'
	// appends, about to be expunged: read one of the older ones.
	choice := list
	if len(list) > w.sharers {
		choice = list[:len(list)-w.sharers]
	}
	pick := choice[int((w.k*7+int64(w.i))%int64(len(choice)))]
	body, err := w.fetchWhole(pick)
	if err != nil {
		return cnt, err
	}
	cnt.Bytes += body
	msg := w.m.msgs[(w.k+int64(w.i))%mixedPool]
	v, uid, err := c.Append("INBOX", "", msg)
	if err != nil {
		return cnt, err
	}
	cnt.Bytes += int64(len(msg))
	if v != c.UIDValidity || uid <= list[len(list)-1].uid || (c.UIDNext != 0 && uid < c.UIDNext) {
		return cnt, protoErr("APPENDUID %d %d in a mailbox of UIDVALIDITY %d, UIDNEXT %d, last UID %d",
			v, uid, c.UIDValidity, c.UIDNext, list[len(list)-1].uid)
	}
	if _, err := c.Cmd("NOOP", nil); err != nil {
		return cnt, err
	}
	if w.sharers == 0 && c.Exists != n+1 {
		return cnt, protoErr("after APPEND and NOOP the server announces %d messages, %d expected", c.Exists, n+1)
	}
	if err := w.markSeen(uid); err != nil {
		return cnt, err
	}
	if err := w.searchUnseen(uid, list); err != nil {
		return cnt, err
	}
	return cnt, w.remove(uid, n)
}

// listNewest fetches the header list of the mixedNewest newest messages.
func (w *mixedWorker) listNewest(n int) ([]listed, int64, error) {
	from := max(1, n-mixedNewest+1)
	var list []listed
	var octets int64
	seen := map[uint32]bool{}
	_, err := w.c.Cmd(fmt.Sprintf("FETCH %d:* (UID FLAGS RFC822.SIZE INTERNALDATE %s)", from, mixedHeaders), func(r *response) error {
		if r.Kind != "FETCH" || r.Fetch.flagsOnly() {
			return nil
		}
		f := r.Fetch
		var h *bodyData
		for i := range f.Bodies {
			if strings.HasPrefix(f.Bodies[i].Section, "BODY[HEADER.FIELDS") {
				h = &f.Bodies[i]
			}
		}
		if int(r.Num) < from || seen[r.Num] {
			return protoErr("FETCH for message %d: not asked, or twice", r.Num)
		}
		seen[r.Num] = true
		if !f.HasUID || !f.HasFlags || !f.HasSize || !f.hasDate || h == nil || h.Nil {
			return protoErr("FETCH for message %d lacks UID, FLAGS, RFC822.SIZE, INTERNALDATE or the header fields", r.Num)
		}
		if !strings.HasSuffix(h.Tail, "\r\n\r\n") && h.Tail != "\r\n" {
			return protoErr("message %d: the header fields do not end with a blank line", r.Num)
		}
		if !bytes.Contains(bytes.ToLower(h.Head), []byte("subject:")) {
			return protoErr("message %d: no Subject among the header fields", r.Num)
		}
		list = append(list, listed{r.Num, f.UID, f.Size})
		octets += h.Size
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	if len(list) == 0 || (w.sharers == 0 && len(list) != n-from+1) {
		return nil, 0, protoErr("FETCH %d:* gave %d messages of %d", from, len(list), n-from+1)
	}
	// Responses may come in any order; UIDs ascend with sequence numbers
	// (RFC 3501 §2.3.1.1).
	sort.Slice(list, func(a, b int) bool { return list[a].seq < list[b].seq })
	for i := 1; i < len(list); i++ {
		if list[i].uid <= list[i-1].uid {
			return nil, 0, protoErr("UIDs do not ascend with sequence numbers (%d:%d, %d:%d)",
				list[i-1].seq, list[i-1].uid, list[i].seq, list[i].uid)
		}
	}
	return list, octets, nil
}

// fetchWhole reads one message whole and checks it against the list.
func (w *mixedWorker) fetchWhole(m listed) (int64, error) {
	var got *bodyData
	_, err := w.c.Cmd(fmt.Sprintf("UID FETCH %d (BODY.PEEK[])", m.uid), func(r *response) error {
		if r.Kind == "FETCH" && r.Fetch.UID == m.uid && !r.Fetch.flagsOnly() {
			if got != nil {
				return protoErr("two FETCH responses for UID %d", m.uid)
			}
			if got = r.Fetch.body("BODY[]"); got == nil || got.Nil {
				return protoErr("FETCH for UID %d without BODY[]", m.uid)
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if got == nil {
		return 0, protoErr("no FETCH response for UID %d", m.uid)
	}
	if got.Size != m.size {
		return 0, protoErr("UID %d: BODY[] has %d octets, RFC822.SIZE said %d", m.uid, got.Size, m.size)
	}
	return got.Size, nil
}

// markSeen sets \Seen on uid; the server must answer with its flags.
func (w *mixedWorker) markSeen(uid uint32) error {
	seen := false
	_, err := w.c.Cmd(fmt.Sprintf(`UID STORE %d +FLAGS (\Seen)`, uid), func(r *response) error {
		if r.Kind == "FETCH" && r.Fetch.UID == uid {
			seen = r.Fetch.HasFlags && r.Fetch.hasFlag(`\Seen`)
		}
		return nil
	})
	if err == nil && !seen {
		err = protoErr(`UID STORE +FLAGS (\Seen): no FETCH response for UID %d with \Seen`, uid)
	}
	return err
}

// searchUnseen runs UID SEARCH UNSEEN: seen must not be listed, and
// every UID must exist: listed, or older than the oldest listed (or,
// with shared users, any UID another session may have added).
func (w *mixedWorker) searchUnseen(seen uint32, list []listed) error {
	known := make(map[uint32]bool, len(list))
	for _, m := range list {
		known[m.uid] = true
	}
	hits := 0
	_, err := w.c.Cmd("UID SEARCH UNSEEN", func(r *response) error {
		if r.Kind != "SEARCH" {
			return nil
		}
		hits++
		for _, f := range r.Fields {
			u, err := strconv.ParseUint(f, 10, 32)
			switch {
			case err != nil || u == 0:
				return protoErr("SEARCH result %q is not a UID", f)
			case uint32(u) == seen:
				return protoErr(`SEARCH UNSEEN lists UID %d, just marked \Seen`, u)
			case w.sharers == 0 && !known[uint32(u)] && uint32(u) >= list[0].uid:
				return protoErr("SEARCH UNSEEN lists UID %d, which does not exist", u)
			}
		}
		return nil
	})
	if err == nil && hits != 1 {
		err = protoErr("UID SEARCH: %d SEARCH responses", hits)
	}
	return err
}

// remove deletes the appended message (UID EXPUNGE, RFC 4315 §2.1): one
// EXPUNGE must come, and the count be n again.
func (w *mixedWorker) remove(uid uint32, n int) error {
	if _, err := w.c.Cmd(fmt.Sprintf(`UID STORE %d +FLAGS.SILENT (\Deleted)`, uid), nil); err != nil {
		return err
	}
	expunged := 0
	_, err := w.c.Cmd(fmt.Sprintf("UID EXPUNGE %d", uid), func(r *response) error {
		if r.Kind == "EXPUNGE" {
			expunged++
		}
		return nil
	})
	if err == nil && w.sharers == 0 && (expunged != 1 || w.c.Exists != n) {
		err = protoErr("UID EXPUNGE of one message: %d EXPUNGE responses, %d messages left of %d", expunged, w.c.Exists, n)
	}
	return err
}

package backend

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"net/mail"
	"slices"
	"strconv"
	"strings"

	"github.com/postern/postern/internal/imap/wire"
	"github.com/postern/postern/internal/mime"
	"github.com/postern/postern/internal/store"
)

// sortWindow is how many messages of a SORT or THREAD have their
// structures read in one store call: only the keys drawn from them are
// kept, so memory is bounded by the window plus a few short strings per
// message.
const sortWindow = 512

// sortKeys is what SORT and THREAD read of one message: only what the
// criteria ask for, drawn from the message's stored structure (envelope,
// kept header) and the listing (size, internal date); never its bytes.
type sortKeys struct {
	seq     int
	arrival int64 // INTERNALDATE, Unix seconds
	date    int64 // sent date (RFC 5256 §2.2), or INTERNALDATE
	size    int64
	subject string // base subject (RFC 5256 §2.1), i;ascii-casemap
	reply   bool   // the subject had a reply or forward marker
	from    string // addr-mailbox of the first address, casemapped
	to      string
	cc      string
	dfrom   string // display name or address (RFC 5957), casemapped
	dto     string

	// For THREAD=REFERENCES.
	msgID string
	refs  []string
}

// need says which keys to read.
type need struct {
	envelope bool // anything from the structure
	refs     bool
}

func needsOf(crit []wire.SortCriterion) need {
	var n need
	for _, c := range crit {
		if c.Key != wire.SortArrival && c.Key != wire.SortSize {
			n.envelope = true
		}
	}
	return n
}

// keysOf reads the sort keys of the messages at seqs, in windows of
// sortWindow structures read in one store call each (StructureBatcher).
// Messages expunged meanwhile are left out, with missing set.
func (s *session) keysOf(ctx context.Context, seqs []int, n need) (out []sortKeys, missing bool, err error) {
	out = make([]sortKeys, 0, len(seqs))
	for len(seqs) > 0 {
		window := seqs[:min(len(seqs), sortWindow)]
		seqs = seqs[len(window):]
		var kept map[uint32][]byte
		if n.envelope {
			kept = s.structuresOf(ctx, window)
		}
		for _, q := range window {
			m := s.view.msgs[q-1]
			k := sortKeys{seq: q, arrival: m.InternalDate.Unix(), size: m.Size}
			k.date = k.arrival
			if n.envelope {
				f := &fetcher{s: s, ctx: ctx, m: m, kept: kept[m.UID]}
				p, err := f.structure()
				if err == nil {
					err = k.fill(f, p, n)
				}
				f.close()
				switch {
				case errors.Is(err, store.ErrDamaged):
					s.logDamaged(m.UID, err) // sorts with empty keys
				case errors.Is(err, store.ErrExpunged), errors.Is(err, store.ErrNotFound):
					missing = true
					continue
				case err != nil:
					return nil, false, err
				}
			}
			out = append(out, k)
		}
	}
	return out, missing, nil
}

// fill sets the keys drawn from the structure p.
func (k *sortKeys) fill(f *fetcher, p *mime.Part, n need) error {
	e := p.Envelope
	if e == nil {
		return nil
	}
	if t, err := mail.ParseDate(e.Date); err == nil {
		k.date = t.Unix()
	}
	k.subject, k.reply = baseSubject(e.Subject)
	k.from, k.dfrom = addrKeys(e.From)
	k.to, k.dto = addrKeys(e.To)
	k.cc, _ = addrKeys(e.Cc)
	if !n.refs {
		return nil
	}
	k.msgID = firstID(e.MessageID)
	var raw []byte
	if p.HasHeader() && p.HeaderStart == 0 {
		raw, _ = mime.HeaderFields(bytes.NewReader(p.Header), p, []string{"References"}, false)
	} else {
		// A header too big to be kept: read it from the message.
		body, err := f.open()
		if err != nil {
			return err
		}
		if raw, err = mime.HeaderFields(body, p, []string{"References"}, false); err != nil {
			return err
		}
	}
	for _, v := range mime.HeaderValues(raw) {
		k.refs = append(k.refs, msgIDs(v)...)
	}
	if len(k.refs) == 0 {
		if id := firstID(e.InReplyTo); id != "" {
			k.refs = []string{id}
		}
	}
	return nil
}

// msgIDs returns the <...> message identifiers in v, without brackets.
func msgIDs(v string) []string {
	var out []string
	for {
		i := strings.IndexByte(v, '<')
		if i < 0 {
			return out
		}
		j := strings.IndexByte(v[i:], '>')
		if j < 0 {
			return out
		}
		if id := strings.TrimSpace(v[i+1 : i+j]); id != "" {
			out = append(out, id)
		}
		v = v[i+j+1:]
	}
}

func firstID(v string) string {
	if ids := msgIDs(v); len(ids) > 0 {
		return ids[0]
	}
	return ""
}

// addrKeys returns the sort keys of an address list: the addr-mailbox of
// its first mailbox (RFC 5256 §3 FROM, TO, CC) and its display name,
// decoded, or else its address (RFC 5957 §3 DISPLAYFROM, DISPLAYTO), both
// casemapped.
func addrKeys(l []mime.Address) (mailbox, display string) {
	for _, a := range l {
		if a.Kind != mime.AddrMailbox {
			continue
		}
		display = strings.TrimSpace(mime.DecodeHeader(a.Name))
		if display == "" {
			display = a.Mailbox
			if a.Host != "" {
				display += "@" + a.Host
			}
		}
		return casemap(a.Mailbox), casemap(display)
	}
	return "", ""
}

// casemap is the i;ascii-casemap collation's form (RFC 4790 §9.2): ASCII
// letters upper-cased; other octets compare as they are.
func casemap(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'a' && c <= 'z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; c >= 'a' && c <= 'z' {
					b[j] = c - 'a' + 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// baseSubject extracts the base subject (RFC 5256 §2.1) of a raw Subject
// value, casemapped, and reports whether a reply or forward marker was
// removed (steps 2, 3 and 6), which THREAD uses.
func baseSubject(raw string) (string, bool) {
	// (1) decode, and turn each run of whitespace into one space.
	s := strings.Join(strings.Fields(mime.DecodeHeader(raw)), " ")
	reply := false
	for {
		// (2) trailing "(fwd)" and whitespace.
		for {
			t := strings.TrimRight(s, " ")
			if n := len(t); n >= 5 && strings.EqualFold(t[n-5:], "(fwd)") {
				t = t[:n-5]
				reply = true
			}
			if t == s {
				break
			}
			s = t
		}
		// (5) repeat (3) and (4) until neither removes anything.
		for {
			n, refwd := leader(s)
			if n > 0 {
				s = s[n:]
				reply = reply || refwd
			}
			b := blob(s)
			if b > 0 && b < len(s) {
				s = s[b:]
			} else if n == 0 {
				break
			}
		}
		// (6) "[fwd:" ... "]".
		if n := len(s); n >= 6 && strings.EqualFold(s[:5], "[fwd:") && s[n-1] == ']' {
			s = s[5 : n-1]
			reply = true
			continue
		}
		break
	}
	return casemap(s), reply
}

// blob returns the length of a subj-blob at the start of s ("[" *BLOBCHAR
// "]" *WSP), or 0.
func blob(s string) int {
	if s == "" || s[0] != '[' {
		return 0
	}
	i := strings.IndexAny(s[1:], "[]")
	if i < 0 || s[1+i] != ']' {
		return 0
	}
	n := i + 2
	for n < len(s) && s[n] == ' ' {
		n++
	}
	return n
}

// leader returns the length of a subj-leader at the start of s
// ((*subj-blob subj-refwd) / WSP), or 0, and whether it held a subj-refwd.
func leader(s string) (int, bool) {
	if s != "" && s[0] == ' ' {
		return 1, false
	}
	n := 0
	for {
		if m := refwd(s[n:]); m > 0 {
			return n + m, true
		}
		b := blob(s[n:])
		if b == 0 {
			return 0, false
		}
		n += b
	}
}

// refwd returns the length of a subj-refwd at the start of s (("re" /
// ("fw" ["d"])) *WSP [subj-blob] ":"), or 0.
func refwd(s string) int {
	l := strings.ToLower(s[:min(len(s), 3)])
	var n int
	switch {
	case strings.HasPrefix(l, "re"):
		n = 2
	case strings.HasPrefix(l, "fwd"):
		n = 3
	case strings.HasPrefix(l, "fw"):
		n = 2
	default:
		return 0
	}
	for n < len(s) && s[n] == ' ' {
		n++
	}
	n += blob(s[n:])
	if n < len(s) && s[n] == ':' {
		return n + 1
	}
	return 0
}

// compareKeys orders two messages by the criteria, then by sequence
// number (RFC 5256 §3).
func compareKeys(a, b *sortKeys, crit []wire.SortCriterion) int {
	for _, c := range crit {
		var r int
		switch c.Key {
		case wire.SortArrival:
			r = cmp.Compare(a.arrival, b.arrival)
		case wire.SortDate:
			r = cmp.Compare(a.date, b.date)
		case wire.SortSize:
			r = cmp.Compare(a.size, b.size)
		case wire.SortSubject:
			r = strings.Compare(a.subject, b.subject)
		case wire.SortFrom:
			r = strings.Compare(a.from, b.from)
		case wire.SortTo:
			r = strings.Compare(a.to, b.to)
		case wire.SortCc:
			r = strings.Compare(a.cc, b.cc)
		case wire.SortDisplayFrom:
			r = strings.Compare(a.dfrom, b.dfrom)
		case wire.SortDisplayTo:
			r = strings.Compare(a.dto, b.dto)
		}
		if c.Reverse {
			r = -r
		}
		if r != 0 {
			return r
		}
	}
	return cmp.Compare(a.seq, b.seq)
}

// sort runs SORT and UID SORT (RFC 5256 §3, RFC 5957 DISPLAYFROM and
// DISPLAYTO), and SORT RETURN (RFC 5267 §3 ESORT).
func (s *session) sort(ctx context.Context, cmd *wire.Command, args *wire.Parser) (reply, error) {
	ret, esort := args.SearchReturn()
	crit := args.SortCriteria()
	charset := args.AString()
	key := args.SearchKeys()
	if args.End(); args.Err() != nil {
		s.failedSave(ret)
		return bad(textArgError), nil
	}
	if r, failed := checkCharset("SORT", charset); failed {
		s.failedSave(ret)
		return r, nil
	}
	seqs, missing, failed := s.matching(ctx, key)
	if failed != nil {
		s.failedSave(ret)
		return reply{status: failed.status, code: failed.code, text: strings.Replace(failed.text, "SEARCH", "SORT", 1)}, nil
	}
	keys, gone, err := s.keysOf(ctx, seqs, needsOf(crit))
	if err != nil {
		s.failedSave(ret)
		return s.storeReply("SORT", err), nil
	}
	slices.SortFunc(keys, func(a, b sortKeys) int { return compareKeys(&a, &b, crit) })
	seqs = seqs[:0]
	for _, k := range keys {
		seqs = append(seqs, k.seq)
	}
	if esort {
		s.esearch(cmd, ret, seqs, true)
	} else {
		var b strings.Builder
		b.WriteString("* SORT")
		for _, q := range seqs {
			b.WriteByte(' ')
			b.WriteString(strconv.FormatUint(uint64(s.number(q, cmd.UID)), 10))
		}
		s.c.WriteString(b.String() + "\r\n")
	}
	if missing || gone {
		return okCode("EXPUNGEISSUED", "Some messages were expunged; SORT completed."), nil
	}
	return ok("SORT completed."), nil
}

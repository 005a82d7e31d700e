package backend

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"net/mail"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

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

// need says which keys to read from the structure.
type need struct {
	date, subject, from, to, cc, dfrom, dto bool
	refs                                    bool // message id and references
}

func (n need) any() bool { return n != need{} }

func needsOf(crit []wire.SortCriterion) need {
	var n need
	for _, c := range crit {
		switch c.Key {
		case wire.SortDate:
			n.date = true
		case wire.SortSubject:
			n.subject = true
		case wire.SortFrom:
			n.from = true
		case wire.SortTo:
			n.to = true
		case wire.SortCc:
			n.cc = true
		case wire.SortDisplayFrom:
			n.dfrom = true
		case wire.SortDisplayTo:
			n.dto = true
		}
	}
	return n
}

// keysOf reads the sort keys of the messages at seqs, in windows of
// sortWindow structures read in one store call each (StructureBatcher),
// by as many workers as there are processors. Messages expunged meanwhile
// are left out, with missing set.
func (s *session) keysOf(ctx context.Context, seqs []int, n need) (out []sortKeys, missing bool, err error) {
	all := make([]sortKeys, len(seqs))
	gone := make([]bool, len(seqs))
	var mu sync.Mutex
	var firstErr error
	work := make(chan int)
	var wg sync.WaitGroup
	workers := 1
	if n.any() && len(seqs) > sortWindow {
		workers = min(runtime.GOMAXPROCS(0), 4, (len(seqs)+sortWindow-1)/sortWindow)
	}
	for range workers {
		wg.Go(func() {
			for start := range work {
				window := seqs[start:min(len(seqs), start+sortWindow)]
				if err := s.keysWindow(ctx, window, n, all[start:], gone[start:]); err != nil {
					mu.Lock()
					firstErr = cmp.Or(firstErr, err)
					mu.Unlock()
				}
			}
		})
	}
	for start := 0; start < len(seqs); start += sortWindow {
		work <- start
	}
	close(work)
	wg.Wait()
	if firstErr != nil {
		return nil, false, firstErr
	}
	out = all[:0]
	for i := range all {
		if gone[i] {
			missing = true
			continue
		}
		out = append(out, all[i])
	}
	return out, missing, nil
}

// keysWindow reads the keys of the messages at window into keys, marking
// those expunged in gone.
func (s *session) keysWindow(ctx context.Context, window []int, n need, keys []sortKeys, gone []bool) error {
	var kept map[uint32][]byte
	if n.any() {
		kept = s.structuresOf(ctx, window)
	}
	for i, q := range window {
		m := s.view.msgs[q-1]
		k := &keys[i]
		*k = sortKeys{seq: q, arrival: m.InternalDate.Unix(), size: m.Size}
		k.date = k.arrival
		if !n.any() {
			continue
		}
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
			gone[i] = true
		case err != nil:
			return err
		}
	}
	return nil
}

// fill sets the keys drawn from the structure p.
func (k *sortKeys) fill(f *fetcher, p *mime.Part, n need) error {
	e := p.Envelope
	if e == nil {
		return nil
	}
	if n.date {
		if t, ok := sentDate(e.Date); ok {
			k.date = t
		}
	}
	if n.subject {
		k.subject, k.reply = baseSubject(e.Subject)
	}
	if n.from || n.dfrom {
		k.from, k.dfrom = addrKeys(e.From)
	}
	if n.to || n.dto {
		k.to, k.dto = addrKeys(e.To)
	}
	if n.cc {
		k.cc, _ = addrKeys(e.Cc)
	}
	if !n.refs {
		return nil
	}
	k.msgID = firstID(e.MessageID)
	raw := p.Header
	if !p.HasHeader() || p.HeaderStart != 0 {
		// A header too big to be kept: read it from the message.
		body, err := f.open()
		if err != nil {
			return err
		}
		if raw, err = mime.HeaderFields(body, p, []string{"References"}, false); err != nil {
			return err
		}
	}
	k.refs = referencesOf(raw)
	if len(k.refs) == 0 {
		if id := firstID(e.InReplyTo); id != "" {
			k.refs = []string{id}
		}
	}
	return nil
}

// referencesOf returns the message identifiers of the first References
// field of a raw header block, read in place: identifiers are not
// encoded, so nothing is decoded.
func referencesOf(raw []byte) []string {
	for len(raw) > 0 {
		line := raw
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			line, raw = raw[:i+1], raw[i+1:]
		} else {
			raw = nil
		}
		if len(line) < 11 || !strings.EqualFold(string(line[:11]), "references:") {
			continue
		}
		v := line[11:]
		for len(raw) > 0 && (raw[0] == ' ' || raw[0] == '\t') { // continuation lines
			i := bytes.IndexByte(raw, '\n')
			if i < 0 {
				i = len(raw) - 1
			}
			v = append(v[:len(v):len(v)], raw[:i+1]...)
			raw = raw[i+1:]
		}
		return msgIDs(string(v))
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
	if !s.advertises("SORT") {
		return bad(textCmdError), nil
	}
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
	order := make([]int32, len(keys))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return compareKeys(&keys[a], &keys[b], crit) })
	seqs = seqs[:0]
	for _, i := range order {
		seqs = append(seqs, keys[i].seq)
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

// sentDate parses a Date field's value to Unix seconds: the common RFC
// 5322 form ("[Day, ] D Mon YYYY HH:MM[:SS] +ZZZZ") directly, which is
// most of a folder, anything else by net/mail.
func sentDate(v string) (int64, bool) {
	if t, ok := quickDate(v); ok {
		return t, true
	}
	t, err := mail.ParseDate(v)
	if err != nil {
		return 0, false
	}
	return t.Unix(), true
}

var months = [...]string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}

func quickDate(v string) (int64, bool) {
	f := strings.Fields(v)
	if len(f) > 0 && strings.HasSuffix(f[0], ",") {
		f = f[1:]
	}
	if len(f) < 5 || len(f) > 6 || len(f) == 6 && !strings.HasPrefix(f[5], "(") {
		return 0, false
	}
	num := func(s string, lo, hi int) (int, bool) {
		if s == "" || len(s) > 4 {
			return 0, false
		}
		n := 0
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return 0, false
			}
			n = n*10 + int(s[i]-'0')
		}
		return n, n >= lo && n <= hi
	}
	day, ok1 := num(f[0], 1, 31)
	mon := -1
	for i, m := range months {
		if strings.EqualFold(f[1], m) {
			mon = i
		}
	}
	year, ok2 := num(f[2], 1900, 9999)
	if !ok1 || !ok2 || mon < 0 || len(f[2]) != 4 {
		return 0, false
	}
	hms := strings.Split(f[3], ":")
	if len(hms) < 2 || len(hms) > 3 {
		return 0, false
	}
	hh, ok1 := num(hms[0], 0, 23)
	mm, ok2 := num(hms[1], 0, 59)
	ss, ok3 := 0, true
	if len(hms) == 3 {
		ss, ok3 = num(hms[2], 0, 60)
	}
	z := f[4]
	if !ok1 || !ok2 || !ok3 || len(z) != 5 || (z[0] != '+' && z[0] != '-') {
		return 0, false
	}
	zh, ok1 := num(z[1:3], 0, 99)
	zm, ok2 := num(z[3:5], 0, 59)
	if !ok1 || !ok2 {
		return 0, false
	}
	off := int64(zh*3600 + zm*60)
	if z[0] == '-' {
		off = -off
	}
	t := time.Date(year, time.Month(mon+1), day, hh, mm, ss, 0, time.UTC)
	if t.Day() != day {
		return 0, false // 31 Feb: net/mail decides
	}
	return t.Unix() - off, true
}

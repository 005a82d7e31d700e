package backend

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/postern/postern/internal/imap/wire"
	"github.com/postern/postern/internal/mime"
	"github.com/postern/postern/internal/store"
)

// search runs SEARCH and UID SEARCH (RFC 3501 §6.4.4). Flags, sizes,
// dates and sets are answered from the view; header and text keys read
// the cached structure and the message bytes. Only UTF-8 and US-ASCII are
// accepted as CHARSET.
func (s *session) search(ctx context.Context, cmd *wire.Command, args *wire.Parser) (reply, error) {
	ret, esearch := args.SearchReturn()
	if esearch && !s.advertises("ESEARCH") {
		return bad(textArgError), nil
	}
	charset := args.SearchCharset()
	key := args.SearchKeys()
	if args.End(); args.Err() != nil {
		s.failedSave(ret)
		return bad(textArgError), nil
	}
	if r, failed := checkCharset("SEARCH", charset); failed {
		s.failedSave(ret)
		return r, nil
	}
	seqs, missing, failed := s.matching(ctx, key)
	if failed != nil {
		s.failedSave(ret)
		return *failed, nil
	}
	withModSeq := hasModSeqKey(key) // "(MODSEQ top)" ends the result (RFC 7162 §3.1.5)
	if withModSeq {
		s.cond.condstore = true
	}
	if esearch {
		s.esearch(cmd, ret, seqs, false)
	} else {
		var b strings.Builder
		b.WriteString("* SEARCH")
		var top uint64
		for _, q := range seqs {
			b.WriteByte(' ')
			b.WriteString(strconv.FormatUint(uint64(s.number(q, cmd.UID)), 10))
			top = max(top, s.view.msgs[q-1].ModSeq)
		}
		if withModSeq && len(seqs) > 0 {
			b.WriteString(" (MODSEQ " + strconv.FormatUint(top, 10) + ")")
		}
		s.c.WriteString(b.String() + "\r\n")
	}
	if missing {
		return okCode("EXPUNGEISSUED", "Some messages were expunged; SEARCH completed."), nil
	}
	return ok("SEARCH completed."), nil
}

// checkCharset accepts UTF-8 and US-ASCII (and no charset); others are
// NO [BADCHARSET].
func checkCharset(verb, charset string) (reply, bool) {
	if charset != "" && !strings.EqualFold(charset, "UTF-8") && !strings.EqualFold(charset, "US-ASCII") {
		return reply{status: wire.StatusNO, code: "BADCHARSET (UTF-8 US-ASCII)", text: verb + " failed: unsupported charset."}, true
	}
	return reply{}, false
}

// matching returns the sequence numbers of the view's messages that match
// key, ascending; missing says some were expunged meanwhile (answered OK
// [EXPUNGEISSUED]); failed is the reply when the store failed.
func (s *session) matching(ctx context.Context, key wire.SearchKey) (seqs []int, missing bool, failed *reply) {
	filters, err := s.textFilters(ctx, key)
	if err != nil {
		r := s.storeReply("SEARCH", err)
		return nil, false, &r
	}
	// missing: a message of the view was expunged by another session, as
	// a ghost not yet announced or found gone while a key read it. The
	// search answers for the others, with OK [EXPUNGEISSUED] (RFC 5530),
	// as FETCH does; the expunged ones match nothing (RFC 2180 §4.1.3
	// allows either).
	preload := readsStructures(key, filters)
	var kept map[uint32][]byte
	for i, m := range s.view.msgs {
		seq := i + 1
		if preload && i%fetchWindow == 0 {
			window := make([]int, 0, fetchWindow)
			for q := seq; q < seq+fetchWindow && q <= len(s.view.msgs); q++ {
				window = append(window, q)
			}
			kept = s.structuresOf(ctx, window)
		}
		if s.view.isGone(seq) {
			missing = true
			continue
		}
		mc := &matchCtx{s: s, ctx: ctx, seq: seq, m: m, filters: filters, kept: kept[m.UID]}
		match := mc.match(key)
		mc.close()
		if errors.Is(mc.err, store.ErrDamaged) {
			// A message that cannot be read matches nothing; the
			// search answers for the rest.
			s.logDamaged(m.UID, mc.err)
			continue
		}
		if errors.Is(mc.err, store.ErrExpunged) || errors.Is(mc.err, store.ErrNotFound) {
			missing = true
			continue
		}
		if mc.err != nil {
			r := s.storeReply("SEARCH", mc.err)
			return nil, false, &r
		}
		if match {
			seqs = append(seqs, seq)
		}
	}
	return seqs, missing, nil
}

// matchCtx evaluates a search key against one message, opening its
// structure and bytes only if a key needs them.
type matchCtx struct {
	s   *session
	ctx context.Context
	seq int
	m   store.Message
	f   *fetcher
	// kept is the message's structure read ahead with others, or nil.
	kept []byte
	err  error
	// filters holds, for text keys, the messages a full-text index says
	// may match; nil without an index.
	filters map[textKey]*store.TextCandidates
}

func (mc *matchCtx) close() {
	if mc.f != nil {
		mc.f.close()
	}
}

func (mc *matchCtx) fetcher() *fetcher {
	if mc.f == nil {
		mc.f = &fetcher{s: mc.s, ctx: mc.ctx, m: mc.m, kept: mc.kept}
	}
	return mc.f
}

// match walks the key tree; its depth is bounded by the parser.
func (mc *matchCtx) match(k wire.SearchKey) bool {
	if mc.err != nil {
		return false
	}
	m := mc.m
	switch k.Op {
	case wire.SearchAnd:
		for _, sub := range k.Keys {
			if !mc.match(sub) {
				return false
			}
		}
		return true
	case wire.SearchOr:
		return mc.match(k.Keys[0]) || mc.match(k.Keys[1])
	case wire.SearchNot:
		return !mc.match(k.Keys[0])
	case wire.SearchAll:
		return true
	case wire.SearchRecent:
		return mc.s.view.isRecent(m.UID)
	case wire.SearchOld:
		return !mc.s.view.isRecent(m.UID)
	case wire.SearchNew: // RECENT UNSEEN
		return mc.s.view.isRecent(m.UID) && !store.HasFlag(m.Flags, store.FlagSeen)
	case wire.SearchSeq:
		return k.Set.Contains(uint32(mc.seq), uint32(mc.s.view.exists()))
	case wire.SearchUID:
		return k.Set.Contains(m.UID, mc.s.view.maxUID())
	case wire.SearchSaved:
		return mc.s.saved.has(mc.s.view, m.UID)
	case wire.SearchLarger:
		return m.Size > int64(k.Number)
	case wire.SearchSmaller:
		return m.Size < int64(k.Number)
	case wire.SearchBefore, wire.SearchOn, wire.SearchSince:
		return compareDate(k.Op, m.InternalDate, k.Date)
	case wire.SearchSentBefore, wire.SearchSentOn, wire.SearchSentSince:
		return mc.sentDate(k)
	case wire.SearchKeyword:
		return store.HasFlag(m.Flags, k.Value)
	case wire.SearchUnkeyword:
		return !store.HasFlag(m.Flags, k.Value)
	case wire.SearchModSeq: // RFC 7162 §3.1.5: one mod-sequence per message, whatever the entry
		return m.ModSeq >= k.ModSeq
	}
	if mc.filters != nil {
		if c := mc.filters[textKeyOf(k)]; c != nil && !c.May(m.UID) {
			// The index says the header text does not hold the needle;
			// it knows nothing of the envelope's parsed addresses, which
			// an address key also compares (<a (c)@ (c) b> is a@b
			// there), so those are still read: the index only narrows.
			if isAddressKey(k.Op) {
				return mc.envelopeContains(k.Op, k.Value)
			}
			return false // the index says the message does not hold the text
		}
	}
	switch k.Op {
	case wire.SearchBody:
		return mc.bodyContains(k.Value, false)
	case wire.SearchText:
		return mc.bodyContains(k.Value, true)
	case wire.SearchHeader:
		return mc.headerContains(k.Field, k.Value)
	case wire.SearchBcc, wire.SearchCc, wire.SearchFrom, wire.SearchTo:
		return mc.envelopeContains(k.Op, k.Value) || mc.headerContains(string(k.Op), k.Value)
	case wire.SearchSubject:
		return mc.headerContains(string(k.Op), k.Value)
	}
	return flagKey(k.Op, m.Flags)
}

// textKey names a text search key: the field the index looks in and the
// needle.
type textKey struct {
	field store.TextField
	value string
}

// textKeyOf returns k's textKey; its field is 0 for a key that is not a
// text key.
func textKeyOf(k wire.SearchKey) textKey {
	var f store.TextField
	switch k.Op {
	case wire.SearchBody:
		f = store.TextBody
	case wire.SearchText:
		f = store.TextAll
	case wire.SearchHeader:
		f = store.TextHeader
		// The matcher compares field names ignoring ASCII case; no
		// non-ASCII letter lowers onto these names.
		switch strings.ToLower(k.Field) {
		case "subject":
			f = store.TextSubject
		case "from":
			f = store.TextFrom
		case "to":
			f = store.TextTo
		case "cc":
			f = store.TextCc
		case "bcc":
			f = store.TextBcc
		}
	case wire.SearchSubject:
		f = store.TextSubject
	case wire.SearchFrom:
		f = store.TextFrom
	case wire.SearchTo:
		f = store.TextTo
	case wire.SearchCc:
		f = store.TextCc
	case wire.SearchBcc:
		f = store.TextBcc
	default:
		return textKey{}
	}
	return textKey{f, k.Value}
}

// textFilters asks the store's full-text index, if it has one, which
// messages may match each text key of the tree. A key's candidates are
// exact in one direction only: a message not among them cannot match the
// key, so the key is false for it wherever it stands (under NOT too); one
// among them is checked against its bytes. Keys the index cannot narrow
// (short needles) get no entry.
func (s *session) textFilters(ctx context.Context, key wire.SearchKey) (map[textKey]*store.TextCandidates, error) {
	ts, ok := s.st.(store.TextSearcher)
	if !ok {
		return nil, nil
	}
	filters := map[textKey]*store.TextCandidates{}
	var walk func(k wire.SearchKey) error
	walk = func(k wire.SearchKey) error {
		for _, sub := range k.Keys {
			if err := walk(sub); err != nil {
				return err
			}
		}
		tk := textKeyOf(k)
		if tk.field == 0 {
			return nil
		}
		if _, done := filters[tk]; done {
			return nil
		}
		c, ok, err := ts.TextCandidates(ctx, s.view.folder.ID, tk.field, tk.value)
		if err != nil {
			return err
		}
		if ok {
			filters[tk] = &c
		} else {
			filters[tk] = nil
		}
		return nil
	}
	if err := walk(key); err != nil {
		return nil, err
	}
	if len(filters) == 0 {
		return nil, nil
	}
	return filters, nil
}

// flagKey answers the flag keys (SEEN, UNSEEN, ...).
func flagKey(op wire.SearchOp, flags []string) bool {
	has := func(f string) bool { return store.HasFlag(flags, f) }
	switch op {
	case wire.SearchAnswered:
		return has(store.FlagAnswered)
	case wire.SearchDeleted:
		return has(store.FlagDeleted)
	case wire.SearchDraft:
		return has(store.FlagDraft)
	case wire.SearchFlagged:
		return has(store.FlagFlagged)
	case wire.SearchSeen:
		return has(store.FlagSeen)
	case wire.SearchUnanswered:
		return !has(store.FlagAnswered)
	case wire.SearchUndeleted:
		return !has(store.FlagDeleted)
	case wire.SearchUndraft:
		return !has(store.FlagDraft)
	case wire.SearchUnflagged:
		return !has(store.FlagFlagged)
	case wire.SearchUnseen:
		return !has(store.FlagSeen)
	}
	return false
}

// compareDate compares calendar dates, disregarding time and zone (RFC
// 3501 §6.4.4).
func compareDate(op wire.SearchOp, t, d time.Time) bool {
	day := func(x time.Time) int { y, m, dd := x.Date(); return y*10000 + int(m)*100 + dd }
	a, b := day(t), day(d)
	switch op {
	case wire.SearchBefore, wire.SearchSentBefore:
		return a < b
	case wire.SearchOn, wire.SearchSentOn:
		return a == b
	}
	return a >= b
}

func (mc *matchCtx) sentDate(k wire.SearchKey) bool {
	p, err := mc.fetcher().structure()
	if err != nil {
		mc.err = err
		return false
	}
	if p.Envelope == nil {
		return false
	}
	t, err := mail.ParseDate(p.Envelope.Date)
	if err != nil {
		return false
	}
	return compareDate(k.Op, t, k.Date)
}

// readsStructures reports whether evaluating key reads the structure of
// (nearly) every message, so that reading them ahead in windows
// (structuresOf) pays: an address key does (the envelope is read even for
// a message the text index excludes), and so does a sent-date key or a
// header or text key the index cannot narrow.
func readsStructures(k wire.SearchKey, filters map[textKey]*store.TextCandidates) bool {
	for _, sub := range k.Keys {
		if readsStructures(sub, filters) {
			return true
		}
	}
	switch k.Op {
	case wire.SearchSentBefore, wire.SearchSentOn, wire.SearchSentSince:
		return true
	}
	if isAddressKey(k.Op) {
		return true
	}
	if tk := textKeyOf(k); tk.field != 0 {
		return filters == nil || filters[tk] == nil
	}
	return false
}

// isAddressKey reports whether op is FROM, TO, CC or BCC: keys on "the
// envelope structure's" address field (RFC 3501 §6.4.4).
func isAddressKey(op wire.SearchOp) bool {
	switch op {
	case wire.SearchBcc, wire.SearchCc, wire.SearchFrom, wire.SearchTo:
		return true
	}
	return false
}

// envelopeContains compares the needle, case-insensitively as a
// substring, with the addresses of the envelope's field that op names, as
// ENVELOPE shows them: the display name (RFC 2047 decoded), mailbox@host,
// and "name <mailbox@host>"; a group by its name. The header text is
// compared too, by headerContains: between them a needle found in either
// form matches. An empty needle matches any message with an address
// there.
func (mc *matchCtx) envelopeContains(op wire.SearchOp, value string) bool {
	p, err := mc.fetcher().structure()
	if err != nil {
		mc.err = err
		return false
	}
	if p.Envelope == nil {
		return false
	}
	var l []mime.Address
	switch op {
	case wire.SearchFrom:
		l = p.Envelope.From
	case wire.SearchTo:
		l = p.Envelope.To
	case wire.SearchCc:
		l = p.Envelope.Cc
	case wire.SearchBcc:
		l = p.Envelope.Bcc
	}
	return addressMatch(l, value)
}

// addressMatch reports whether an address of l holds needle, compared
// case-insensitively as a substring.
func addressMatch(l []mime.Address, needle string) bool {
	needle = strings.ToLower(needle)
	has := func(s string) bool { return strings.Contains(strings.ToLower(s), needle) }
	for _, a := range l {
		switch a.Kind {
		case mime.AddrGroupStart:
			if has(a.Mailbox) {
				return true
			}
		case mime.AddrMailbox:
			addr := a.Mailbox
			if a.Host != "" {
				addr += "@" + a.Host
			}
			name := mime.DecodeHeader(a.Name)
			if has(addr) || (name != "" && (has(name) || has(name+" <"+addr+">"))) {
				return true
			}
		}
	}
	return false
}

// headerContains searches the values of the named header fields, decoded
// (RFC 2047), case-insensitively. An empty value matches any message that
// has the field (RFC 3501 HEADER).
func (mc *matchCtx) headerContains(field, value string) bool {
	f := mc.fetcher()
	p, err := f.structure()
	if err == nil {
		var body store.Body
		if body, err = f.open(); err == nil {
			var raw []byte
			if raw, err = mime.HeaderFields(body, p, []string{field}, false); err == nil {
				return headerMatch(raw, value)
			}
		}
	}
	mc.err = err
	return false
}

func headerMatch(raw []byte, value string) bool {
	needle := strings.ToLower(value)
	for _, v := range mime.HeaderValues(raw) {
		if needle == "" || strings.Contains(strings.ToLower(v), needle) {
			return true
		}
	}
	return false
}

// bodyContains searches the decoded text parts (and, for TEXT, the
// header), case-insensitively, streaming with an overlap so that a match
// across two chunks is found.
func (mc *matchCtx) bodyContains(value string, withHeader bool) bool {
	f := mc.fetcher()
	p, err := f.structure()
	if err != nil {
		mc.err = err
		return false
	}
	body, err := f.open()
	if err != nil {
		mc.err = err
		return false
	}
	if withHeader {
		raw, err := mime.HeaderFields(body, p, nil, true)
		if err == nil && headerMatch(raw, value) {
			return true
		}
	}
	found, err := streamContains(mime.TextReader(body, p), []byte(strings.ToLower(value)))
	if err != nil {
		mc.err = err
	}
	return found
}

func streamContains(r io.Reader, needle []byte) (bool, error) {
	if len(needle) == 0 {
		return true, nil
	}
	br := bufio.NewReaderSize(r, 32<<10)
	buf := make([]byte, 0, 64<<10)
	chunk := make([]byte, 32<<10)
	for {
		n, err := br.Read(chunk)
		buf = append(buf, bytes.ToLower(chunk[:n])...)
		if bytes.Contains(buf, needle) {
			return true, nil
		}
		if keep := len(needle) - 1; len(buf) > keep {
			buf = append(buf[:0], buf[len(buf)-keep:]...)
		}
		if err == io.EOF {
			return false, nil
		}
		if err != nil {
			return false, err
		}
	}
}

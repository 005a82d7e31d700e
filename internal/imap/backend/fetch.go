package backend

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"

	"github.com/postern/postern/internal/imap/wire"
	"github.com/postern/postern/internal/mime"
	"github.com/postern/postern/internal/store"
)

// fetch runs FETCH and UID FETCH (RFC 3501 §6.4.5). ENVELOPE, BODY and
// BODYSTRUCTURE come from the structure the store kept at delivery; body
// sections stream from the message file by offset.
func (s *session) fetch(ctx context.Context, cmd *wire.Command, args *wire.Parser) (reply, error) {
	set := args.SeqSet()
	items := args.FetchItems()
	if args.End(); args.Err() != nil {
		return bad(textArgError), nil
	}
	seqs, okSet := s.targets(set, cmd.UID)
	if !okSet {
		return bad("Invalid sequence number."), nil
	}
	if cmd.UID && !hasAttr(items, wire.FetchUID) {
		items = append([]wire.FetchItem{{Attr: wire.FetchUID}}, items...)
	}
	changed := s.markSeen(ctx, seqs, items)
	e := wire.NewEncoder(s.c.Writer())
	missing := false
	for _, seq := range seqs {
		if s.view.isGone(seq) {
			missing = true
			continue
		}
		err := s.fetchOne(ctx, e, seq, items, changed[seq])
		if errors.Is(err, store.ErrExpunged) || errors.Is(err, store.ErrNotFound) {
			missing = true
			continue
		}
		if err != nil {
			return reply{}, err // the response is half written: end the session
		}
		if s.c.Writer().Buffered() > 32<<10 {
			if err := s.c.Flush(); err != nil {
				return reply{}, err
			}
		}
	}
	if missing {
		return okCode("EXPUNGEISSUED", "Some messages were expunged; FETCH completed."), nil
	}
	return ok("FETCH completed."), nil
}

func hasAttr(items []wire.FetchItem, a wire.FetchAttr) bool {
	for _, it := range items {
		if it.Attr == a {
			return true
		}
	}
	return false
}

// setsSeen reports whether an item implicitly sets \Seen (RFC 3501
// §6.4.5: BODY[...] without PEEK, RFC822, RFC822.TEXT).
func setsSeen(it wire.FetchItem) bool {
	return (it.Attr == wire.FetchBodySection && !it.Peek) || it.Attr == wire.FetchRFC822 || it.Attr == wire.FetchRFC822Text
}

// markSeen sets \Seen where the items ask for it, in one store call, and
// returns the sequence numbers whose flags changed (their FETCH responses
// then include FLAGS).
func (s *session) markSeen(ctx context.Context, seqs []int, items []wire.FetchItem) map[int]bool {
	need := false
	for _, it := range items {
		need = need || setsSeen(it)
	}
	if !need || s.view.readOnly {
		return nil
	}
	var uids []uint32
	for _, q := range seqs {
		if m := s.view.msgs[q-1]; !s.view.isGone(q) && !store.HasFlag(m.Flags, store.FlagSeen) {
			uids = append(uids, m.UID)
		}
	}
	if len(uids) == 0 {
		return nil
	}
	updated, err := s.st.StoreFlags(ctx, s.view.folder.ID, uids, store.FlagsAdd, []string{store.FlagSeen})
	if err != nil {
		s.log.Warn("set \\Seen", "err", err)
		return nil
	}
	changed := map[int]bool{}
	for _, m := range updated {
		if q := s.view.seqOf(m.UID); q > 0 {
			s.view.msgs[q-1] = m
			changed[q] = true
		}
	}
	return changed
}

// fetchOne writes one "* n FETCH (...)" response.
func (s *session) fetchOne(ctx context.Context, e *wire.Encoder, seq int, items []wire.FetchItem, flagsChanged bool) error {
	m := s.view.msgs[seq-1]
	f := &fetcher{s: s, ctx: ctx, m: m}
	defer f.close()
	// Open what the items need before the first byte is written: the
	// message may have been expunged elsewhere, and a response cut short
	// would leave the client out of step.
	if err := f.prepare(items); err != nil {
		return err
	}
	e.Untagged().Number(uint32(seq)).Atom(" FETCH (")
	first := true
	item := func(name string) {
		if !first {
			e.SP()
		}
		first = false
		e.Atom(name).SP()
	}
	flagsSent := false
	for _, it := range items {
		switch it.Attr {
		case wire.FetchUID:
			item("UID")
			e.Number(m.UID)
		case wire.FetchFlags:
			item("FLAGS")
			e.Flags(m.Flags)
			flagsSent = true
		case wire.FetchInternalDate:
			item("INTERNALDATE")
			e.DateTime(m.InternalDate)
		case wire.FetchRFC822Size:
			item("RFC822.SIZE")
			e.Number64(uint64(m.Size))
		case wire.FetchEnvelope, wire.FetchBody, wire.FetchBodyStructure:
			p, err := f.structure()
			if err != nil {
				return err
			}
			item(it.Attr.String())
			e.Atom(string(structureForm(it.Attr, p)))
		default:
			if err := f.section(e, it, item); err != nil {
				return err
			}
		}
	}
	if flagsChanged && !flagsSent {
		item("FLAGS")
		e.Flags(m.Flags)
	}
	e.Atom(")").CRLF()
	return e.Err()
}

func structureForm(a wire.FetchAttr, p *mime.Part) []byte {
	switch a {
	case wire.FetchEnvelope:
		return mime.AppendEnvelope(nil, p.Envelope)
	case wire.FetchBody:
		return mime.AppendBody(nil, p)
	}
	return mime.AppendBodyStructure(nil, p)
}

// fetcher opens what one message's items need, once.
type fetcher struct {
	s    *session
	ctx  context.Context
	m    store.Message
	part *mime.Part
	body store.Body
}

// prepare opens the structure and the bytes if any item needs them.
func (f *fetcher) prepare(items []wire.FetchItem) error {
	for _, it := range items {
		switch it.Attr {
		case wire.FetchEnvelope, wire.FetchBody, wire.FetchBodyStructure:
			if _, err := f.structure(); err != nil {
				return err
			}
		case wire.FetchBodySection, wire.FetchRFC822, wire.FetchRFC822Header, wire.FetchRFC822Text:
			if _, err := f.open(); err != nil {
				return err
			}
			if _, err := f.structure(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (f *fetcher) close() {
	if f.body != nil {
		f.body.Close()
	}
}

func (f *fetcher) structure() (*mime.Part, error) {
	if f.part != nil {
		return f.part, nil
	}
	data, err := f.s.st.Structure(f.ctx, f.s.view.folder.ID, f.m.UID)
	if err != nil {
		return nil, err
	}
	p := &mime.Part{}
	if err := p.UnmarshalBinary(data); err != nil {
		return nil, err
	}
	f.part = p
	return p, nil
}

func (f *fetcher) open() (store.Body, error) {
	if f.body == nil {
		b, err := f.s.st.Open(f.ctx, f.s.view.folder.ID, f.m.UID)
		if err != nil {
			return nil, err
		}
		f.body = b
	}
	return f.body, nil
}

// section writes a body section item: BODY[...], RFC822, RFC822.HEADER,
// RFC822.TEXT.
func (f *fetcher) section(e *wire.Encoder, it wire.FetchItem, item func(string)) error {
	name := it.ResponseName()
	sec := it.Section
	switch it.Attr {
	case wire.FetchRFC822:
		sec = wire.Section{}
	case wire.FetchRFC822Header:
		sec = wire.Section{Spec: wire.SectionHeader}
	case wire.FetchRFC822Text:
		sec = wire.Section{Spec: wire.SectionText}
	}
	body, err := f.open()
	if err != nil {
		return err
	}
	var src io.Reader
	var size int64
	if len(sec.Part) == 0 && sec.Spec == wire.SectionAll {
		src, size = io.NewSectionReader(body, 0, body.Size()), body.Size()
	} else {
		p, err := f.structure()
		if err != nil {
			return err
		}
		if src, size, err = sectionBytes(body, p, sec); err != nil {
			return err
		}
	}
	if pr := it.Partial; pr != nil {
		off := min(int64(pr.Offset), size)
		n := min(int64(pr.Count), size-off)
		src = io.NewSectionReader(src.(io.ReaderAt), off, n) // both readers are relative to the section
		size = n
	}
	item(name)
	e.Literal(size, src)
	return nil
}

// sectionBytes resolves a section to a reader and its size (RFC 3501
// §6.4.5). A part that does not exist is empty, as most servers answer.
func sectionBytes(body store.Body, top *mime.Part, sec wire.Section) (io.Reader, int64, error) {
	nums := make([]int, len(sec.Part))
	for i, n := range sec.Part {
		nums[i] = int(n)
	}
	p, found := top.Find(nums)
	if !found {
		return bytes.NewReader(nil), 0, nil
	}
	msg := p // the message whose HEADER/TEXT is meant
	if len(nums) > 0 {
		msg = p.Message
		if msg == nil && sec.Spec != wire.SectionAll && sec.Spec != wire.SectionMIME {
			return bytes.NewReader(nil), 0, nil
		}
	}
	span := func(a, b int64) (io.Reader, int64, error) { return io.NewSectionReader(body, a, b-a), b - a, nil }
	switch sec.Spec {
	case wire.SectionAll:
		return span(p.HeaderEnd, p.BodyEnd)
	case wire.SectionMIME:
		return span(p.HeaderStart, p.HeaderEnd)
	case wire.SectionHeader:
		return span(msg.HeaderStart, msg.HeaderEnd)
	case wire.SectionText:
		return span(msg.HeaderEnd, msg.BodyEnd)
	case wire.SectionHeaderFields, wire.SectionHeaderFieldsNot:
		b, err := mime.HeaderFields(body, msg, sec.Fields, sec.Spec == wire.SectionHeaderFieldsNot)
		return bytes.NewReader(b), int64(len(b)), err
	}
	return nil, 0, errors.New("imap: unknown section " + strings.ToLower(string(sec.Spec)))
}

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

// fetchWindow is how many messages of a FETCH have their structures read
// ahead in one store query; it bounds the memory a FETCH 1:* holds (a
// structure is at most a few KiB beside its kept header, itself at most
// mime.MaxKeptHeader).
const fetchWindow = 64

// preloadStructures reads the kept structures of the window's messages in
// one store call when the items need them and the store can. A failure
// only means each message is read on its own, as without it.
func (s *session) preloadStructures(ctx context.Context, seqs []int, items []wire.FetchItem) map[uint32][]byte {
	if !needsStructure(items) {
		return nil
	}
	return s.structuresOf(ctx, seqs)
}

// structuresOf reads the kept structures of the messages at seqs in one
// store call, if the store can; nil if it cannot or fails (each message
// is then read on its own).
func (s *session) structuresOf(ctx context.Context, seqs []int) map[uint32][]byte {
	sb, ok := s.st.(store.StructureBatcher)
	if !ok || len(seqs) < 2 {
		return nil
	}
	uids := make([]uint32, 0, len(seqs))
	for _, q := range seqs {
		if !s.view.isGone(q) {
			uids = append(uids, s.view.msgs[q-1].UID)
		}
	}
	kept, err := sb.Structures(ctx, s.view.folder.ID, uids)
	if err != nil {
		s.log.Warn("read structures", "err", err)
		return nil
	}
	return kept
}

// needsStructure reports whether any item is answered from the
// structure: ENVELOPE, BODY, BODYSTRUCTURE, and every body section but
// the whole message.
func needsStructure(items []wire.FetchItem) bool {
	for _, it := range items {
		switch it.Attr {
		case wire.FetchEnvelope, wire.FetchBody, wire.FetchBodyStructure, wire.FetchRFC822Header, wire.FetchRFC822Text:
			return true
		case wire.FetchBodySection:
			if len(it.Section.Part) > 0 || it.Section.Spec != wire.SectionAll {
				return true
			}
		}
	}
	return false
}

// fetcher opens what one message's items need, once.
type fetcher struct {
	s    *session
	ctx  context.Context
	m    store.Message
	kept []byte // the structure read ahead, or nil
	part *mime.Part
	body store.Body
}

// itemSection is the body section an item asks for: RFC822 is BODY[],
// RFC822.HEADER BODY[HEADER], RFC822.TEXT BODY[TEXT].
func itemSection(it wire.FetchItem) wire.Section {
	switch it.Attr {
	case wire.FetchRFC822:
		return wire.Section{}
	case wire.FetchRFC822Header:
		return wire.Section{Spec: wire.SectionHeader}
	case wire.FetchRFC822Text:
		return wire.Section{Spec: wire.SectionText}
	}
	return it.Section
}

// wholeMessage reports whether sec is the whole message (BODY[]).
func wholeMessage(sec wire.Section) bool {
	return len(sec.Part) == 0 && sec.Spec == wire.SectionAll
}

// inTopHeader reports whether sec lies within the top-level header block,
// which the structure may hold (mime.Part.Header).
func inTopHeader(sec wire.Section) bool {
	switch sec.Spec {
	case wire.SectionHeader, wire.SectionHeaderFields, wire.SectionHeaderFieldsNot:
		return len(sec.Part) == 0
	}
	return false
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
			if _, err := f.source(itemSection(it)); err != nil {
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
	data := f.kept
	if data == nil {
		var err error
		if data, err = f.s.st.Structure(f.ctx, f.s.view.folder.ID, f.m.UID); err != nil {
			return nil, err
		}
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

// source returns what sec is read from: the header block kept in the
// structure when sec lies within it, else the message's bytes. For the
// whole message the structure is not needed.
func (f *fetcher) source(sec wire.Section) (io.ReaderAt, error) {
	if wholeMessage(sec) {
		return f.open()
	}
	p, err := f.structure()
	if err != nil {
		return nil, err
	}
	if inTopHeader(sec) && p.HasHeader() && p.HeaderStart == 0 {
		return bytes.NewReader(p.Header), nil
	}
	return f.open()
}

// section writes a body section item: BODY[...], RFC822, RFC822.HEADER,
// RFC822.TEXT.
func (f *fetcher) section(e *wire.Encoder, it wire.FetchItem, item func(string)) error {
	sec := itemSection(it)
	from, err := f.source(sec)
	if err != nil {
		return err
	}
	var src io.Reader
	var size int64
	if wholeMessage(sec) {
		size = f.body.Size()
		src = io.NewSectionReader(from, 0, size)
	} else if src, size, err = sectionBytes(from, f.part, sec); err != nil {
		return err
	}
	if pr := it.Partial; pr != nil {
		off := min(int64(pr.Offset), size)
		n := min(int64(pr.Count), size-off)
		src = io.NewSectionReader(src.(io.ReaderAt), off, n) // both readers are relative to the section
		size = n
	}
	item(it.ResponseName())
	e.Literal(size, src)
	return nil
}

// sectionBytes resolves a section to a reader and its size (RFC 3501
// §6.4.5). A part that does not exist is empty, as most servers answer.
func sectionBytes(body io.ReaderAt, top *mime.Part, sec wire.Section) (io.Reader, int64, error) {
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

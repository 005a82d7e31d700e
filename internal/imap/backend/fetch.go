package backend

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/postern/postern/internal/imap/wire"
	"github.com/postern/postern/internal/mime"
	"github.com/postern/postern/internal/store"
)

// fetch runs FETCH and UID FETCH (RFC 3501 §6.4.5). ENVELOPE, BODY and
// BODYSTRUCTURE come from the structure the store kept at delivery; body
// sections stream from the message file by offset.
func (s *session) fetch(ctx context.Context, cmd *wire.Command, args *wire.Parser) (reply, error) {
	set := s.seqSetArg(args, cmd.UID)
	items := args.FetchItems()
	mods := args.FetchModifiers()
	if args.End(); args.Err() != nil {
		return bad(textArgError), nil
	}
	seqs, okSet := s.targets(set, cmd.UID)
	if !okSet {
		return bad("Invalid sequence number."), nil
	}
	seqs, items, r, okMods := s.fetchCondStore(ctx, cmd, set, seqs, items, mods)
	if !okMods {
		return r, nil
	}
	if cmd.UID && !hasAttr(items, wire.FetchUID) {
		items = append([]wire.FetchItem{{Attr: wire.FetchUID}}, items...)
	}
	changed := s.markSeen(ctx, seqs, items)
	e := wire.NewEncoder(s.c.Writer())
	missing := false
	var damaged []string // UIDs whose stored copy could not be read
	for len(seqs) > 0 {
		window := seqs[:min(len(seqs), fetchWindow)]
		seqs = seqs[len(window):]
		kept := s.preloadStructures(ctx, window, items)
		for _, seq := range window {
			if s.view.isGone(seq) {
				missing = true
				continue
			}
			err := s.fetchOne(ctx, e, seq, items, changed[seq], kept)
			if errors.Is(err, store.ErrExpunged) || errors.Is(err, store.ErrNotFound) {
				missing = true
				continue
			}
			if errors.Is(err, store.ErrDamaged) {
				uid := s.view.msgs[seq-1].UID
				s.logDamaged(uid, err)
				damaged = append(damaged, strconv.FormatUint(uint64(uid), 10))
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
	}
	if len(damaged) > 0 {
		return reply{status: wire.StatusNO, code: "SERVERBUG", text: "FETCH failed for UID " + strings.Join(damaged, ",") +
			": the stored message is damaged; the other messages were fetched."}, nil
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
	updated, err := s.st.StoreFlags(s.own(ctx), s.view.folder.ID, uids, store.FlagsAdd, []string{store.FlagSeen})
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

// fetchOne writes one "* n FETCH (...)" response. kept holds structures
// read ahead for the window (see preloadStructures); it may be nil.
func (s *session) fetchOne(ctx context.Context, e *wire.Encoder, seq int, items []wire.FetchItem, flagsChanged bool, kept map[uint32][]byte) error {
	m := s.view.msgs[seq-1]
	f := &fetcher{s: s, ctx: ctx, m: m, kept: kept[m.UID]}
	defer f.close()
	// Open what the items need before the first byte is written: the
	// message may have been expunged elsewhere, and a response cut short
	// would leave the client out of step.
	if err := f.prepare(items); err != nil {
		return err
	}
	var flags []string
	if flagsChanged || hasAttr(items, wire.FetchFlags) {
		flags = s.showFlags(m) // may announce a keyword first
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
	flagsSent, modseqSent := false, false
	for _, it := range items {
		switch it.Attr {
		case wire.FetchUID:
			item("UID")
			e.Number(m.UID)
		case wire.FetchModSeq:
			item("MODSEQ")
			e.Atom("(").Number64(m.ModSeq).Atom(")")
			modseqSent = true
		case wire.FetchFlags:
			item("FLAGS")
			e.Flags(flags)
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
		e.Flags(flags)
	}
	if flagsChanged && !modseqSent && s.cond.condstore {
		item("MODSEQ")
		e.Atom("(").Number64(m.ModSeq).Atom(")")
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

// logDamaged logs, once per command and message, a message whose stored
// copy cannot be read; the error names the file.
func (s *session) logDamaged(uid uint32, err error) {
	s.log.Error("damaged message", "folder", s.view.folder.Name, "uid", uid, "err", err)
}

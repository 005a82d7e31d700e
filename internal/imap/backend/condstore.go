package backend

import (
	"context"
	"iter"
	"sort"
	"strconv"
	"strings"

	"github.com/postern/postern/internal/imap/wire"
	"github.com/postern/postern/internal/store"
)

// ENABLE (RFC 5161), CONDSTORE and QRESYNC (RFC 7162). Every folder has
// mod-sequences (the store keeps one per message and HIGHESTMODSEQ per
// folder), so NOMODSEQ is never sent. The expunges a QRESYNC client has
// not seen come from the store's expunge records
// (store.ExpungeLister); when the records no longer reach back far
// enough, VANISHED (EARLIER) names every UID the client may know that is
// not in the folder: correct, just bigger.

// condState is what the client has enabled (RFC 7162 §3.1: CONDSTORE by
// ENABLE or by any CONDSTORE-enabling command; §3.2.3: QRESYNC only by
// ENABLE, and it implies CONDSTORE).
type condState struct {
	condstore bool
	qresync   bool
}

// enable runs ENABLE (RFC 5161 §3.1): it answers ENABLED with the
// capabilities this command enabled; unknown ones are ignored.
func (s *session) enable(_ context.Context, cmd *wire.Command, args *wire.Parser) (reply, error) {
	caps := args.Capabilities()
	if args.End(); args.Err() != nil || !s.advertises("ENABLE") {
		return bad(textArgError), nil
	}
	var enabled []string
	for _, c := range caps {
		switch {
		case c == "CONDSTORE" && !s.cond.condstore:
			s.cond.condstore = true
		case c == "QRESYNC" && !s.cond.qresync:
			s.cond.qresync, s.cond.condstore = true, true
		default:
			continue
		}
		enabled = append(enabled, c)
	}
	s.c.WriteString("* ENABLED" + prefixSpace(strings.Join(enabled, " ")) + "\r\n")
	return ok("ENABLE completed."), nil
}

func prefixSpace(s string) string {
	if s == "" {
		return ""
	}
	return " " + s
}

// checkSelectParams refuses, before anything changes, SELECT parameters
// that may not be used: QRESYNC before ENABLE QRESYNC (RFC 7162 §3.2.5),
// and sequence match data whose two sets differ in size.
func (s *session) checkSelectParams(sp wire.SelectParams) (reply, bool) {
	q := sp.QResync
	if q == nil {
		return reply{}, true
	}
	if !s.cond.qresync {
		return bad("QRESYNC was not enabled."), false
	}
	if q.SeqMatch != nil && setSize(q.SeqMatch) != setSize(q.UIDMatch) {
		return bad("Invalid sequence match data."), false
	}
	return reply{}, true
}

// setSize counts the numbers of a set without "*".
func setSize(set wire.SeqSet) uint64 {
	var n uint64
	for _, r := range set.Resolve(0) {
		n += uint64(r.Stop-r.Start) + 1
	}
	return n
}

// selectCondStore sends HIGHESTMODSEQ for a SELECT or EXAMINE that
// succeeded (RFC 7162 §3.1.2.1) and, for QRESYNC with the folder's
// UIDVALIDITY, what changed since the client's mod-sequence (§3.2.5.1):
// VANISHED (EARLIER) for the UIDs it knows that went, then FETCH for the
// messages changed. A UIDVALIDITY that differs makes it a plain SELECT.
func (s *session) selectCondStore(ctx context.Context, sp wire.SelectParams) error {
	v := s.view
	if !s.advertises("CONDSTORE") {
		return nil // AdvertiseExchangeCapabilitiesOnly: SELECT as Exchange answers it
	}
	if sp.CondStore {
		s.cond.condstore = true
	}
	s.c.WriteString("* OK [HIGHESTMODSEQ " + strconv.FormatUint(v.modseq, 10) + "] Highest\r\n")
	q := sp.QResync
	if q == nil || q.UIDValidity != v.folder.UIDValidity || q.ModSeq >= v.modseq {
		return nil
	}
	known := q.KnownUIDs
	if known == nil {
		known = wire.SeqSet{{Start: 1, Stop: 0}}
	}
	if err := s.vanishedEarlier(ctx, known, q.ModSeq, q.SeqMatch, q.UIDMatch); err != nil {
		return err
	}
	for i, m := range v.msgs {
		if m.ModSeq > q.ModSeq {
			s.c.WriteString(s.flagsFetch(i+1, m, true) + "\r\n")
		}
	}
	return nil
}

// vanishedEarlier sends "* VANISHED (EARLIER)" for the UIDs of set that
// were expunged since the mod-sequence since and that the view no longer
// holds (RFC 7162 §3.2.5.1, §3.2.6). From the store's expunge records
// when they reach back far enough; else every UID of set up to the
// view's highest that the view does not hold, less those below the
// highest pair of the sequence match data (seqs, uids) that holds in the
// view: nothing below it can have gone.
func (s *session) vanishedEarlier(ctx context.Context, set wire.SeqSet, since uint64, seqs, uids wire.SeqSet) error {
	v := s.view
	top := v.maxUID()
	if l, ok := s.st.(store.ExpungeLister); ok {
		_, _, expunged, named, err := l.ChangesExpunged(ctx, v.folder.ID, since)
		if err != nil {
			return err
		}
		if named {
			var out []uint32
			for _, uid := range expunged {
				if set.Contains(uid, top) && v.seqOf(uid) == 0 {
					out = append(out, uid)
				}
			}
			if len(out) > 0 {
				s.c.WriteString("* VANISHED (EARLIER) " + uidSet(out) + "\r\n")
			}
			return nil
		}
	}
	floor := uint32(1)
	if seqs != nil {
		floor = matchFloor(v, seqs, uids)
	}
	if gone := absentUIDs(v, set, floor); gone != "" {
		s.c.WriteString("* VANISHED (EARLIER) " + gone + "\r\n")
	}
	return nil
}

// absentUIDs returns, as a sequence set, the UIDs of set from floor up to
// the view's highest that the view does not hold. Its cost is in the
// set's ranges and the messages of the view within them.
func absentUIDs(v *view, set wire.SeqSet, floor uint32) string {
	top := v.maxUID()
	var b strings.Builder
	for _, r := range set.Resolve(top) {
		start, stop := max(r.Start, floor), min(r.Stop, top)
		if start > stop {
			continue
		}
		// The gaps between the view's UIDs within [start, stop].
		i := sort.Search(len(v.msgs), func(i int) bool { return v.msgs[i].UID >= start })
		for next := uint64(start); next <= uint64(stop); i++ {
			end := uint64(stop)
			if i < len(v.msgs) && v.msgs[i].UID <= stop {
				end = uint64(v.msgs[i].UID) - 1
			}
			if end >= next {
				appendRange(&b, uint32(next), uint32(end))
			}
			if i >= len(v.msgs) || v.msgs[i].UID > stop {
				break
			}
			next = uint64(v.msgs[i].UID) + 1
		}
	}
	return b.String()
}

// matchFloor returns the lowest UID that may have gone by the client's
// sequence match data: above the highest UID u it pairs with a sequence
// number s that still holds u in the view (RFC 7162 §3.2.5.2; UIDs only
// grow, so the s-1 messages below u are those the client knew). Data
// that matches nothing, made up or old, gives 1.
func matchFloor(v *view, seqs, uids wire.SeqSet) uint32 {
	floor := uint32(1)
	nextUID, stopUID := iter.Pull(uids.All(0))
	defer stopUID()
	for q := range seqs.All(0) {
		u, ok := nextUID()
		if !ok || int(q) > len(v.msgs) {
			break
		}
		if v.msgs[q-1].UID == u && u >= floor {
			floor = u + 1
		}
	}
	return floor
}

func appendRange(b *strings.Builder, from, to uint32) {
	if b.Len() > 0 {
		b.WriteByte(',')
	}
	b.WriteString(strconv.FormatUint(uint64(from), 10))
	if to > from {
		b.WriteString(":" + strconv.FormatUint(uint64(to), 10))
	}
}

// flagsFetch is the FETCH response announcing a message's flags: with
// its UID when asked or when QRESYNC is on (RFC 7162 §3.2.4 wants the UID
// in every unsolicited FETCH), and its MODSEQ once CONDSTORE is on
// (§3.1.2.2).
func (s *session) flagsFetch(seq int, m store.Message, withUID bool) string {
	line := "* " + strconv.Itoa(seq) + " FETCH ("
	if withUID || s.cond.qresync {
		line += "UID " + strconv.FormatUint(uint64(m.UID), 10) + " "
	}
	line += "FLAGS " + flagList(s.showFlags(m))
	if s.cond.condstore {
		line += " MODSEQ (" + strconv.FormatUint(m.ModSeq, 10) + ")"
	}
	return line + ")"
}

// fetchCondStore applies FETCH's modifiers (RFC 7162 §3.1.4.1, §3.2.6):
// with CHANGEDSINCE only the messages whose mod-sequence is above it are
// fetched, with MODSEQ; with VANISHED (UID FETCH after ENABLE QRESYNC)
// the UIDs of the set expunged since are sent first. ok false: BAD.
func (s *session) fetchCondStore(ctx context.Context, cmd *wire.Command, set wire.SeqSet, seqs []int, items []wire.FetchItem, mods wire.FetchModifiers) ([]int, []wire.FetchItem, reply, bool) {
	if mods.Vanished && (!cmd.UID || !s.cond.qresync) {
		return nil, nil, bad("VANISHED needs UID FETCH and ENABLE QRESYNC."), false
	}
	if mods.ChangedSince == 0 {
		if hasAttr(items, wire.FetchModSeq) {
			s.cond.condstore = true
		}
		return seqs, items, reply{}, true
	}
	s.cond.condstore = true
	if !hasAttr(items, wire.FetchModSeq) {
		items = append(items, wire.FetchItem{Attr: wire.FetchModSeq})
	}
	kept := seqs[:0]
	for _, q := range seqs {
		if s.view.msgs[q-1].ModSeq > mods.ChangedSince {
			kept = append(kept, q)
		}
	}
	if mods.Vanished {
		if err := s.vanishedEarlier(ctx, set, mods.ChangedSince, nil, nil); err != nil {
			return nil, nil, s.storeReply("FETCH", err), false
		}
	}
	return kept, items, reply{}, true
}

// unchangedSince splits a conditional STORE's UIDs (RFC 7162 §3.1.3):
// those whose mod-sequence in the store is above since fail, the others
// may be stored. The store has no conditional write: a change made by
// another session between this read and the write is not caught.
func (s *session) unchangedSince(ctx context.Context, uids []uint32, since uint64) (keep, failed []uint32, err error) {
	s.cond.condstore = true
	_, changed, err := s.st.Changes(ctx, s.view.folder.ID, since)
	if err != nil {
		return nil, nil, err
	}
	modified := make(map[uint32]bool, len(changed))
	for _, m := range changed {
		modified[m.UID] = true
	}
	for _, uid := range uids {
		if modified[uid] {
			failed = append(failed, uid)
		} else {
			keep = append(keep, uid)
		}
	}
	return keep, failed, nil
}

// modifiedCode is the MODIFIED response code for the failed UIDs, as
// UIDs for UID STORE, else as sequence numbers.
func (s *session) modifiedCode(failed []uint32, uid bool) string {
	if !uid {
		seqs := make([]uint32, 0, len(failed))
		for _, u := range failed {
			if q := s.view.seqOf(u); q != 0 {
				seqs = append(seqs, uint32(q))
			}
		}
		failed = seqs
	}
	return "MODIFIED " + uidSet(failed)
}

// hasModSeqKey reports whether a search uses MODSEQ (its result then
// ends in "(MODSEQ n)", RFC 7162 §3.1.5).
func hasModSeqKey(k wire.SearchKey) bool {
	if k.Op == wire.SearchModSeq {
		return true
	}
	for _, sub := range k.Keys {
		if hasModSeqKey(sub) {
			return true
		}
	}
	return false
}

// announceVanished sends the expunges of a sync as one VANISHED (RFC 7162
// §3.2.10) once QRESYNC is on; it reports whether it did.
func (s *session) announceVanished(u update) bool {
	if !s.cond.qresync {
		return false
	}
	if len(u.expungedUIDs) > 0 {
		uids := append([]uint32(nil), u.expungedUIDs...)
		sort.Slice(uids, func(i, j int) bool { return uids[i] < uids[j] })
		s.c.WriteString("* VANISHED " + uidSet(uids) + "\r\n")
	}
	return true
}

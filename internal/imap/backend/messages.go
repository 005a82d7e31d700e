package backend

import (
	"context"
	"strconv"
	"strings"

	"github.com/postern/postern/internal/imap/wire"
	"github.com/postern/postern/internal/store"
)

// targets resolves a sequence set to sequence numbers in the view:
// message numbers (a number beyond EXISTS makes ok false, RFC 3501 §9),
// or UIDs (UIDs that do not exist are skipped, RFC 3501 §6.4.8).
func (s *session) targets(set wire.SeqSet, uid bool) (seqs []int, ok bool) {
	v := s.view
	if uid {
		top := v.maxUID()
		for i, m := range v.msgs {
			if set.Contains(m.UID, top) {
				seqs = append(seqs, i+1)
			}
		}
		return seqs, true
	}
	n := uint32(v.exists())
	if n == 0 && set.Dynamic() {
		return nil, true // "1:*" in an empty mailbox: nothing, not an error
	}
	for _, r := range set.Resolve(n) {
		if r.Stop > n {
			return nil, false
		}
		for q := r.Start; q <= r.Stop; q++ {
			seqs = append(seqs, int(q))
		}
	}
	return seqs, true
}

// uidsOf returns the UIDs at the given sequence numbers, skipping ghosts.
func (s *session) uidsOf(seqs []int) []uint32 {
	out := make([]uint32, 0, len(seqs))
	for _, q := range seqs {
		if !s.view.isGone(q) {
			out = append(out, s.view.msgs[q-1].UID)
		}
	}
	return out
}

// storeCmd runs STORE and UID STORE (RFC 3501 §6.4.6).
func (s *session) storeCmd(ctx context.Context, cmd *wire.Command, args *wire.Parser) (reply, error) {
	set := s.seqSetArg(args, cmd.UID)
	mods := args.StoreModifiers()
	sf := args.StoreFlags()
	if args.End(); args.Err() != nil {
		return bad(textArgError), nil
	}
	seqs, okSet := s.targets(set, cmd.UID)
	if !okSet {
		return bad("Invalid sequence number."), nil
	}
	if s.view.readOnly {
		return no("STORE failed: the mailbox is read-only."), nil
	}
	flags := make([]string, 0, len(sf.Flags))
	for _, f := range sf.Flags {
		if !strings.EqualFold(f, `\Recent`) { // not settable (RFC 3501 §2.3.2)
			flags = append(flags, f)
		}
	}
	op := map[wire.StoreMode]store.FlagOp{wire.StoreReplace: store.FlagsReplace, wire.StoreAdd: store.FlagsAdd, wire.StoreRemove: store.FlagsRemove}[sf.Mode]
	uids := s.uidsOf(seqs)
	var failed []uint32 // UNCHANGEDSINCE (RFC 7162 §3.1.3)
	if mods.Unchanged {
		var err error
		if uids, failed, err = s.unchangedSince(ctx, uids, mods.UnchangedSince); err != nil {
			return s.storeReply("STORE", err), nil
		}
	}
	var updated []store.Message
	if len(uids) > 0 || !mods.Unchanged {
		var err error
		if updated, err = s.st.StoreFlags(s.own(ctx), s.view.folder.ID, uids, op, flags); err != nil {
			return s.storeReply("STORE", err), nil
		}
	}
	for _, m := range updated {
		seq := s.view.seqOf(m.UID)
		if seq == 0 {
			continue
		}
		s.view.msgs[seq-1] = m
		switch {
		case sf.Silent && mods.Unchanged:
			// RFC 7162 §3.1.3: the new MODSEQ even when silent.
			uid := ""
			if cmd.UID || s.cond.qresync {
				uid = "UID " + strconv.FormatUint(uint64(m.UID), 10) + " "
			}
			s.untaggedN(seq, "FETCH ("+uid+"MODSEQ ("+strconv.FormatUint(m.ModSeq, 10)+"))")
		case !sf.Silent:
			s.c.WriteString(s.flagsFetch(seq, m, cmd.UID) + "\r\n")
		}
	}
	if len(failed) > 0 {
		return okCode(s.modifiedCode(failed, cmd.UID), "Conditional STORE failed."), nil
	}
	return ok("STORE completed."), nil
}

// copyCmd runs COPY and UID COPY, answering COPYUID (RFC 4315 §3).
func (s *session) copyCmd(ctx context.Context, cmd *wire.Command, args *wire.Parser) (reply, error) {
	return s.transfer(ctx, cmd, args, false)
}

// move runs MOVE and UID MOVE (RFC 6851): COPYUID in an untagged OK, then
// the EXPUNGE responses, then the tagged OK. Moving into the selected
// folder itself renumbers the messages as Dovecot does (see transfer).
func (s *session) move(ctx context.Context, cmd *wire.Command, args *wire.Parser) (reply, error) {
	return s.transfer(ctx, cmd, args, true)
}

func (s *session) transfer(ctx context.Context, cmd *wire.Command, args *wire.Parser, move bool) (reply, error) {
	set := s.seqSetArg(args, cmd.UID)
	dest := cleanName(args.Mailbox())
	if args.End(); args.Err() != nil {
		return argReply(cmd.Name, args.Err()), nil
	}
	seqs, okSet := s.targets(set, cmd.UID)
	if !okSet {
		return bad("Invalid sequence number."), nil
	}
	verb := cmd.Name
	if move && s.view.readOnly {
		return no("MOVE failed: the mailbox is read-only."), nil
	}
	to, err := s.st.Folder(ctx, s.acct, dest)
	if err != nil {
		r := s.storeReply(verb, err)
		if r.code == "NONEXISTENT" {
			r.code = "TRYCREATE" // RFC 3501 §6.4.7
		}
		return r, nil
	}
	uids := s.uidsOf(seqs)
	if len(uids) == 0 {
		return ok(verb + " completed."), nil
	}
	var src, dst []uint32
	if move {
		src, dst, err = s.st.Move(s.own(ctx), s.view.folder.ID, uids, to.ID)
	} else {
		src, dst, err = s.st.Copy(ctx, s.view.folder.ID, uids, to.ID)
	}
	if err != nil {
		return s.storeReply(verb, err), nil
	}
	if len(src) == 0 {
		// Another session expunged them all since this view last synced:
		// a COPYUID's UID sets may not be empty (RFC 4315).
		return s.storeReply(verb, store.ErrExpunged), nil
	}
	code := "COPYUID " + strconv.FormatUint(uint64(to.UIDValidity), 10) + " " + uidSet(src) + " " + uidSet(dst)
	if move {
		s.c.WriteString("* OK [" + code + "] Moved.\r\n")
		s.view.expunged(src) // the sync before the tagged OK sends the EXPUNGEs
		if to.ID == s.view.folder.ID {
			// MOVE into the folder selected does what Dovecot does
			// (RFC 6851 does not forbid it): the messages get new
			// UIDs there (COPYUID above), the old ones are expunged,
			// and the sync before the tagged OK, told to read the
			// changes now rather than when the store's event comes,
			// sends their EXPUNGEs and then the EXISTS of the copies.
			s.dirty.Store(true)
		}
		return ok("MOVE completed."), nil
	}
	return okCode(code, "COPY completed."), nil
}

// uidSet formats UIDs compactly as a sequence set ("4:6,9"), in order.
func uidSet(uids []uint32) string {
	var b strings.Builder
	for i := 0; i < len(uids); {
		j := i
		for j+1 < len(uids) && uids[j+1] == uids[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatUint(uint64(uids[i]), 10))
		if j > i {
			b.WriteByte(':')
			b.WriteString(strconv.FormatUint(uint64(uids[j]), 10))
		}
		i = j + 1
	}
	return b.String()
}

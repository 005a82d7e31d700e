package backend

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/postern/postern/internal/imap/wire"
	"github.com/postern/postern/internal/store"
)

// The flags a client may set (spec §4.2: Exchange's SELECT response),
// before the keywords in use; PERMANENTFLAGS adds \* (keywords may be
// created too).
const systemFlags = `\Seen \Answered \Flagged \Deleted \Draft $MDNSent`

// selectCmd runs SELECT and EXAMINE (RFC 3501 §6.3.1-2), answering as
// Exchange does (spec §11 item 36).
func (s *session) selectCmd(ctx context.Context, cmd *wire.Command, args *wire.Parser) (reply, error) {
	name := args.Mailbox()
	params := args.SelectParams()
	if args.End(); args.Err() != nil {
		if r := argReply(cmd.Name, args.Err()); r.status == wire.StatusNO {
			s.deselect() // a failed SELECT leaves the selected state
			return r, nil
		}
		return bad(textArgError), nil
	}
	if r, ok := s.checkSelectParams(params); !ok {
		return r, nil
	}
	readOnly := cmd.Name == "EXAMINE"
	prev := s.view
	if prev != nil && s.cond.qresync {
		// RFC 7162 §3.2.11; only once QRESYNC is on, as Dovecot does,
		// so that other clients see what Exchange sends.
		s.c.WriteString("* OK [CLOSED] Previous mailbox is now closed.\r\n")
	}
	s.deselect() // a failed SELECT still leaves the selected state
	f, err := s.st.Folder(ctx, s.acct, name)
	if err != nil {
		return s.storeReply(cmd.Name, err), nil
	}
	if prev != nil && (prev.folder.ID != f.ID || prev.folder.UIDValidity != f.UIDValidity) {
		prev = nil
	}
	s.watched.Store(int64(f.ID))
	s.dirty.Store(false)
	// The folder again with its listing, in one snapshot, so that UIDNEXT
	// and the modseq the view starts from match the messages. Selecting
	// the folder already selected starts from what that view holds.
	f, msgs, err := s.listing(ctx, f.ID, prev)
	if err != nil {
		s.watched.Store(0)
		return s.storeReply(cmd.Name, err), nil
	}
	s.view = newView(f, msgs, readOnly)
	s.state = selected
	if prev != nil && !prev.readOnly {
		s.view.recent = prev.recent // claimed by this session: still its own
	}
	if f.UIDNext > 1 {
		s.claimRecent(ctx, 0, f.UIDNext-1)
	}
	// The keywords in use, from the listing this reads anyway, sorted.
	for _, m := range msgs {
		s.view.noteKeywords(m.Flags)
	}
	slices.SortFunc(s.view.kwList, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	w := s.c.Writer()
	s.untaggedN(len(msgs), "EXISTS")
	s.untaggedN(s.view.recentCount(), "RECENT")
	s.flagsLines()
	for i, m := range msgs {
		if !store.HasFlag(m.Flags, store.FlagSeen) {
			w.WriteString("* OK [UNSEEN " + strconv.Itoa(i+1) + "] Is the first unseen message\r\n")
			break
		}
	}
	w.WriteString("* OK [UIDVALIDITY " + strconv.FormatUint(uint64(f.UIDValidity), 10) + "] UIDVALIDITY value\r\n")
	w.WriteString("* OK [UIDNEXT " + strconv.FormatUint(uint64(f.UIDNext), 10) + "] The next unique identifier value\r\n")
	if err := s.selectCondStore(ctx, params); err != nil {
		s.deselect() // a SELECT that fails leaves no mailbox selected
		return s.storeReply(cmd.Name, err), nil
	}
	if readOnly {
		return okCode("READ-ONLY", "EXAMINE completed."), nil
	}
	return okCode("READ-WRITE", "SELECT completed."), nil
}

// deselect returns to the authenticated state.
func (s *session) deselect() {
	s.view = nil
	s.state = authenticated
	s.watched.Store(0)
}

// sync brings the view up to date with the store and announces the
// differences (RFC 3501 §7.3.1 EXISTS, §7.4.1 EXPUNGE, §7.4.2 FETCH).
// Without a change event or a poll (dirty) there is nothing to read; the
// messages this session expunged itself (ghosts already) are announced at
// the first point that may. A change costs what changed: the store's
// changes since the view's modseq, merged into the view; only messages
// expunged by another session, which the changes do not name, need the
// whole listing when the store cannot name them (store.ExpungeLister).
func (s *session) sync(ctx context.Context, mayExpunge bool) {
	v := s.view
	top := v.maxUID()
	read := s.dirty.Swap(false)
	if !read && (!mayExpunge || len(v.gone) == 0) {
		return
	}
	var u update
	if !read {
		u = v.settle(nil, 0, mayExpunge)
	} else {
		var f store.Folder
		var changed []store.Message
		var err error
		if s.resync.Swap(false) {
			// Events may have been lost: what the store names since
			// the view's modseq is not trusted to be all.
			fullListings.Add(1)
			f, changed, err = s.st.Changes(ctx, v.folder.ID, 0)
		} else {
			var expunged []uint32
			f, changed, expunged, err = s.changes(ctx, v.folder.ID, v.modseq)
			if err == nil {
				if flagged, added, ok := v.merge(f, changed, expunged); ok {
					v.modseq = f.HighestModSeq
					u = v.settle(flagged, added, mayExpunge)
					s.announce(ctx, u, top)
					return
				}
				fullListings.Add(1)
				f, changed, err = s.st.Changes(ctx, v.folder.ID, 0)
			}
		}
		switch {
		case errors.Is(err, store.ErrNotFound): // deleted elsewhere: no messages
			u = v.sync(nil, mayExpunge)
		case err != nil:
			s.log.Warn("sync", "err", err)
			s.dirty.Store(true)
			return
		default:
			u = v.sync(changed, mayExpunge)
			v.modseq = f.HighestModSeq
		}
	}
	s.announce(ctx, u, top)
}

// announce sends what a sync found: the expunges first (VANISHED once
// QRESYNC is enabled), as they renumber; with the new messages (those
// above top, the view's highest UID before the sync) claimed as \Recent
// where no other session has them, EXISTS and RECENT.
func (s *session) announce(ctx context.Context, u update, top uint32) {
	if !s.announceVanished(u) {
		for _, seq := range u.expunged {
			s.untaggedN(seq, "EXPUNGE")
		}
	}
	if now := s.view.maxUID(); now > top {
		s.claimRecent(ctx, top, now)
	}
	if u.exists >= 0 {
		s.untaggedN(u.exists, "EXISTS")
		s.untaggedN(s.view.recentCount(), "RECENT")
	}
	for _, seq := range u.flags {
		s.c.WriteString(s.flagsFetch(seq, s.view.msgs[seq-1], false) + "\r\n")
	}
}

// listing reads folder id and its present listing in one snapshot: from
// prev, a view of that folder (or nil), and the changes since its modseq
// when they fit it (a change to a few messages costs a few rows), else
// the whole folder.
func (s *session) listing(ctx context.Context, id store.FolderID, prev *view) (store.Folder, []store.Message, error) {
	if prev != nil {
		f, changed, expunged, err := s.changes(ctx, id, prev.modseq)
		if err != nil {
			return f, nil, err
		}
		v := &view{msgs: prev.live(), gone: map[uint32]bool{}}
		if _, _, ok := v.merge(f, changed, expunged); ok {
			return f, v.live(), nil
		}
		fullListings.Add(1)
	}
	return s.st.Changes(ctx, id, 0)
}

// changes reads folder id and its changes since a modseq in one
// snapshot: the messages added or re-flagged and, if the store can name
// them (store.ExpungeLister), the UIDs expunged; nil if it cannot.
func (s *session) changes(ctx context.Context, id store.FolderID, since uint64) (store.Folder, []store.Message, []uint32, error) {
	if l, ok := s.st.(store.ExpungeLister); ok {
		f, changed, expunged, named, err := l.ChangesExpunged(ctx, id, since)
		if !named {
			expunged = nil
		}
		return f, changed, expunged, err
	}
	f, changed, err := s.st.Changes(ctx, id, since)
	return f, changed, nil, err
}

// fullListings counts the syncs, in this process, that read a selected
// folder's whole listing because the changes did not fit the view.
var fullListings atomic.Uint64

// FullListings reports how many times a session, in this process, read a
// selected folder's whole listing to sync its view because the store's
// changes did not fit it (an expunge it could not name): tests and
// benchmarks check that a change elsewhere costs what changed.
func FullListings() uint64 { return fullListings.Load() }

// flagList formats flags as an IMAP list.
func flagList(flags []string) string {
	return "(" + strings.Join(flags, " ") + ")"
}

// deletedUIDs returns the UIDs of the view's messages marked \Deleted, in
// set when set is not nil (UID EXPUNGE, RFC 4315 §2.1).
func (s *session) deletedUIDs(set wire.SeqSet) []uint32 {
	var out []uint32
	for _, m := range s.view.msgs {
		if store.HasFlag(m.Flags, store.FlagDeleted) && (set == nil || set.Contains(m.UID, s.view.maxUID())) {
			out = append(out, m.UID)
		}
	}
	return out
}

// expungeCmd runs EXPUNGE and UID EXPUNGE.
func (s *session) expungeCmd(ctx context.Context, cmd *wire.Command, args *wire.Parser) (reply, error) {
	var set wire.SeqSet
	if cmd.UID {
		set = args.SeqSet()
	}
	if args.End(); args.Err() != nil {
		return bad(textArgError), nil
	}
	if s.view.readOnly {
		return no("EXPUNGE failed: the mailbox is read-only."), nil
	}
	if uids := s.deletedUIDs(set); len(uids) > 0 {
		removed, err := s.st.Expunge(s.own(ctx), s.view.folder.ID, uids)
		if err != nil {
			return s.storeReply("EXPUNGE", err), nil
		}
		s.view.expunged(removed) // the sync before the tagged OK sends the EXPUNGEs
	}
	return ok("EXPUNGE completed."), nil
}

// closeCmd runs CLOSE: a silent expunge, then back to authenticated.
func (s *session) closeCmd(ctx context.Context, cmd *wire.Command, args *wire.Parser) (reply, error) {
	if args.End(); args.Err() != nil {
		return bad(textArgError), nil
	}
	if !s.view.readOnly {
		if uids := s.deletedUIDs(nil); len(uids) > 0 {
			if _, err := s.st.Expunge(s.own(ctx), s.view.folder.ID, uids); err != nil {
				return s.storeReply("CLOSE", err), nil
			}
		}
	}
	s.deselect()
	return ok("CLOSE completed."), nil
}

// unselect runs UNSELECT (RFC 3691): back to authenticated, no expunge.
func (s *session) unselect(_ context.Context, cmd *wire.Command, args *wire.Parser) (reply, error) {
	if args.End(); args.Err() != nil {
		return bad(textArgError), nil
	}
	s.deselect()
	return ok("UNSELECT completed."), nil
}

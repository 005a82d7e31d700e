package backend

import (
	"slices"
	"sort"

	"github.com/postern/postern/internal/store"
)

// view is a selected folder as this session sees it: the message sequence
// numbers it has announced, mapped to UIDs. The store knows only UIDs;
// sequence numbers exist only here (DESIGN.md "Storage").
//
// The view changes only at sync points, where the differences from the
// store become untagged responses. RFC 3501 §7.4.1: EXPUNGE may not be
// sent while no command is in progress, nor during FETCH, STORE or SEARCH
// (their UID forms may); until it may, an expunged message stays in the
// view as a ghost, so sequence numbers stay stable for the client.
type view struct {
	folder store.Folder
	msgs   []store.Message // by sequence number - 1; UIDs ascending
	gone   map[uint32]bool // expunged in the store, not yet announced
	modseq uint64          // the folder's HighestModSeq the view reflects
	// recent is the UIDs \Recent to this session (claimRecent), in
	// ascending ranges.
	recent []uidRange
	// keywords are the keywords announced in FLAGS, lower-cased; kwList
	// spells them as announced, in that order.
	keywords map[string]bool
	kwList   []string
	readOnly bool
}

func newView(f store.Folder, msgs []store.Message, readOnly bool) *view {
	return &view{folder: f, msgs: msgs, gone: map[uint32]bool{}, modseq: f.HighestModSeq, readOnly: readOnly}
}

// exists is the number of messages announced.
func (v *view) exists() int { return len(v.msgs) }

// seqOf returns the sequence number of uid, or 0.
func (v *view) seqOf(uid uint32) int {
	i := sort.Search(len(v.msgs), func(i int) bool { return v.msgs[i].UID >= uid })
	if i < len(v.msgs) && v.msgs[i].UID == uid {
		return i + 1
	}
	return 0
}

// maxUID is the highest UID in the view (0 if empty).
func (v *view) maxUID() uint32 {
	if len(v.msgs) == 0 {
		return 0
	}
	return v.msgs[len(v.msgs)-1].UID
}

// update is what a sync found, as untagged responses to send.
type update struct {
	expunged []int // sequence numbers, in the order to send them
	// expungedUIDs are their UIDs, in any order (VANISHED, RFC 7162).
	expungedUIDs []uint32
	exists       int   // new EXISTS count, or -1 if unchanged
	flags        []int // sequence numbers whose flags changed
}

// sync merges the store's current listing into the view. With
// mayExpunge, expunged messages leave the view and their sequence numbers
// are reported (highest first, so each number is valid when sent);
// otherwise they stay as ghosts.
func (v *view) sync(cur []store.Message, mayExpunge bool) update {
	u := update{exists: -1}
	byUID := make(map[uint32]int, len(cur)) // uid -> index in cur
	for i, m := range cur {
		byUID[m.UID] = i
	}
	kept := v.msgs[:0:0]
	for i, m := range v.msgs {
		j, ok := byUID[m.UID]
		if !ok {
			if mayExpunge {
				u.expunged = append(u.expunged, i+1)
				u.expungedUIDs = append(u.expungedUIDs, m.UID)
				delete(v.gone, m.UID)
				continue
			}
			v.gone[m.UID] = true
			kept = append(kept, m)
			continue
		}
		if !slices.Equal(m.Flags, cur[j].Flags) {
			u.flags = append(u.flags, len(kept)+1)
		}
		kept = append(kept, cur[j])
	}
	slices.Reverse(u.expunged)
	before := len(kept)
	top := uint32(0)
	if len(kept) > 0 {
		top = kept[len(kept)-1].UID
	}
	for _, m := range cur {
		if m.UID > top {
			kept = append(kept, m)
		}
	}
	v.msgs = kept
	if len(kept) != before { // expunges alone need no EXISTS: each one counts down
		u.exists = len(kept)
	}
	// Flag changes reported by sequence number must follow the expunges,
	// which renumber: they were computed on the kept list, so they are
	// already right once the expunges are sent first.
	return u
}

// merge applies the changes the store reports since the view's modseq
// (Store.Changes: messages added and messages whose flags changed, in
// ascending UID order; ExpungeLister: the UIDs expunged, or nil when the
// store cannot name them) to the view, at a cost in the number of
// changes, not the folder's size. The expunged messages the view holds
// become ghosts, announced by settle when it may (RFC 3501 §7.4.1), as
// the session's own expunges are. It returns the UIDs whose flags differ
// from what the view held, in ascending order, and how many messages
// were added. ok is false, and the view untouched, when the changes do
// not fit it: messages expunged elsewhere that expunged does not name
// (f.Messages counts them, it does not name them), or a changed UID the
// view never held or holds as a ghost. The caller then reads the whole
// listing (sync).
func (v *view) merge(f store.Folder, changed []store.Message, expunged []uint32) (flagged []uint32, added int, ok bool) {
	top := v.maxUID()
	for _, m := range changed {
		if m.UID > top {
			added++
			continue
		}
		if added > 0 || v.seqOf(m.UID) == 0 || v.gone[m.UID] {
			return nil, 0, false
		}
	}
	var went []uint32 // the expunged the view holds, not yet ghosts
	for _, uid := range expunged {
		if uid <= top && !v.gone[uid] && v.seqOf(uid) != 0 {
			went = append(went, uid)
		}
	}
	if len(v.msgs)-len(v.gone)-len(went)+added != f.Messages {
		return nil, 0, false
	}
	for _, uid := range went {
		v.gone[uid] = true
	}
	old := changed[:len(changed)-added]
	for _, m := range old {
		i := v.seqOf(m.UID) - 1
		if !slices.Equal(v.msgs[i].Flags, m.Flags) {
			flagged = append(flagged, m.UID)
		}
		v.msgs[i] = m
	}
	v.msgs = append(v.msgs, changed[len(old):]...)
	return flagged, added, true
}

// settle makes the update that merge's result announces. With
// mayExpunge the ghosts leave the view and their sequence numbers are
// reported, highest first so that each is valid when sent; the flag
// changes are numbered after them. Its cost is in the number of ghosts
// and changes, plus one pass over the view when there are ghosts to
// remove.
func (v *view) settle(flagged []uint32, added int, mayExpunge bool) update {
	u := update{exists: -1}
	if mayExpunge && len(v.gone) > 0 {
		for uid := range v.gone {
			if q := v.seqOf(uid); q != 0 {
				u.expunged = append(u.expunged, q)
				u.expungedUIDs = append(u.expungedUIDs, uid)
			}
		}
		clear(v.gone)
	}
	if len(u.expunged) > 0 {
		slices.Sort(u.expunged)
		// The runs between the ghosts move down, each in one copy.
		w := u.expunged[0] - 1
		for k, q := range u.expunged {
			end := len(v.msgs)
			if k+1 < len(u.expunged) {
				end = u.expunged[k+1] - 1
			}
			w += copy(v.msgs[w:], v.msgs[q:end])
		}
		clear(v.msgs[w:]) // drop the flag slices the tail held
		v.msgs = v.msgs[:w]
		slices.Reverse(u.expunged)
	}
	if added > 0 {
		u.exists = len(v.msgs)
	}
	for _, uid := range flagged {
		if q := v.seqOf(uid); q != 0 {
			u.flags = append(u.flags, q)
		}
	}
	return u
}

// live returns the view's messages that are not ghosts: the store's
// listing as of the view's modseq, with this session's own expunges.
func (v *view) live() []store.Message {
	out := make([]store.Message, 0, len(v.msgs)-len(v.gone))
	for _, m := range v.msgs {
		if !v.gone[m.UID] {
			out = append(out, m)
		}
	}
	return out
}

// expunged records messages this session expunged: ghosts until the
// sync that announces them, so that sync needs no full listing to find
// them.
func (v *view) expunged(uids []uint32) {
	for _, uid := range uids {
		if v.seqOf(uid) != 0 {
			v.gone[uid] = true
		}
	}
}

// isGone reports whether the message at seq was expunged but not yet
// announced.
func (v *view) isGone(seq int) bool { return v.gone[v.msgs[seq-1].UID] }

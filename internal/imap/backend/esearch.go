package backend

import (
	"slices"
	"strconv"
	"strings"

	"github.com/postern/postern/internal/imap/wire"
)

// savedResult is the search result saved by SEARCH RETURN (SAVE), which
// "$" stands for (RFC 5182 §2). It is kept as UIDs, so that messages
// expunged later drop out of it, and belongs to the view it was made in:
// SELECT, EXAMINE and UNSELECT make a new view or none, and so reset it
// to the empty set (RFC 5182 §2.1).
type savedResult struct {
	v    *view
	uids []uint32 // ascending
}

// has reports whether uid is in the result saved in view v.
func (r savedResult) has(v *view, uid uint32) bool {
	if r.v != v {
		return false
	}
	_, found := slices.BinarySearch(r.uids, uid)
	return found
}

// save replaces the saved result with the messages at seqs.
func (s *session) save(seqs []int) {
	uids := make([]uint32, 0, len(seqs))
	for _, q := range seqs {
		uids = append(uids, s.view.msgs[q-1].UID)
	}
	slices.Sort(uids)
	s.saved = savedResult{v: s.view, uids: slices.Compact(uids)}
}

// failedSave empties the saved result after a failed SEARCH or SORT that
// asked to save it (RFC 5182 §2.1).
func (s *session) failedSave(ret []string) {
	if slices.Contains(ret, wire.ReturnSave) && s.view != nil {
		s.saved = savedResult{v: s.view}
	}
}

// seqSetArg reads a sequence set or "$" (RFC 5182 §2.2) for FETCH, STORE,
// COPY and MOVE and their UID forms: "$" becomes the saved UIDs, or their
// current sequence numbers, those expunged left out.
func (s *session) seqSetArg(args *wire.Parser, uid bool) wire.SeqSet {
	set, saved := args.SeqSetOrSaved()
	if !saved {
		return set
	}
	out := wire.SeqSet{}
	if s.saved.v != s.view {
		return out
	}
	var nums []uint32
	for _, u := range s.saved.uids {
		if uid {
			nums = append(nums, u)
		} else if q := s.view.seqOf(u); q > 0 {
			nums = append(nums, uint32(q))
		}
	}
	for _, r := range runs(nums) {
		out = append(out, wire.SeqRange{Start: r[0], Stop: r[1]})
	}
	return out
}

// runs splits nums, in their order, into runs of consecutive ascending
// numbers [first, last].
func runs(nums []uint32) [][2]uint32 {
	var out [][2]uint32
	for _, n := range nums {
		if k := len(out); k > 0 && out[k-1][1] != ^uint32(0) && out[k-1][1]+1 == n {
			out[k-1][1] = n
			continue
		}
		out = append(out, [2]uint32{n, n})
	}
	return out
}

// compress writes nums as a sequence set in their order, consecutive
// ascending runs as ranges (RFC 4731 §3.1 ALL, RFC 5267 §3).
func compress(nums []uint32) string {
	var b strings.Builder
	for i, r := range runs(nums) {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatUint(uint64(r[0]), 10))
		if r[1] != r[0] {
			b.WriteByte(':')
			b.WriteString(strconv.FormatUint(uint64(r[1]), 10))
		}
	}
	return b.String()
}

// number is the message's sequence number, or its UID for a UID command.
func (s *session) number(seq int, uid bool) uint32 {
	if uid {
		return s.view.msgs[seq-1].UID
	}
	return uint32(seq)
}

// esearch answers SEARCH RETURN (RFC 4731 §3.1) and SORT RETURN (RFC 5267
// §3) for the messages at seqs, in result order (ascending for SEARCH,
// sorted for SORT, where MIN and MAX are the first and last), and saves
// the result when asked (RFC 5182 §2.1: with MIN or MAX alone, only
// those). With SAVE alone nothing is sent.
func (s *session) esearch(cmd *wire.Command, ret []string, seqs []int, sorted bool) {
	if len(ret) == 0 {
		ret = []string{wire.ReturnAll}
	}
	want := func(o string) bool { return slices.Contains(ret, o) }
	first, last := -1, -1
	if len(seqs) > 0 {
		first, last = seqs[0], seqs[len(seqs)-1]
		if !sorted {
			for _, q := range seqs { // ascending already; kept general
				first, last = min(first, q), max(last, q)
			}
		}
	}
	if want(wire.ReturnSave) {
		if !want(wire.ReturnAll) && !want(wire.ReturnCount) && (want(wire.ReturnMin) || want(wire.ReturnMax)) {
			var part []int
			if want(wire.ReturnMin) && first > 0 {
				part = append(part, first)
			}
			if want(wire.ReturnMax) && last > 0 {
				part = append(part, last)
			}
			s.save(part)
		} else {
			s.save(seqs)
		}
		if len(ret) == 1 {
			return
		}
	}
	var b strings.Builder
	b.WriteString(`* ESEARCH (TAG "` + cmd.Tag + `")`)
	if cmd.UID {
		b.WriteString(" UID")
	}
	if want(wire.ReturnMin) && first > 0 {
		b.WriteString(" MIN " + strconv.FormatUint(uint64(s.number(first, cmd.UID)), 10))
	}
	if want(wire.ReturnMax) && last > 0 {
		b.WriteString(" MAX " + strconv.FormatUint(uint64(s.number(last, cmd.UID)), 10))
	}
	if want(wire.ReturnAll) && len(seqs) > 0 {
		nums := make([]uint32, len(seqs))
		for i, q := range seqs {
			nums[i] = s.number(q, cmd.UID)
		}
		b.WriteString(" ALL " + compress(nums))
	}
	if want(wire.ReturnCount) {
		b.WriteString(" COUNT " + strconv.Itoa(len(seqs)))
	}
	s.c.WriteString(b.String() + "\r\n")
}

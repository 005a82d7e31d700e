package backend

import (
	"cmp"
	"context"
	"slices"
	"sort"
	"strings"

	"github.com/postern/postern/internal/store"
)

// flagRecent is the session flag of RFC 3501 §2.3.2: shown, never stored.
const flagRecent = `\Recent`

// uidRange is the UIDs lo to hi, both included.
type uidRange struct{ lo, hi uint32 }

// addRecent makes the UIDs lo to hi recent to this session. Claims come
// in ascending order, so the range is appended, or extends the last one;
// one that does not (after a re-SELECT) is merged in.
func (v *view) addRecent(lo, hi uint32) {
	if lo == 0 {
		lo = 1
	}
	if lo > hi {
		return
	}
	n := len(v.recent)
	switch {
	case n == 0 || v.recent[n-1].hi < lo-1:
		v.recent = append(v.recent, uidRange{lo, hi})
		return
	case v.recent[n-1].lo <= lo:
		v.recent[n-1].hi = max(v.recent[n-1].hi, hi)
		return
	}
	rs := append(v.recent, uidRange{lo, hi})
	slices.SortFunc(rs, func(a, b uidRange) int { return cmp.Compare(a.lo, b.lo) })
	out := rs[:1]
	for _, r := range rs[1:] {
		if last := &out[len(out)-1]; r.lo <= last.hi+1 {
			last.hi = max(last.hi, r.hi)
		} else {
			out = append(out, r)
		}
	}
	v.recent = out
}

// isRecent reports whether uid is \Recent to this session.
func (v *view) isRecent(uid uint32) bool {
	i := sort.Search(len(v.recent), func(i int) bool { return v.recent[i].hi >= uid })
	return i < len(v.recent) && v.recent[i].lo <= uid
}

// recentCount is the number of the view's messages that are \Recent to
// this session, found by binary search in each range.
func (v *view) recentCount() int {
	n := 0
	for _, r := range v.recent {
		i := sort.Search(len(v.msgs), func(i int) bool { return v.msgs[i].UID >= r.lo })
		j := sort.Search(len(v.msgs), func(i int) bool { return v.msgs[i].UID > r.hi })
		n += j - i
	}
	return n
}

// claimRecent makes the messages with UIDs above `above`, up to upto,
// \Recent to this session, those that no other session claimed first
// (store.RecentClaimer): SELECT and the syncs that find new messages
// claim them; a read-only session (EXAMINE) sees what is not claimed yet
// and claims nothing. Without the store's ability nothing is recent. A
// failure costs the \Recent flags, not the command.
func (s *session) claimRecent(ctx context.Context, above, upto uint32) {
	rc, ok := s.st.(store.RecentClaimer)
	if !ok || upto <= above {
		return
	}
	ask := upto
	if s.view.readOnly {
		ask = 0
	}
	from, err := rc.ClaimRecent(ctx, s.view.folder.ID, ask)
	if err != nil {
		s.log.Warn("claim recent", "err", err)
		return
	}
	s.view.addRecent(max(from, above)+1, upto)
}

// isKeyword reports a flag that is not a system flag; $MDNSent is in the
// FLAGS list always.
func isKeyword(f string) bool {
	return !strings.HasPrefix(f, `\`) && !strings.EqualFold(f, "$MDNSent")
}

// noteKeywords adds the keywords of flags the view has not announced to
// its list; it reports whether there were any.
func (v *view) noteKeywords(flags []string) bool {
	added := false
	for _, f := range flags {
		if !isKeyword(f) {
			continue
		}
		k := strings.ToLower(f)
		if v.keywords[k] {
			continue
		}
		if v.keywords == nil {
			v.keywords = map[string]bool{}
		}
		v.keywords[k] = true
		v.kwList = append(v.kwList, f)
		added = true
	}
	return added
}

// flagsLines writes FLAGS and PERMANENTFLAGS with the keywords announced
// (RFC 3501 §7.2.6, §7.1).
func (s *session) flagsLines() {
	kws := ""
	if len(s.view.kwList) > 0 {
		kws = " " + strings.Join(s.view.kwList, " ")
	}
	w := s.c.Writer()
	w.WriteString("* FLAGS (" + systemFlags + kws + ")\r\n")
	if s.view.readOnly {
		w.WriteString("* OK [PERMANENTFLAGS ()] No permanent flags permitted\r\n")
	} else {
		w.WriteString("* OK [PERMANENTFLAGS (" + systemFlags + kws + ` \*)] Permanent flags` + "\r\n")
	}
}

// showFlags returns m's flags as this session shows them, with \Recent
// if m is recent to it. A keyword among them that the session has not
// announced is announced first, with an updated FLAGS and PERMANENTFLAGS:
// call it before writing the FETCH response that shows them.
func (s *session) showFlags(m store.Message) []string {
	if s.view.noteKeywords(m.Flags) {
		s.flagsLines()
	}
	if !s.view.isRecent(m.UID) {
		return m.Flags
	}
	return append(slices.Clip(m.Flags), flagRecent)
}

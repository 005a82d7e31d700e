package backend

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/postern/postern/internal/imap/wire"
)

// Threading algorithms (RFC 5256 §3 THREAD).
const (
	threadOrderedSubject = "ORDEREDSUBJECT"
	threadReferences     = "REFERENCES"
)

// node is a container of the thread tree (RFC 5256 §2.2-2.4): k is nil
// for a dummy, a message referenced but not among those threaded.
type node struct {
	k        *sortKeys
	parent   *node
	children []*node
	date     int64 // sort date: the message's, or a dummy's first child's
	seq      int
}

func (n *node) dummy() bool { return n.k == nil }

// hasAncestor reports whether a is n or one of n's ancestors.
func (n *node) hasAncestor(a *node) bool {
	if len(a.children) == 0 {
		return n == a // a leaf is nobody's ancestor
	}
	for x := n; x != nil; x = x.parent {
		if x == a {
			return true
		}
	}
	return false
}

func (n *node) unlink() {
	if p := n.parent; p != nil {
		i := slices.Index(p.children, n)
		p.children = slices.Delete(p.children, i, i+1)
		n.parent = nil
	}
}

func (n *node) adopt(c *node) {
	c.unlink()
	c.parent = n
	n.children = append(n.children, c)
}

// thread runs THREAD and UID THREAD (RFC 5256 §3) with ORDEREDSUBJECT or
// REFERENCES over the messages the search keys match.
func (s *session) thread(ctx context.Context, cmd *wire.Command, args *wire.Parser) (reply, error) {
	if !s.advertises("THREAD=REFERENCES") {
		return bad(textCmdError), nil
	}
	alg := strings.ToUpper(args.Atom())
	charset := args.AString()
	key := args.SearchKeys()
	if args.End(); args.Err() != nil {
		return bad(textArgError), nil
	}
	if alg != threadOrderedSubject && alg != threadReferences {
		return bad("THREAD failed: unsupported threading algorithm."), nil
	}
	if r, failed := checkCharset("THREAD", charset); failed {
		return r, nil
	}
	seqs, missing, failed := s.matching(ctx, key)
	if failed != nil {
		return reply{status: failed.status, code: failed.code, text: strings.Replace(failed.text, "SEARCH", "THREAD", 1)}, nil
	}
	keys, gone, err := s.keysOf(ctx, seqs, need{date: true, subject: true, refs: alg == threadReferences})
	if err != nil {
		return s.storeReply("THREAD", err), nil
	}
	var roots []*node
	if alg == threadOrderedSubject {
		roots = orderedSubject(keys)
	} else {
		roots = references(keys)
	}
	var b strings.Builder
	b.WriteString("* THREAD ")
	for _, r := range roots {
		b.WriteByte('(')
		s.writeThread(&b, r, cmd.UID)
		b.WriteByte(')')
	}
	s.c.WriteString(strings.TrimRight(b.String(), " ") + "\r\n")
	if missing || gone {
		return okCode("EXPUNGEISSUED", "Some messages were expunged; THREAD completed."), nil
	}
	return ok("THREAD completed."), nil
}

// writeThread writes a thread's members (RFC 5256 §4 thread-list without
// its parentheses): a message, then its only child inline or its children
// each parenthesised; a dummy as its children.
func (s *session) writeThread(b *strings.Builder, n *node, uid bool) {
	for !n.dummy() && len(n.children) == 1 { // chains iteratively
		b.WriteString(strconv.FormatUint(uint64(s.number(n.seq, uid)), 10))
		b.WriteByte(' ')
		n = n.children[0]
	}
	if !n.dummy() {
		b.WriteString(strconv.FormatUint(uint64(s.number(n.seq, uid)), 10))
		if len(n.children) == 0 {
			return
		}
		b.WriteByte(' ')
	} else if len(n.children) == 1 {
		s.writeThread(b, n.children[0], uid)
		return
	}
	for _, c := range n.children {
		b.WriteByte('(')
		s.writeThread(b, c, uid)
		b.WriteByte(')')
	}
}

// byDate orders nodes by sent date, then sequence number (RFC 5256 §2.2,
// §2.3 step 6).
func byDate(a, b *node) int {
	if r := cmp.Compare(a.date, b.date); r != 0 {
		return r
	}
	return cmp.Compare(a.seq, b.seq)
}

// orderedSubject is THREAD=ORDEREDSUBJECT (RFC 5256 §3): messages grouped
// by base subject; in each group the first by sent date is the parent of
// the others, in date order; groups in order of their first message.
func orderedSubject(keys []sortKeys) []*node {
	groups := map[string]*node{}
	nodes := make([]*node, len(keys))
	for i := range keys {
		nodes[i] = &node{k: &keys[i], date: keys[i].date, seq: keys[i].seq}
	}
	slices.SortFunc(nodes, func(a, b *node) int {
		if r := strings.Compare(a.k.subject, b.k.subject); r != 0 {
			return r
		}
		return byDate(a, b)
	})
	var roots []*node
	for _, n := range nodes {
		if r, ok := groups[n.k.subject]; ok {
			r.children = append(r.children, n)
			n.parent = r
			continue
		}
		groups[n.k.subject] = n
		roots = append(roots, n)
	}
	slices.SortFunc(roots, byDate)
	return roots
}

// references is THREAD=REFERENCES (RFC 5256 §3, the algorithm of its
// steps 1-6).
func references(keys []sortKeys) []*node {
	ids := make(map[string]*node, len(keys))
	var made []*node // every container, in the order made
	container := func(id string) *node {
		n := ids[id]
		if n == nil {
			n = &node{}
			ids[id] = n
			made = append(made, n)
		}
		return n
	}
	unique := 0
	// (1) link messages by their references.
	for i := range keys {
		k := &keys[i]
		id := k.msgID
		if c := ids[id]; id == "" || (c != nil && !c.dummy()) {
			// No Message-ID, or a duplicate: a unique one.
			unique++
			id = "\x00" + strconv.Itoa(unique)
		}
		self := container(id)
		self.k, self.seq, self.date = k, k.seq, k.date
		// (A) the references, each the parent of the next, keeping
		// links already made and making no loop.
		var prev *node
		for _, r := range k.refs {
			c := container(r)
			if prev != nil && c.parent == nil && !prev.hasAncestor(c) {
				prev.adopt(c)
			}
			prev = c
		}
		// (B) the message's parent is its last reference, replacing
		// any link, unless that makes a loop.
		if prev != nil && prev != self && !prev.hasAncestor(self) {
			prev.adopt(self)
		} else if prev == nil || prev == self {
			self.unlink()
		}
	}
	// (2) the root set.
	var roots []*node
	for _, n := range made {
		if n.parent == nil {
			roots = append(roots, n)
		}
	}
	// (4) prune dummies.
	top := &node{}
	for _, r := range roots {
		r.parent = top
	}
	top.children = roots
	prune(top, true)
	roots = top.children
	for _, r := range roots {
		r.parent = nil
	}
	// (5) gather roots by base subject.
	subj := func(n *node) (string, bool) {
		if n.dummy() {
			if len(n.children) == 0 {
				return "", false
			}
			n = n.children[0]
		}
		return n.k.subject, n.k.reply
	}
	table := map[string]*node{}
	for _, r := range roots {
		sub, re := subj(r)
		if sub == "" {
			continue
		}
		old, ok := table[sub]
		if !ok {
			table[sub] = r
			continue
		}
		_, oldRe := subj(old)
		if (r.dummy() && !old.dummy()) || (!r.dummy() && !old.dummy() && oldRe && !re) {
			table[sub] = r
		}
	}
	var kept []*node
	for _, r := range roots {
		sub, re := subj(r)
		t := table[sub]
		if sub == "" || t == r {
			kept = append(kept, r)
			continue
		}
		_, tRe := subj(t)
		switch {
		case t.dummy() && r.dummy():
			for _, c := range slices.Clone(r.children) {
				t.adopt(c)
			}
		case t.dummy():
			t.adopt(r)
		case r.dummy():
			r.adopt(t)
			table[sub] = r
			if i := slices.Index(kept, t); i >= 0 {
				kept[i] = r
			}
		case !tRe && re:
			t.adopt(r)
		case tRe && !re:
			r.adopt(t)
			table[sub] = r
			if i := slices.Index(kept, t); i >= 0 {
				kept[i] = r
			}
		default:
			d := &node{}
			d.adopt(t)
			d.adopt(r)
			table[sub] = d
			if i := slices.Index(kept, t); i >= 0 {
				kept[i] = d
			}
		}
	}
	// (6) sort siblings by sent date; a dummy dates from its first child.
	for _, r := range kept {
		sortTree(r)
	}
	slices.SortFunc(kept, byDate)
	return kept
}

// prune removes the dummies under n (RFC 5256 §3 REFERENCES step 4): one
// without children goes; one with children gives way to them, except at
// the root level with more than one child.
func prune(n *node, root bool) {
	for i := 0; i < len(n.children); {
		c := n.children[i]
		prune(c, false)
		switch {
		case c.dummy() && len(c.children) == 0:
			n.children = slices.Delete(n.children, i, i+1)
		case c.dummy() && (!root || len(c.children) == 1):
			kids := c.children
			for _, k := range kids {
				k.parent = n
			}
			n.children = slices.Replace(n.children, i, i+1, kids...)
			// the promoted children are examined in their turn
		default:
			i++
		}
	}
}

// sortTree sorts each level of the tree by date, setting dummies' dates,
// without recursion (threads may be deep).
func sortTree(r *node) {
	var order []*node
	stack := []*node{r}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		order = append(order, n)
		stack = append(stack, n.children...)
	}
	for i := len(order) - 1; i >= 0; i-- { // children before parents
		n := order[i]
		slices.SortFunc(n.children, byDate)
		if n.dummy() && len(n.children) > 0 {
			n.date, n.seq = n.children[0].date, n.children[0].seq
		}
	}
}

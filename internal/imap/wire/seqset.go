package wire

import (
	"cmp"
	"errors"
	"iter"
	"slices"
	"strconv"
	"strings"
)

// ErrSeqSet reports an invalid sequence set.
var ErrSeqSet = errors.New("imap: invalid sequence set")

// SeqRange is one element of a sequence set: a single number when Start
// equals Stop, else a range in either order (RFC 3501 §9 seq-range: "2:4"
// and "4:2" are the same). 0 stands for "*", the largest number in use.
type SeqRange struct {
	Start, Stop uint32
}

// SeqSet is a sequence set of message sequence numbers or UIDs, as sent
// (RFC 3501 §9 sequence-set). It is never expanded into memory: use
// Contains, Resolve or All with the current value of "*".
type SeqSet []SeqRange

// ParseSeqSet parses a sequence set such as "1:*,3,5:7". Numbers are
// non-zero 32-bit; "$" (RFC 5182) is not supported.
func ParseSeqSet(s string) (SeqSet, error) {
	if s == "" {
		return nil, ErrSeqSet
	}
	set := make(SeqSet, 0, strings.Count(s, ",")+1)
	for part := range strings.SplitSeq(s, ",") {
		a, b, isRange := strings.Cut(part, ":")
		start, err := parseSeqNumber(a)
		if err != nil {
			return nil, err
		}
		stop := start
		if isRange {
			if stop, err = parseSeqNumber(b); err != nil {
				return nil, err
			}
		}
		set = append(set, SeqRange{start, stop})
	}
	return set, nil
}

// parseSeqNumber parses seq-number: nz-number or "*" (returned as 0).
func parseSeqNumber(s string) (uint32, error) {
	if s == "*" {
		return 0, nil
	}
	if s == "" || len(s) > 10 || s[0] == '0' {
		return 0, ErrSeqSet
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, ErrSeqSet
		}
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, ErrSeqSet
	}
	return uint32(n), nil
}

// String returns the set in IMAP syntax, as parsed (ranges are not sorted
// or merged).
func (s SeqSet) String() string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 {
			b.WriteByte(',')
		}
		writeSeqNumber(&b, r.Start)
		if r.Stop != r.Start {
			b.WriteByte(':')
			writeSeqNumber(&b, r.Stop)
		}
	}
	return b.String()
}

func writeSeqNumber(b *strings.Builder, n uint32) {
	if n == 0 {
		b.WriteByte('*')
		return
	}
	b.WriteString(strconv.FormatUint(uint64(n), 10))
}

// Dynamic reports whether the set uses "*".
func (s SeqSet) Dynamic() bool {
	for _, r := range s {
		if r.Start == 0 || r.Stop == 0 {
			return true
		}
	}
	return false
}

// resolve substitutes max for "*" and orders the range.
func (r SeqRange) resolve(max uint32) SeqRange {
	if r.Start == 0 {
		r.Start = max
	}
	if r.Stop == 0 {
		r.Stop = max
	}
	if r.Start > r.Stop {
		r.Start, r.Stop = r.Stop, r.Start
	}
	return r
}

// Contains reports whether n is in the set when "*" stands for max (the
// number of messages, or the largest UID in use). As RFC 3501 §6.4.8
// requires for UIDs, "559:*" includes max even when 559 > max.
func (s SeqSet) Contains(n, max uint32) bool {
	for _, r := range s {
		r = r.resolve(max)
		if n >= r.Start && n <= r.Stop && n != 0 {
			return true
		}
	}
	return false
}

// Resolve returns the set with "*" replaced by max, as sorted, merged,
// non-overlapping ranges with Start <= Stop and no 0. Its length is at most
// the set's; nothing is expanded.
func (s SeqSet) Resolve(max uint32) []SeqRange {
	out := make([]SeqRange, 0, len(s))
	for _, r := range s {
		r = r.resolve(max)
		if r.Stop == 0 {
			continue // "*" in an empty mailbox
		}
		if r.Start == 0 {
			r.Start = 1
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b SeqRange) int { return cmp.Compare(a.Start, b.Start) })
	merged := out[:0]
	for _, r := range out {
		if n := len(merged); n > 0 && uint64(r.Start) <= uint64(merged[n-1].Stop)+1 {
			merged[n-1].Stop = max32(merged[n-1].Stop, r.Stop)
			continue
		}
		merged = append(merged, r)
	}
	return merged
}

func max32(a, b uint32) uint32 {
	if a > b {
		return a
	}
	return b
}

// All yields the numbers of the set in ascending order, each once, with
// "*" standing for max. It holds only the resolved ranges, so even
// "1:4294967295" costs no memory; the caller bounds the iteration (for UIDs,
// by the UIDs that exist).
func (s SeqSet) All(max uint32) iter.Seq[uint32] {
	return func(yield func(uint32) bool) {
		for _, r := range s.Resolve(max) {
			for n := r.Start; ; n++ {
				if !yield(n) {
					return
				}
				if n == r.Stop {
					break
				}
			}
		}
	}
}

// SeqSet reads a sequence-set argument.
func (p *Parser) SeqSet() SeqSet {
	if !p.begin("sequence set") {
		return nil
	}
	raw := p.run(func(c byte) bool { return isDigit(c) || c == '*' || c == ':' || c == ',' })
	if p.pos < len(p.s) && isAtomChar(p.s[p.pos]) {
		p.fail("Invalid sequence set")
		return nil
	}
	set, err := ParseSeqSet(string(raw))
	if err != nil {
		p.fail("Invalid sequence set")
		return nil
	}
	p.done("sequence set")
	return set
}

package wire

import "strings"

// Search return options (RFC 4731 §3.1, RFC 5182 §2.1). Parsed options
// are upper case.
const (
	ReturnMin   = "MIN"
	ReturnMax   = "MAX"
	ReturnAll   = "ALL"
	ReturnCount = "COUNT"
	ReturnSave  = "SAVE"
)

// SearchReturn reads the optional "RETURN" SP "(" [return-opt *(SP
// return-opt)] ")" of SEARCH (RFC 4731 §3.1) and SORT (RFC 5267 §3).
// present is false without it; opts holds each option once, upper case.
// An empty list means ALL (RFC 4731 §3.1), which the caller applies.
// Options other than MIN, MAX, ALL, COUNT and SAVE are a syntax error.
func (p *Parser) SearchReturn() (opts []string, present bool) {
	if p.err != nil || !p.keywordAhead("RETURN") {
		return nil, false
	}
	p.Atom()
	opts = []string{}
	p.list("return options", 0, func() {
		o := strings.ToUpper(p.Atom())
		switch o {
		case ReturnMin, ReturnMax, ReturnAll, ReturnCount, ReturnSave:
		default:
			if p.err == nil {
				p.fail("Unknown return option")
			}
			return
		}
		for _, x := range opts {
			if x == o {
				return
			}
		}
		opts = append(opts, o)
	})
	if p.err != nil {
		return nil, false
	}
	return opts, true
}

// keywordAhead reports whether the next argument is the atom kw (any case)
// followed by a space, "(" or the end.
func (p *Parser) keywordAhead(kw string) bool {
	i := p.pos
	for i < len(p.s) && p.s[i] == ' ' {
		i++
	}
	j := i
	for j < len(p.s) && isAtomChar(p.s[j]) {
		j++
	}
	return strings.EqualFold(string(p.s[i:j]), kw)
}

// SortCriterion is one sort-criterion of SORT (RFC 5256 §3, RFC 5957 §3):
// Key is ARRIVAL, CC, DATE, FROM, SIZE, SUBJECT, TO, DISPLAYFROM or
// DISPLAYTO; Reverse is a preceding REVERSE.
type SortCriterion struct {
	Key     string
	Reverse bool
}

// Sort keys.
const (
	SortArrival     = "ARRIVAL"
	SortCc          = "CC"
	SortDate        = "DATE"
	SortFrom        = "FROM"
	SortSize        = "SIZE"
	SortSubject     = "SUBJECT"
	SortTo          = "TO"
	SortDisplayFrom = "DISPLAYFROM"
	SortDisplayTo   = "DISPLAYTO"
)

// SortCriteria reads "(" sort-criterion *(SP sort-criterion) ")" (RFC 5256
// §4): each an optional REVERSE and a sort key. Keys are upper case; an
// unknown key, or REVERSE without a key, is a syntax error.
func (p *Parser) SortCriteria() []SortCriterion {
	var out []SortCriterion
	reverse := false
	p.list("sort criteria", 1, func() {
		k := strings.ToUpper(p.Atom())
		if p.err != nil {
			return
		}
		switch k {
		case "REVERSE":
			if reverse {
				p.fail("Invalid sort criteria")
			}
			reverse = true
			return
		case SortArrival, SortCc, SortDate, SortFrom, SortSize, SortSubject, SortTo, SortDisplayFrom, SortDisplayTo:
		default:
			p.fail("Unknown sort key")
			return
		}
		out = append(out, SortCriterion{Key: k, Reverse: reverse})
		reverse = false
	})
	if p.err == nil && reverse {
		p.fail("Invalid sort criteria")
	}
	if p.err != nil {
		return nil
	}
	return out
}

// SeqSetOrSaved reads a sequence-set argument or "$", the saved search
// result (RFC 5182 §2.2): saved is true for "$" and the set is nil.
func (p *Parser) SeqSetOrSaved() (set SeqSet, saved bool) {
	if !p.begin("sequence set") {
		return nil, false
	}
	if p.s[p.pos] == '$' {
		p.pos++
		p.done("sequence set")
		return nil, p.err == nil
	}
	return p.SeqSet(), false
}

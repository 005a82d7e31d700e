package wire

import (
	"strconv"
	"strings"
	"time"
)

// SearchOp is the kind of a search key: the RFC 3501 §6.4.4 keyword, or
// SearchAnd for a parenthesised group (and for several keys at top level),
// or SearchSeq for a bare sequence set.
type SearchOp string

// Search key kinds.
const (
	SearchAnd SearchOp = "AND" // Keys: all must match
	SearchSeq SearchOp = "SEQ" // Set: message sequence numbers
	SearchOr  SearchOp = "OR"  // Keys: exactly two
	SearchNot SearchOp = "NOT" // Keys: exactly one
	SearchUID SearchOp = "UID" // Set: UIDs
	// SearchSaved is "$" or "UID $": the saved search result (RFC 5182).
	SearchSaved SearchOp = "$"

	// No argument.
	SearchAll        SearchOp = "ALL"
	SearchAnswered   SearchOp = "ANSWERED"
	SearchDeleted    SearchOp = "DELETED"
	SearchDraft      SearchOp = "DRAFT"
	SearchFlagged    SearchOp = "FLAGGED"
	SearchNew        SearchOp = "NEW"
	SearchOld        SearchOp = "OLD"
	SearchRecent     SearchOp = "RECENT"
	SearchSeen       SearchOp = "SEEN"
	SearchUnanswered SearchOp = "UNANSWERED"
	SearchUndeleted  SearchOp = "UNDELETED"
	SearchUndraft    SearchOp = "UNDRAFT"
	SearchUnflagged  SearchOp = "UNFLAGGED"
	SearchUnseen     SearchOp = "UNSEEN"

	// Value: an astring (HEADER also has Field).
	SearchBcc     SearchOp = "BCC"
	SearchBody    SearchOp = "BODY"
	SearchCc      SearchOp = "CC"
	SearchFrom    SearchOp = "FROM"
	SearchSubject SearchOp = "SUBJECT"
	SearchText    SearchOp = "TEXT"
	SearchTo      SearchOp = "TO"
	SearchHeader  SearchOp = "HEADER"

	// Value: a keyword (flag-keyword atom).
	SearchKeyword   SearchOp = "KEYWORD"
	SearchUnkeyword SearchOp = "UNKEYWORD"

	// Date: a calendar date at midnight UTC.
	SearchBefore     SearchOp = "BEFORE"
	SearchOn         SearchOp = "ON"
	SearchSince      SearchOp = "SINCE"
	SearchSentBefore SearchOp = "SENTBEFORE"
	SearchSentOn     SearchOp = "SENTON"
	SearchSentSince  SearchOp = "SENTSINCE"

	// Number: a size in octets.
	SearchLarger  SearchOp = "LARGER"
	SearchSmaller SearchOp = "SMALLER"

	// ModSeq: a mod-sequence, optionally after an entry name (Field) and
	// type (Value, upper-cased) (RFC 7162 §3.1.5).
	SearchModSeq SearchOp = "MODSEQ"
)

// SearchKey is a node of a parsed search. Which fields are set depends on
// Op (see the constants). String values are the octets sent; decoding them
// from the CHARSET is the caller's.
type SearchKey struct {
	Op     SearchOp
	Keys   []SearchKey
	Field  string
	Value  string
	Date   time.Time
	Number uint32
	Set    SeqSet
	ModSeq uint64
}

// searchArg classifies the keywords by their argument.
func searchArg(op SearchOp) byte {
	switch op {
	case SearchAll, SearchAnswered, SearchDeleted, SearchDraft, SearchFlagged, SearchNew, SearchOld,
		SearchRecent, SearchSeen, SearchUnanswered, SearchUndeleted, SearchUndraft, SearchUnflagged, SearchUnseen:
		return '0'
	case SearchBcc, SearchBody, SearchCc, SearchFrom, SearchSubject, SearchText, SearchTo:
		return 's'
	case SearchKeyword, SearchUnkeyword:
		return 'k'
	case SearchBefore, SearchOn, SearchSince, SearchSentBefore, SearchSentOn, SearchSentSince:
		return 'd'
	case SearchLarger, SearchSmaller:
		return 'n'
	case SearchHeader, SearchNot, SearchOr, SearchUID, SearchModSeq:
		return 'x'
	}
	return 0
}

// SearchCharset reads SEARCH's optional "CHARSET" SP astring and returns the
// charset, or "" when absent. Checking it is the caller's.
func (p *Parser) SearchCharset() string {
	if p.err != nil {
		return ""
	}
	i := p.pos
	for i < len(p.s) && p.s[i] == ' ' {
		i++
	}
	j := i
	for j < len(p.s) && isAtomChar(p.s[j]) {
		j++
	}
	if !strings.EqualFold(string(p.s[i:j]), "CHARSET") {
		return ""
	}
	p.Atom()
	return p.AString()
}

// SearchKeys reads 1*(SP search-key) up to the end of the arguments: one
// key, or a SearchAnd of several. Parentheses nest at most MaxDepth deep,
// and NOT, OR and parentheses together at most 8×MaxDepth, so code that
// walks the tree recursively is bounded too.
func (p *Parser) SearchKeys() SearchKey {
	var keys []SearchKey
	for p.err == nil && p.More() {
		if len(keys) >= p.cmd.maxArgs {
			p.failKind(ErrTooMany, "Too many search keys")
			break
		}
		keys = append(keys, p.searchKey(1))
	}
	if p.err == nil && len(keys) == 0 {
		p.fail("Missing search key")
	}
	if p.err != nil {
		return SearchKey{}
	}
	if len(keys) == 1 {
		return keys[0]
	}
	return SearchKey{Op: SearchAnd, Keys: keys}
}

// searchKey reads one search-key at nesting level depth.
func (p *Parser) searchKey(depth int) SearchKey {
	var k SearchKey
	if depth > 8*p.cmd.maxDepth {
		p.failKind(ErrTooDeep, "Search nested too deeply")
		return k
	}
	if !p.begin("search key") {
		return k
	}
	switch c := p.s[p.pos]; {
	case c == '(':
		return p.searchGroup(depth)
	case isDigit(c) || c == '*':
		return SearchKey{Op: SearchSeq, Set: p.SeqSet()}
	case c == '$':
		p.SeqSetOrSaved()
		return SearchKey{Op: SearchSaved}
	}
	k.Op = SearchOp(strings.ToUpper(p.Atom()))
	switch searchArg(k.Op) {
	case '0':
	case 's':
		k.Value = p.AString()
	case 'k':
		k.Value = p.Atom()
	case 'd':
		k.Date = p.Date()
	case 'n':
		k.Number = p.Number()
	default:
		p.searchComplex(&k, depth)
	}
	return k
}

// searchComplex reads the arguments of HEADER, NOT, OR and UID.
func (p *Parser) searchComplex(k *SearchKey, depth int) {
	switch k.Op {
	case SearchHeader:
		k.Field = p.AString()
		if p.err == nil && !validFieldName(k.Field) {
			p.fail("Invalid header field name")
		}
		k.Value = p.AString()
	case SearchNot:
		k.Keys = []SearchKey{p.searchKey(depth + 1)}
	case SearchOr:
		a := p.searchKey(depth + 1)
		k.Keys = []SearchKey{a, p.searchKey(depth + 1)}
	case SearchUID:
		if p.Peek() == '$' {
			p.SeqSetOrSaved()
			k.Op = SearchSaved
			return
		}
		k.Set = p.SeqSet()
	case SearchModSeq:
		p.searchModSeq(k)
	default:
		p.fail("Unknown search key")
	}
}

// searchGroup reads "(" search-key *(SP search-key) ")".
func (p *Parser) searchGroup(depth int) SearchKey {
	if p.paren >= p.cmd.maxDepth {
		p.failKind(ErrTooDeep, "Search nested too deeply")
		return SearchKey{}
	}
	p.paren++
	k := SearchKey{Op: SearchAnd, Keys: []SearchKey{}}
	p.list("search key", 1, func() { k.Keys = append(k.Keys, p.searchKey(depth+1)) })
	p.paren--
	return k
}

// String returns the key in IMAP syntax: groups are parenthesised, strings
// are quoted, or non-synchronizing literals when they cannot be quoted.
// The output parses back to an equal key.
func (k SearchKey) String() string {
	var b strings.Builder
	k.write(&b)
	return b.String()
}

func (k SearchKey) write(b *strings.Builder) {
	switch k.Op {
	case SearchAnd:
		b.WriteByte('(')
		for i, c := range k.Keys {
			if i > 0 {
				b.WriteByte(' ')
			}
			c.write(b)
		}
		b.WriteByte(')')
		return
	case SearchSeq:
		b.WriteString(k.Set.String())
		return
	}
	b.WriteString(string(k.Op))
	switch searchArg(k.Op) {
	case 's':
		b.WriteString(" " + stringText(k.Value))
	case 'k':
		b.WriteString(" " + k.Value)
	case 'd':
		b.WriteString(" " + FormatDate(k.Date))
	case 'n':
		b.WriteString(" " + strconv.FormatUint(uint64(k.Number), 10))
	}
	switch k.Op {
	case SearchHeader:
		b.WriteString(" " + stringText(k.Field) + " " + stringText(k.Value))
	case SearchNot, SearchOr:
		for _, c := range k.Keys {
			b.WriteByte(' ')
			c.write(b)
		}
	case SearchUID:
		b.WriteString(" " + k.Set.String())
	case SearchModSeq:
		writeModSeqKey(b, k)
	}
}

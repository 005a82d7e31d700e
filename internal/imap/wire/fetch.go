package wire

import (
	"strconv"
	"strings"
)

// FetchAttr is one FETCH data item (RFC 3501 §6.4.5).
type FetchAttr uint8

// Fetch attributes. The macros ALL, FAST and FULL are expanded by
// FetchItems and never appear.
const (
	FetchEnvelope      FetchAttr = iota + 1 // ENVELOPE
	FetchFlags                              // FLAGS
	FetchInternalDate                       // INTERNALDATE
	FetchRFC822                             // RFC822 (BODY[], sets \Seen)
	FetchRFC822Header                       // RFC822.HEADER (BODY.PEEK[HEADER])
	FetchRFC822Size                         // RFC822.SIZE
	FetchRFC822Text                         // RFC822.TEXT (BODY[TEXT], sets \Seen)
	FetchBody                               // BODY: BODYSTRUCTURE without extension data
	FetchBodyStructure                      // BODYSTRUCTURE
	FetchUID                                // UID
	FetchBodySection                        // BODY[section]<partial>, BODY.PEEK[...]
	FetchModSeq                             // MODSEQ (RFC 7162 §3.1.4)
)

// String returns the attribute's name; FetchBodySection is "BODY".
func (a FetchAttr) String() string {
	switch a {
	case FetchEnvelope:
		return "ENVELOPE"
	case FetchFlags:
		return "FLAGS"
	case FetchInternalDate:
		return "INTERNALDATE"
	case FetchRFC822:
		return "RFC822"
	case FetchRFC822Header:
		return "RFC822.HEADER"
	case FetchRFC822Size:
		return "RFC822.SIZE"
	case FetchRFC822Text:
		return "RFC822.TEXT"
	case FetchBody, FetchBodySection:
		return "BODY"
	case FetchBodyStructure:
		return "BODYSTRUCTURE"
	case FetchUID:
		return "UID"
	case FetchModSeq:
		return "MODSEQ"
	}
	return "FetchAttr(" + strconv.Itoa(int(a)) + ")"
}

// SectionSpec is the text part of a section (RFC 3501 §6.4.5 section-msgtext
// / section-text).
type SectionSpec string

// Section specifiers. SectionAll ("") is the whole part: BODY[] or BODY[1.2].
const (
	SectionAll             SectionSpec = ""
	SectionHeader          SectionSpec = "HEADER"
	SectionHeaderFields    SectionSpec = "HEADER.FIELDS"
	SectionHeaderFieldsNot SectionSpec = "HEADER.FIELDS.NOT"
	SectionText            SectionSpec = "TEXT"
	SectionMIME            SectionSpec = "MIME" // only after a part number
)

// Section is a body section: part numbers ("1.2.3"), then a specifier with
// its header field names for HEADER.FIELDS and HEADER.FIELDS.NOT.
type Section struct {
	Part   []uint32
	Spec   SectionSpec
	Fields []string // as sent; compare case-insensitively
}

// Partial is a "<origin.count>" byte range of a section.
type Partial struct {
	Offset, Count uint32
}

// FetchItem is one requested data item.
type FetchItem struct {
	Attr FetchAttr
	// Peek is BODY.PEEK: do not set \Seen.
	Peek bool
	// Section and Partial are for FetchBodySection only.
	Section Section
	Partial *Partial
}

// String returns the section in IMAP syntax, without brackets. Field names
// are atoms, or quoted strings when they are not atom-safe.
func (s Section) String() string {
	var b strings.Builder
	for i, n := range s.Part {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(strconv.FormatUint(uint64(n), 10))
	}
	if s.Spec != SectionAll {
		if len(s.Part) > 0 {
			b.WriteByte('.')
		}
		b.WriteString(string(s.Spec))
	}
	if s.Spec == SectionHeaderFields || s.Spec == SectionHeaderFieldsNot {
		b.WriteString(" (")
		for i, f := range s.Fields {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(astringText(f))
		}
		b.WriteByte(')')
	}
	return b.String()
}

// String returns the item as a client requests it, e.g.
// "BODY.PEEK[1.HEADER]<0.100>".
func (it FetchItem) String() string {
	if it.Attr != FetchBodySection {
		return it.Attr.String()
	}
	s := "BODY"
	if it.Peek {
		s = "BODY.PEEK"
	}
	s += "[" + it.Section.String() + "]"
	if it.Partial != nil {
		s += "<" + strconv.FormatUint(uint64(it.Partial.Offset), 10) + "." + strconv.FormatUint(uint64(it.Partial.Count), 10) + ">"
	}
	return s
}

// ResponseName returns the item's name in a FETCH response (RFC 3501
// §7.4.2): BODY.PEEK is answered as BODY, and a partial shows only its
// origin, e.g. "BODY[1.HEADER]<0>".
func (it FetchItem) ResponseName() string {
	if it.Attr != FetchBodySection {
		return it.Attr.String()
	}
	s := "BODY[" + it.Section.String() + "]"
	if it.Partial != nil {
		s += "<" + strconv.FormatUint(uint64(it.Partial.Offset), 10) + ">"
	}
	return s
}

// fetchMacro expands ALL, FAST and FULL (RFC 3501 §6.4.5).
func fetchMacro(name string) ([]FetchItem, bool) {
	fast := []FetchItem{{Attr: FetchFlags}, {Attr: FetchInternalDate}, {Attr: FetchRFC822Size}}
	switch name {
	case "FAST":
		return fast, true
	case "ALL":
		return append(fast, FetchItem{Attr: FetchEnvelope}), true
	case "FULL":
		return append(fast, FetchItem{Attr: FetchEnvelope}, FetchItem{Attr: FetchBody}), true
	}
	return nil, false
}

// FetchItems reads FETCH's data items: a macro (ALL, FAST, FULL), one
// fetch-att, or a parenthesised list of fetch-atts. Macros are expanded.
func (p *Parser) FetchItems() []FetchItem {
	if !p.begin("fetch attributes") {
		return nil
	}
	if p.s[p.pos] == '(' {
		items := []FetchItem{}
		p.list("fetch attribute", 1, func() { items = append(items, p.fetchAtt()) })
		if p.err != nil {
			return nil
		}
		return items
	}
	i := p.pos
	for i < len(p.s) && isLetter(p.s[i]) {
		i++
	}
	if items, ok := fetchMacro(upperASCII(p.s[p.pos:i])); ok {
		p.pos = i
		p.done("fetch macro")
		return items
	}
	it := p.fetchAtt()
	if p.err != nil {
		return nil
	}
	return []FetchItem{it}
}

// fetchAtt reads one fetch-att.
func (p *Parser) fetchAtt() FetchItem {
	var it FetchItem
	if !p.begin("fetch attribute") {
		return it
	}
	name := upperASCII(p.run(func(c byte) bool { return isLetter(c) || isDigit(c) || c == '.' }))
	switch name {
	case "ENVELOPE":
		it.Attr = FetchEnvelope
	case "FLAGS":
		it.Attr = FetchFlags
	case "INTERNALDATE":
		it.Attr = FetchInternalDate
	case "RFC822":
		it.Attr = FetchRFC822
	case "RFC822.HEADER":
		it.Attr = FetchRFC822Header
	case "RFC822.SIZE":
		it.Attr = FetchRFC822Size
	case "RFC822.TEXT":
		it.Attr = FetchRFC822Text
	case "BODYSTRUCTURE":
		it.Attr = FetchBodyStructure
	case "UID":
		it.Attr = FetchUID
	case "MODSEQ":
		it.Attr = FetchModSeq
	case "BODY":
		it.Attr = FetchBody
		if p.pos < len(p.s) && p.s[p.pos] == '[' {
			it.Attr = FetchBodySection
		}
	case "BODY.PEEK":
		it.Attr, it.Peek = FetchBodySection, true
	default:
		p.fail("Invalid fetch attribute")
		return it
	}
	if it.Attr == FetchBodySection {
		it.Section = p.section()
		it.Partial = p.partial()
	}
	p.done("fetch attribute")
	return it
}

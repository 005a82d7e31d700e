package wire

import "strings"

// STATUS data items (RFC 3501 §6.3.10).
const (
	StatusItemMessages    = "MESSAGES"
	StatusItemRecent      = "RECENT"
	StatusItemUIDNext     = "UIDNEXT"
	StatusItemUIDValidity = "UIDVALIDITY"
	StatusItemUnseen      = "UNSEEN"
	// StatusItemSize is the folder's total size in octets (RFC 8438).
	StatusItemSize = "SIZE"
	// RFC 7162 §3.1.6.
	StatusItemHighestModSeq = "HIGHESTMODSEQ"
)

// StatusItems reads STATUS's "(" status-att *(SP status-att) ")" and
// returns the items upper-cased, in the order sent.
func (p *Parser) StatusItems() []string {
	items := []string{}
	p.list("status items", 1, func() {
		a := strings.ToUpper(p.Atom())
		switch a {
		case StatusItemMessages, StatusItemRecent, StatusItemUIDNext, StatusItemUIDValidity, StatusItemUnseen,
			StatusItemSize, StatusItemHighestModSeq:
		default:
			if p.err == nil {
				p.fail("Invalid status item")
			}
		}
		items = append(items, a)
	})
	if p.err != nil {
		return nil
	}
	return items
}

// IDParam is one field of the ID command (RFC 2971 §3.3).
type IDParam struct {
	Name  string
	Value string
	// Nil reports a NIL value.
	Nil bool
}

// IDParams reads ID's argument: NIL, or "(" *(string SP nstring) ")"
// (RFC 2971 §4). It returns nil for NIL. RFC 2971's limits (30 pairs,
// names of 30 octets, values of 1024) bind the client; the parser enforces
// only MaxArgs pairs.
func (p *Parser) IDParams() []IDParam {
	if !p.begin("ID parameters") {
		return nil
	}
	if p.nilAhead() {
		p.pos += 3
		p.done("ID parameters")
		return nil
	}
	params := []IDParam{}
	p.list("ID parameters", 0, func() {
		var f IDParam
		f.Name = p.StringArg()
		var ok bool
		f.Value, ok = p.NString()
		f.Nil = !ok
		params = append(params, f)
	})
	if p.err != nil {
		return nil
	}
	return params
}

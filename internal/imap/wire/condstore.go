package wire

import (
	"strconv"
	"strings"
)

// The arguments of ENABLE (RFC 5161) and of CONDSTORE and QRESYNC (RFC
// 7162): mod-sequences, the FETCH and STORE modifiers, the SELECT
// parameters. SEARCH MODSEQ is read with the other search keys.

// MaxModSeq is the largest mod-sequence (RFC 7162 §7: a positive
// unsigned 63-bit integer).
const MaxModSeq = 1<<63 - 1

// ModSeq reads a mod-sequence-value (1 to MaxModSeq), or with zeroOK a
// mod-sequence-valzer (0 to MaxModSeq).
func (p *Parser) ModSeq(zeroOK bool) uint64 {
	if !p.begin("mod-sequence") {
		return 0
	}
	d := p.run(isDigit)
	n, err := strconv.ParseUint(string(d), 10, 63)
	if len(d) == 0 || len(d) > 19 || err != nil || n == 0 && !zeroOK {
		p.fail("Invalid mod-sequence")
		return 0
	}
	p.done("mod-sequence")
	return n
}

// Capabilities reads ENABLE's 1*(SP capability), upper-cased, in the
// order sent.
func (p *Parser) Capabilities() []string {
	var caps []string
	for p.err == nil && (caps == nil || p.More()) {
		if len(caps) >= p.cmd.maxArgs {
			p.failKind(ErrTooMany, "Too many arguments")
			break
		}
		caps = append(caps, strings.ToUpper(p.Atom()))
	}
	if p.err != nil {
		return nil
	}
	return caps
}

// FetchModifiers are FETCH's optional modifiers (RFC 7162 §3.1.4.1,
// §3.2.6). ChangedSince 0 means none was sent.
type FetchModifiers struct {
	ChangedSince uint64
	Vanished     bool
}

// FetchModifiers reads the optional "(" fetch-modifier *(SP
// fetch-modifier) ")" after FETCH's items: CHANGEDSINCE n and VANISHED,
// each at most once; VANISHED needs CHANGEDSINCE.
func (p *Parser) FetchModifiers() FetchModifiers {
	var m FetchModifiers
	if p.Peek() != '(' {
		return m
	}
	seen := map[string]bool{}
	p.list("fetch modifier", 1, func() {
		name := strings.ToUpper(p.Atom())
		if p.err != nil {
			return
		}
		if seen[name] {
			p.fail("Repeated fetch modifier")
			return
		}
		seen[name] = true
		switch name {
		case "CHANGEDSINCE":
			m.ChangedSince = p.ModSeq(false)
		case "VANISHED":
			m.Vanished = true
		default:
			p.fail("Invalid fetch modifier")
		}
	})
	if p.err == nil && m.Vanished && m.ChangedSince == 0 {
		p.fail("VANISHED without CHANGEDSINCE")
	}
	if p.err != nil {
		return FetchModifiers{}
	}
	return m
}

// StoreModifiers are STORE's optional modifiers (RFC 7162 §3.1.3).
type StoreModifiers struct {
	// Unchanged reports UNCHANGEDSINCE, whose value (0 allowed) is
	// UnchangedSince.
	Unchanged      bool
	UnchangedSince uint64
}

// StoreModifiers reads the optional "(" UNCHANGEDSINCE n ")" between
// STORE's sequence set and its item.
func (p *Parser) StoreModifiers() StoreModifiers {
	var m StoreModifiers
	if p.Peek() != '(' {
		return m
	}
	p.list("store modifier", 1, func() {
		name := strings.ToUpper(p.Atom())
		if p.err != nil {
			return
		}
		if name != "UNCHANGEDSINCE" || m.Unchanged {
			p.fail("Invalid store modifier")
			return
		}
		m.Unchanged, m.UnchangedSince = true, p.ModSeq(true)
	})
	if p.err != nil {
		return StoreModifiers{}
	}
	return m
}

// QResync is SELECT's QRESYNC parameter (RFC 7162 §3.2.5): the client's
// UIDVALIDITY and mod-sequence, and optionally the UIDs it knows and
// pairs of its sequence numbers and their UIDs. None of the sets holds
// "*" (0).
type QResync struct {
	UIDValidity uint32
	ModSeq      uint64
	KnownUIDs   SeqSet // nil: not sent
	SeqMatch    SeqSet // nil: no sequence match data
	UIDMatch    SeqSet
}

// SelectParams are SELECT's and EXAMINE's optional parameters.
type SelectParams struct {
	CondStore bool
	QResync   *QResync
}

// SelectParams reads the optional "(" select-param *(SP select-param) ")"
// after SELECT's mailbox: CONDSTORE and QRESYNC (...), each at most once.
func (p *Parser) SelectParams() SelectParams {
	var sp SelectParams
	if p.Peek() != '(' {
		return sp
	}
	p.list("select parameter", 1, func() {
		name := strings.ToUpper(p.Atom())
		if p.err != nil {
			return
		}
		switch {
		case name == "CONDSTORE" && !sp.CondStore:
			sp.CondStore = true
		case name == "QRESYNC" && sp.QResync == nil:
			sp.QResync = p.qresync()
		default:
			p.fail("Invalid select parameter")
		}
	})
	if p.err != nil {
		return SelectParams{}
	}
	return sp
}

// qresync reads "(" uidvalidity SP mod-sequence-value [SP known-uids]
// [SP "(" known-sequence-set SP known-uid-set ")"] ")".
func (p *Parser) qresync() *QResync {
	q := &QResync{}
	n := 0
	p.list("QRESYNC parameter", 2, func() {
		switch n++; {
		case n == 1:
			q.UIDValidity = p.NzNumber()
		case n == 2:
			q.ModSeq = p.ModSeq(false)
		case n <= 4 && q.SeqMatch == nil && p.Peek() == '(':
			p.list("sequence match data", 2, func() {
				if q.SeqMatch == nil {
					q.SeqMatch = p.explicitSet()
				} else if q.UIDMatch == nil {
					q.UIDMatch = p.explicitSet()
				} else {
					p.fail("Invalid sequence match data")
				}
			})
		case n == 3:
			q.KnownUIDs = p.explicitSet()
		default:
			p.fail("Invalid QRESYNC parameter")
		}
	})
	if p.err != nil {
		return nil
	}
	return q
}

// explicitSet reads a sequence set without "*".
func (p *Parser) explicitSet() SeqSet {
	set := p.SeqSet()
	for _, r := range set {
		if r.Start == 0 || r.Stop == 0 {
			p.fail("Invalid sequence set")
			return nil
		}
	}
	return set
}

// String returns the parameters as a client sends them, with a leading
// space, or "" when there are none.
func (sp SelectParams) String() string {
	var parts []string
	if sp.CondStore {
		parts = append(parts, "CONDSTORE")
	}
	if q := sp.QResync; q != nil {
		s := "QRESYNC (" + strconv.FormatUint(uint64(q.UIDValidity), 10) + " " + strconv.FormatUint(q.ModSeq, 10)
		if q.KnownUIDs != nil {
			s += " " + q.KnownUIDs.String()
		}
		if q.SeqMatch != nil {
			s += " (" + q.SeqMatch.String() + " " + q.UIDMatch.String() + ")"
		}
		parts = append(parts, s+")")
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, " ") + ")"
}

// String returns the modifiers as a client sends them, with a leading
// space, or "" when there are none.
func (m FetchModifiers) String() string {
	if m.ChangedSince == 0 {
		return ""
	}
	s := " (CHANGEDSINCE " + strconv.FormatUint(m.ChangedSince, 10)
	if m.Vanished {
		s += " VANISHED"
	}
	return s + ")"
}

// String returns the modifiers as a client sends them, with a leading
// space, or "" when there are none.
func (m StoreModifiers) String() string {
	if !m.Unchanged {
		return ""
	}
	return " (UNCHANGEDSINCE " + strconv.FormatUint(m.UnchangedSince, 10) + ")"
}

// searchModSeq reads SEARCH MODSEQ's [entry-name SP entry-type-req] SP
// mod-sequence-valzer (RFC 7162 §3.1.5). The entry name is a quoted
// "/flags/<flag>"; its type is PRIV, SHARED or ALL.
func (p *Parser) searchModSeq(k *SearchKey) {
	if p.Peek() == '"' {
		k.Field = p.StringArg()
		if p.err == nil && (!strings.HasPrefix(strings.ToLower(k.Field), "/flags/") || len(k.Field) == len("/flags/") ||
			strings.IndexFunc(k.Field, func(r rune) bool { return r < 0x21 || r > 0x7e }) >= 0) {
			p.fail("Invalid entry name")
			return
		}
		k.Value = strings.ToUpper(p.Atom())
		if p.err == nil && k.Value != "PRIV" && k.Value != "SHARED" && k.Value != "ALL" {
			p.fail("Invalid entry type")
			return
		}
	}
	k.ModSeq = p.ModSeq(true)
}

func writeModSeqKey(b *strings.Builder, k SearchKey) {
	if k.Field != "" {
		b.WriteString(" " + stringText(k.Field) + " " + k.Value)
	}
	b.WriteString(" " + strconv.FormatUint(k.ModSeq, 10))
}

package mime

import (
	"encoding/binary"
	"errors"
)

// Serialisation, version 2. All integers are unsigned varints
// (encoding/binary); offsets are stored as differences, so small parts
// cost a few bytes:
//
//	message  = version(2) part
//	part     = flags hsDelta headerLen bodyLen [header] [lines] type subtype
//	           encoding [params] [id] [desc] [disposition params]
//	           [language] [location] [md5] [envelope] [part(message)]
//	           [n *part(children)]
//	header   = headerLen octets, the block as stored (top-level part only)
//	params   = n *(name value)
//	envelope = eflags [empty] [date] [subject] [from] [sender] [reply-to]
//	           [to] [cc] [bcc] [in-reply-to] [message-id]
//	addrs    = n *address
//	address  = head [name] [adl] [mailbox] [host]  (head = kind | presence bits)
//	string   = len<<1 bytes | index<<1|1       (index into dictWords)
//
// hsDelta is HeaderStart minus the end of the previous sibling (or the
// parent's body start); brackets are present when their flag bit is set.
// Sender and Reply-To equal to From are stored as a flag. empty is the
// Envelope.Empty set. A new layout needs a new version byte: readers
// reject versions they do not know.
//
// Version 1 (written before 2026-12) is version 2 without the header and
// the empty set (flags pfHeader and efEmpty never set); it still decodes,
// to a tree without Header in which empty fields read as absent.

const (
	marshalVersion   = 2
	marshalVersionV1 = 1
)

// ErrCorrupt is returned by UnmarshalBinary for data that is not a valid
// serialisation (truncated, unknown version, inconsistent offsets).
var ErrCorrupt = errors.New("mime: corrupt part serialisation")

// Part flag bits.
const (
	pfLines = 1 << iota
	pfParams
	pfID
	pfDesc
	pfDisp
	pfLang
	pfLoc
	pfMD5
	pfEnvelope
	pfMessage
	pfChildren
	pfHeader

	pfAll = pfHeader<<1 - 1
)

// Envelope flag bits.
const (
	efDate = 1 << iota
	efSubject
	efFrom
	efSender
	efSenderIsFrom
	efReplyTo
	efReplyToIsFrom
	efTo
	efCc
	efBcc
	efInReplyTo
	efMessageID
	efEmpty

	efAll = efEmpty<<1 - 1
)

// maxOffset bounds stored offsets so that sums cannot overflow.
const maxOffset = 1 << 52

// IsCurrent reports whether data was written by this version's
// MarshalBinary. Older forms still decode, but lack what was added since
// (the kept header, empty envelope fields): a store makes them again.
func IsCurrent(data []byte) bool {
	return len(data) > 0 && data[0] == marshalVersion
}

// MarshalBinary encodes the part tree in the compact, versioned form
// described above. It implements encoding.BinaryMarshaler.
func (p *Part) MarshalBinary() ([]byte, error) {
	e := encoder{buf: make([]byte, 0, 128), dict: dictWords()}
	e.buf = append(e.buf, marshalVersion)
	e.part(p, 0)
	return e.buf, nil
}

// UnmarshalBinary decodes data written by MarshalBinary into p, replacing
// its contents. It implements encoding.BinaryUnmarshaler.
func (p *Part) UnmarshalBinary(data []byte) error {
	if len(data) == 0 || (data[0] != marshalVersion && data[0] != marshalVersionV1) {
		return ErrCorrupt
	}
	d := decoder{buf: data[1:], dict: dictWords(), version: data[0]}
	q := d.part(0, 0, -1)
	if d.err != nil || len(d.buf) != 0 {
		return ErrCorrupt
	}
	*p = *q
	return nil
}

type encoder struct {
	buf  []byte
	dict [dictSize]string
}

func (e *encoder) uint(v uint64) { e.buf = binary.AppendUvarint(e.buf, v) }

func (e *encoder) str(s string) {
	if i := dictIndex(&e.dict, s); i >= 0 {
		e.uint(uint64(i)<<1 | 1)
		return
	}
	e.uint(uint64(len(s)) << 1)
	e.buf = append(e.buf, s...)
}

func (e *encoder) part(p *Part, base int64) {
	e.uint(partFlags(p))
	e.uint(uint64(p.HeaderStart - base))
	e.uint(uint64(p.HeaderEnd - p.HeaderStart))
	e.uint(uint64(p.BodyEnd - p.HeaderEnd))
	if hasHeaderCopy(p) {
		e.buf = append(e.buf, p.Header...)
	}
	if p.Lines != 0 {
		e.uint(uint64(p.Lines))
	}
	e.str(p.Type)
	e.str(p.Subtype)
	e.str(p.Encoding)
	e.optParams(p.Params)
	e.optStr(p.ID)
	e.optStr(p.Description)
	if p.Disposition != "" {
		e.str(p.Disposition)
		e.params(p.DispositionParams)
	}
	if len(p.Language) > 0 {
		e.uint(uint64(len(p.Language)))
		for _, l := range p.Language {
			e.str(l)
		}
	}
	e.optStr(p.Location)
	e.optStr(p.MD5)
	if p.Envelope != nil {
		e.envelope(p.Envelope)
	}
	if p.Message != nil {
		e.part(p.Message, p.HeaderEnd)
	}
	if len(p.Children) > 0 {
		e.uint(uint64(len(p.Children)))
		cursor := p.HeaderEnd
		for _, c := range p.Children {
			e.part(c, cursor)
			cursor = c.BodyEnd
		}
	}
}

func partFlags(p *Part) uint64 {
	var f uint64
	set := func(bit uint64, on bool) {
		if on {
			f |= bit
		}
	}
	set(pfLines, p.Lines != 0)
	set(pfParams, len(p.Params) > 0)
	set(pfID, p.ID != "")
	set(pfDesc, p.Description != "")
	set(pfDisp, p.Disposition != "")
	set(pfLang, len(p.Language) > 0)
	set(pfLoc, p.Location != "")
	set(pfMD5, p.MD5 != "")
	set(pfEnvelope, p.Envelope != nil)
	set(pfMessage, p.Message != nil)
	set(pfChildren, len(p.Children) > 0)
	set(pfHeader, hasHeaderCopy(p))
	return f
}

// hasHeaderCopy reports whether p's Header is stored: only a whole,
// non-empty block is.
func hasHeaderCopy(p *Part) bool { return len(p.Header) > 0 && p.HasHeader() }

func (e *encoder) optStr(s string) {
	if s != "" {
		e.str(s)
	}
}

func (e *encoder) optParams(ps []Param) {
	if len(ps) > 0 {
		e.params(ps)
	}
}

func (e *encoder) params(ps []Param) {
	e.uint(uint64(len(ps)))
	for _, x := range ps {
		e.str(x.Name)
		e.str(x.Value)
	}
}

func (e *encoder) envelope(v *Envelope) {
	e.uint(envelopeFlags(v))
	if em := emptyFields(v); em != 0 {
		e.uint(uint64(em))
	}
	e.optStr(v.Date)
	e.optStr(v.Subject)
	e.optAddrs(v.From)
	if !sameAddrs(v.Sender, v.From) {
		e.optAddrs(v.Sender)
	}
	if !sameAddrs(v.ReplyTo, v.From) {
		e.optAddrs(v.ReplyTo)
	}
	e.optAddrs(v.To)
	e.optAddrs(v.Cc)
	e.optAddrs(v.Bcc)
	e.optStr(v.InReplyTo)
	e.optStr(v.MessageID)
}

func envelopeFlags(v *Envelope) uint64 {
	var f uint64
	set := func(bit uint64, on bool) {
		if on {
			f |= bit
		}
	}
	senderIsFrom, replyToIsFrom := sameAddrs(v.Sender, v.From), sameAddrs(v.ReplyTo, v.From)
	set(efDate, v.Date != "")
	set(efSubject, v.Subject != "")
	set(efFrom, len(v.From) > 0)
	set(efSenderIsFrom, senderIsFrom)
	set(efSender, !senderIsFrom && len(v.Sender) > 0)
	set(efReplyToIsFrom, replyToIsFrom)
	set(efReplyTo, !replyToIsFrom && len(v.ReplyTo) > 0)
	set(efTo, len(v.To) > 0)
	set(efCc, len(v.Cc) > 0)
	set(efBcc, len(v.Bcc) > 0)
	set(efInReplyTo, v.InReplyTo != "")
	set(efMessageID, v.MessageID != "")
	set(efEmpty, emptyFields(v) != 0)
	return f
}

// emptyFields is v.Empty restricted to the fields that are in fact "".
func emptyFields(v *Envelope) EnvelopeFields {
	em := v.Empty & envAllFields
	for _, x := range []struct {
		bit EnvelopeFields
		s   string
	}{{EnvDate, v.Date}, {EnvSubject, v.Subject}, {EnvInReplyTo, v.InReplyTo}, {EnvMessageID, v.MessageID}} {
		if x.s != "" {
			em &^= x.bit
		}
	}
	return em
}

func sameAddrs(a, b []Address) bool {
	if len(a) != len(b) || len(a) == 0 {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func (e *encoder) optAddrs(l []Address) {
	if len(l) == 0 {
		return
	}
	e.uint(uint64(len(l)))
	for _, a := range l {
		e.uint(addrHead(a))
		e.optStr(a.Name)
		e.optStr(a.ADL)
		e.optStr(a.Mailbox)
		e.optStr(a.Host)
	}
}

// Address head bits above the two kind bits.
const (
	ahName = 4 << iota
	ahADL
	ahMailbox
	ahHost
)

func addrHead(a Address) uint64 {
	h := uint64(a.Kind & 3)
	for _, x := range []struct {
		bit uint64
		s   string
	}{{ahName, a.Name}, {ahADL, a.ADL}, {ahMailbox, a.Mailbox}, {ahHost, a.Host}} {
		if x.s != "" {
			h |= x.bit
		}
	}
	return h
}

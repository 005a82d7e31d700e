package mime

import "encoding/binary"

// decoder reads the serialisation of marshal.go with a sticky error. Every
// count and length is checked against the bytes left before anything is
// allocated, and recursion is bounded, so corrupt data cannot exhaust
// memory or the stack.
type decoder struct {
	buf     []byte
	err     error
	dict    [dictSize]string
	version byte
}

// known reports whether flags f use only the bits of the version read:
// all, or for version 1 those below the first bit version 2 added.
func (d *decoder) known(f, all, added uint64) bool {
	if d.version == marshalVersionV1 {
		all = added - 1
	}
	return f&^all == 0
}

// maxUnmarshalDepth bounds nesting: a tree from Parse is at most
// maxDepthLimit+2 levels deep (opaque leaves and stand-in children).
const maxUnmarshalDepth = maxDepthLimit + 2

func (d *decoder) fail() { d.err = ErrCorrupt }

func (d *decoder) uint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.buf)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

// count reads a number of following items, each at least one byte long.
func (d *decoder) count() int {
	n := d.uint()
	if n > uint64(len(d.buf)) {
		d.fail()
		return 0
	}
	return int(n)
}

// offset reads a non-negative offset difference.
func (d *decoder) offset() int64 {
	v := d.uint()
	if v >= maxOffset {
		d.fail()
		return 0
	}
	return int64(v)
}

func (d *decoder) str() string {
	v := d.uint()
	if v&1 == 1 {
		if v>>1 >= dictSize {
			d.fail()
			return ""
		}
		return d.dict[v>>1]
	}
	n := v >> 1
	if n > uint64(len(d.buf)) {
		d.fail()
		return ""
	}
	s := string(d.buf[:n])
	d.buf = d.buf[n:]
	return s
}

func (d *decoder) optStr(on bool) string {
	if !on {
		return ""
	}
	s := d.str()
	if s == "" {
		d.fail() // an empty string is never stored
	}
	return s
}

// part decodes one part whose HeaderStart is at least base and whose
// BodyEnd is at most limit (no bound when limit < 0).
func (d *decoder) part(depth int, base, limit int64) *Part {
	if depth > maxUnmarshalDepth {
		d.fail()
	}
	if d.err != nil {
		return &Part{}
	}
	f := d.uint()
	if !d.known(f, pfAll, pfHeader) {
		d.fail()
	}
	p := &Part{}
	p.HeaderStart = base + d.offset()
	p.HeaderEnd = p.HeaderStart + d.offset()
	p.BodyEnd = p.HeaderEnd + d.offset()
	if p.BodyEnd >= maxOffset || (limit >= 0 && p.BodyEnd > limit) {
		d.fail()
	}
	if f&pfHeader != 0 {
		p.Header = d.header(depth, p)
	}
	if f&pfLines != 0 {
		if p.Lines = d.offset(); p.Lines == 0 || p.Lines > p.Size() {
			d.fail()
		}
	}
	p.Type, p.Subtype, p.Encoding = d.str(), d.str(), d.str()
	p.Params = d.optParams(f&pfParams != 0)
	p.ID = d.optStr(f&pfID != 0)
	p.Description = d.optStr(f&pfDesc != 0)
	if f&pfDisp != 0 {
		p.Disposition = d.optStr(true)
		p.DispositionParams = d.params()
	}
	if f&pfLang != 0 {
		p.Language = d.strs()
	}
	p.Location = d.optStr(f&pfLoc != 0)
	p.MD5 = d.optStr(f&pfMD5 != 0)
	if f&pfEnvelope != 0 {
		p.Envelope = d.envelope()
	}
	if f&pfMessage != 0 {
		p.Message = d.part(depth+1, p.HeaderEnd, p.BodyEnd)
	}
	if f&pfChildren != 0 {
		d.children(p, depth)
	}
	d.checkShape(p)
	return p
}

// header reads the copy of the top-level header block: only the top-level
// part has one, it starts at 0, is not empty and fits MaxKeptHeader.
func (d *decoder) header(depth int, p *Part) []byte {
	n := p.HeaderEnd - p.HeaderStart
	if d.err != nil || depth != 0 || p.HeaderStart != 0 || n == 0 || n > MaxKeptHeader || n > int64(len(d.buf)) {
		d.fail()
		return nil
	}
	h := append([]byte(nil), d.buf[:n]...)
	d.buf = d.buf[n:]
	return h
}

func (d *decoder) children(p *Part, depth int) {
	n := d.count()
	if n == 0 {
		d.fail()
	}
	p.Children = make([]*Part, 0, n)
	cursor := p.HeaderEnd
	for i := 0; i < n && d.err == nil; i++ {
		c := d.part(depth+1, cursor, p.BodyEnd)
		p.Children = append(p.Children, c)
		cursor = c.BodyEnd
	}
}

// checkShape enforces what Parse guarantees: a multipart has children and
// only a multipart does; a message/rfc822 part has an encapsulated
// message spanning its body, and only such a part does.
func (d *decoder) checkShape(p *Part) {
	if p.IsMultipart() != (len(p.Children) > 0) || p.IsMessage() != (p.Message != nil) {
		d.fail()
		return
	}
	if m := p.Message; m != nil && (m.HeaderStart != p.HeaderEnd || m.BodyEnd != p.BodyEnd) {
		d.fail()
	}
}

func (d *decoder) optParams(on bool) []Param {
	if !on {
		return nil
	}
	ps := d.params()
	if len(ps) == 0 {
		d.fail()
	}
	return ps
}

func (d *decoder) params() []Param {
	n := d.count()
	if n == 0 {
		return nil
	}
	ps := make([]Param, n)
	for i := range ps {
		ps[i] = Param{Name: d.str(), Value: d.str()}
	}
	return ps
}

func (d *decoder) strs() []string {
	n := d.count()
	if n == 0 {
		d.fail()
		return nil
	}
	l := make([]string, n)
	for i := range l {
		l[i] = d.str()
	}
	return l
}

func (d *decoder) envelope() *Envelope {
	f := d.uint()
	if !d.known(f, efAll, efEmpty) {
		d.fail()
	}
	v := &Envelope{}
	if f&efEmpty != 0 {
		em := d.uint()
		if em == 0 || em&^uint64(envAllFields) != 0 {
			d.fail()
		}
		v.Empty = EnvelopeFields(em)
	}
	v.Date = d.optStr(f&efDate != 0)
	v.Subject = d.optStr(f&efSubject != 0)
	v.From = d.addrs(f&efFrom != 0)
	v.Sender = d.addrs(f&efSender != 0)
	v.ReplyTo = d.addrs(f&efReplyTo != 0)
	v.To = d.addrs(f&efTo != 0)
	v.Cc = d.addrs(f&efCc != 0)
	v.Bcc = d.addrs(f&efBcc != 0)
	v.InReplyTo = d.optStr(f&efInReplyTo != 0)
	v.MessageID = d.optStr(f&efMessageID != 0)
	if emptyFields(v) != v.Empty {
		d.fail() // a field both empty and with a value
	}
	if f&efSenderIsFrom != 0 {
		v.Sender = v.From
	}
	if f&efReplyToIsFrom != 0 {
		v.ReplyTo = v.From
	}
	return v
}

func (d *decoder) addrs(on bool) []Address {
	if !on {
		return nil
	}
	n := d.count()
	if n == 0 {
		d.fail()
		return nil
	}
	l := make([]Address, n)
	for i := range l {
		h := d.uint()
		if h&3 > uint64(AddrGroupEnd) || h>>6 != 0 {
			d.fail()
		}
		l[i] = Address{
			Kind:    AddressKind(h & 3),
			Name:    d.optStr(h&ahName != 0),
			ADL:     d.optStr(h&ahADL != 0),
			Mailbox: d.optStr(h&ahMailbox != 0),
			Host:    d.optStr(h&ahHost != 0),
		}
	}
	return l
}

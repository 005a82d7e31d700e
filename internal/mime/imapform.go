package mime

import (
	"strconv"
	"strings"
)

// This file renders the cached structure in IMAP syntax (RFC 3501 §7.4.2,
// formal syntax §9): ENVELOPE, BODY and BODYSTRUCTURE. Strings are quoted
// when they can be, literals otherwise; "" is sent as NIL where the grammar
// has an nstring. Media types, subtypes, encodings, disposition types and
// parameter names are upper-cased, as most servers send them; values are
// sent as written.

// AppendEnvelope appends the ENVELOPE s-expression of e to dst; a nil e
// gives an envelope of NILs. Sender and Reply-To default to From (RFC 3501
// §7.4.2) when empty.
func AppendEnvelope(dst []byte, e *Envelope) []byte {
	if e == nil {
		e = &Envelope{}
	}
	sender, replyTo := e.Sender, e.ReplyTo
	if len(sender) == 0 {
		sender = e.From
	}
	if len(replyTo) == 0 {
		replyTo = e.From
	}
	field := func(dst []byte, s string, bit EnvelopeFields) []byte {
		if s == "" && e.Empty&bit != 0 {
			return append(dst, `""`...)
		}
		return appendNString(dst, s)
	}
	dst = append(dst, '(')
	dst = field(dst, e.Date, EnvDate)
	dst = field(append(dst, ' '), e.Subject, EnvSubject)
	for _, l := range [][]Address{e.From, sender, replyTo, e.To, e.Cc, e.Bcc} {
		dst = appendAddresses(append(dst, ' '), l)
	}
	dst = field(append(dst, ' '), e.InReplyTo, EnvInReplyTo)
	dst = field(append(dst, ' '), e.MessageID, EnvMessageID)
	return append(dst, ')')
}

// appendAddresses appends an address list: "(" 1*address ")" or NIL, with
// the group markers of RFC 3501 §7.4.2.
func appendAddresses(dst []byte, l []Address) []byte {
	if len(l) == 0 {
		return append(dst, "NIL"...)
	}
	dst = append(dst, '(')
	for _, a := range l {
		switch a.Kind {
		case AddrGroupStart:
			dst = append(dst, "(NIL NIL "...)
			dst = append(appendString(dst, a.Mailbox), " NIL)"...)
		case AddrGroupEnd:
			dst = append(dst, "(NIL NIL NIL NIL)"...)
		default:
			dst = append(dst, '(')
			dst = appendNString(dst, a.Name)
			dst = appendNString(append(dst, ' '), a.ADL)
			dst = appendString(append(dst, ' '), a.Mailbox)
			dst = appendString(append(dst, ' '), a.Host)
			dst = append(dst, ')')
		}
	}
	return append(dst, ')')
}

// AppendBodyStructure appends the BODYSTRUCTURE s-expression of p (with
// extension data) to dst.
func AppendBodyStructure(dst []byte, p *Part) []byte { return appendBody(dst, p, true) }

// AppendBody appends the BODY s-expression of p (no extension data) to dst.
func AppendBody(dst []byte, p *Part) []byte { return appendBody(dst, p, false) }

func appendBody(dst []byte, p *Part, ext bool) []byte {
	dst = append(dst, '(')
	if p.IsMultipart() {
		dst = appendMultipart(dst, p, ext)
	} else {
		dst = appendSinglePart(dst, p, ext)
	}
	return append(dst, ')')
}

// appendMultipart: body-type-mpart = 1*body SP media-subtype
// [SP body-ext-mpart]; the bodies are not separated.
func appendMultipart(dst []byte, p *Part, ext bool) []byte {
	children := p.Children
	if len(children) == 0 {
		children = []*Part{emptyTextPart(p.BodyEnd)}
	}
	for _, c := range children {
		dst = appendBody(dst, c, ext)
	}
	dst = appendString(append(dst, ' '), strings.ToUpper(p.Subtype))
	if ext {
		dst = appendParams(append(dst, ' '), p.Params)
		dst = appendExtTail(dst, p)
	}
	return dst
}

// appendSinglePart writes body-type-basic, body-type-msg or body-type-text
// and, with ext, body-ext-1part.
func appendSinglePart(dst []byte, p *Part, ext bool) []byte {
	dst = appendString(dst, strings.ToUpper(p.Type))
	dst = appendString(append(dst, ' '), strings.ToUpper(p.Subtype))
	dst = appendParams(append(dst, ' '), p.Params)
	dst = appendNString(append(dst, ' '), p.ID)
	dst = appendNString(append(dst, ' '), p.Description)
	enc := p.Encoding
	if enc == "" {
		enc = "7bit"
	}
	dst = appendString(append(dst, ' '), strings.ToUpper(enc))
	dst = strconv.AppendInt(append(dst, ' '), p.Size(), 10)
	switch {
	case p.IsMessage():
		m := p.Message
		if m == nil { // only in a hand-built tree; keep the syntax valid
			m = emptyTextPart(p.BodyEnd)
		}
		dst = AppendEnvelope(append(dst, ' '), m.Envelope)
		dst = appendBody(append(dst, ' '), m, ext)
		dst = strconv.AppendInt(append(dst, ' '), p.Lines, 10)
	case p.Type == "text":
		dst = strconv.AppendInt(append(dst, ' '), p.Lines, 10)
	}
	if ext {
		dst = appendNString(append(dst, ' '), p.MD5)
		dst = appendExtTail(dst, p)
	}
	return dst
}

// appendExtTail writes SP body-fld-dsp SP body-fld-lang SP body-fld-loc.
func appendExtTail(dst []byte, p *Part) []byte {
	dst = append(dst, ' ')
	if p.Disposition == "" {
		dst = append(dst, "NIL"...)
	} else {
		dst = appendString(append(dst, '('), strings.ToUpper(p.Disposition))
		dst = append(appendParams(append(dst, ' '), p.DispositionParams), ')')
	}
	dst = append(dst, ' ')
	switch len(p.Language) {
	case 0:
		dst = append(dst, "NIL"...)
	case 1:
		dst = appendString(dst, p.Language[0])
	default:
		dst = append(dst, '(')
		for i, l := range p.Language {
			if i > 0 {
				dst = append(dst, ' ')
			}
			dst = appendString(dst, l)
		}
		dst = append(dst, ')')
	}
	return appendNString(append(dst, ' '), p.Location)
}

// appendParams writes body-fld-param: "(" name SP value ... ")" or NIL.
func appendParams(dst []byte, ps []Param) []byte {
	if len(ps) == 0 {
		return append(dst, "NIL"...)
	}
	dst = append(dst, '(')
	for i, x := range ps {
		if i > 0 {
			dst = append(dst, ' ')
		}
		dst = appendString(dst, strings.ToUpper(x.Name))
		dst = appendString(append(dst, ' '), x.Value)
	}
	return append(dst, ')')
}

// appendNString writes NIL for "" and a string otherwise.
func appendNString(dst []byte, s string) []byte {
	if s == "" {
		return append(dst, "NIL"...)
	}
	return appendString(dst, s)
}

// appendString writes s as a quoted string when every byte is a
// QUOTED-CHAR or an escapable quoted-special, and as a literal otherwise
// (CR, LF or 8-bit bytes). NUL, which neither form may carry, is dropped.
func appendString(dst []byte, s string) []byte {
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '\r' || c == '\n' || c >= 0x80 {
			dst = append(dst, '{')
			dst = strconv.AppendInt(dst, int64(len(s)), 10)
			dst = append(dst, "}\r\n"...)
			return append(dst, s...)
		}
	}
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '"' || c == '\\' {
			dst = append(dst, '\\')
		}
		dst = append(dst, s[i])
	}
	return append(dst, '"')
}

package wire

import (
	"encoding/base64"
	"errors"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Inbox is the one mailbox name that is case-insensitive (RFC 3501 §5.1).
const Inbox = "INBOX"

// ErrMailboxName reports a mailbox name that is not valid modified UTF-7.
var ErrMailboxName = errors.New("imap: invalid modified UTF-7 mailbox name")

// mutf7 is the modified BASE64 of RFC 3501 §5.1.3: "," instead of "/", no
// padding. Built per call: the package holds no mutable state.
func mutf7() *base64.Encoding {
	return base64.NewEncoding("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,").
		WithPadding(base64.NoPadding).Strict()
}

// EncodeMailboxName encodes a UTF-8 mailbox name in modified UTF-7 (RFC
// 3501 §5.1.3): printable US-ASCII stands for itself, "&" becomes "&-",
// anything else is "&" modified-BASE64(UTF-16BE) "-". Invalid UTF-8 octets
// are encoded as U+FFFD.
func EncodeMailboxName(name string) string {
	var b strings.Builder
	var units []uint16
	flush := func() {
		if len(units) == 0 {
			return
		}
		raw := make([]byte, 0, 2*len(units))
		for _, u := range units {
			raw = append(raw, byte(u>>8), byte(u))
		}
		b.WriteByte('&')
		b.WriteString(mutf7().EncodeToString(raw))
		b.WriteByte('-')
		units = units[:0]
	}
	for _, r := range name {
		if r >= 0x20 && r <= 0x7e {
			flush()
			if r == '&' {
				b.WriteString("&-")
			} else {
				b.WriteRune(r)
			}
			continue
		}
		units = utf16.AppendRune(units, r)
	}
	flush()
	return b.String()
}

// DecodeMailboxName decodes a modified UTF-7 mailbox name to UTF-8. It
// refuses octets outside printable US-ASCII, an unterminated or malformed
// shift sequence, non-zero padding bits, unpaired surrogates, and
// printable US-ASCII encoded in BASE64 (which "MUST NOT" be, §5.1.3).
func DecodeMailboxName(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e {
			return "", ErrMailboxName
		}
		if c != '&' {
			b.WriteByte(c)
			continue
		}
		end := strings.IndexByte(s[i+1:], '-')
		if end < 0 {
			return "", ErrMailboxName
		}
		enc := s[i+1 : i+1+end]
		i += end + 1
		if enc == "" {
			b.WriteByte('&')
			continue
		}
		if err := decodeShifted(&b, enc); err != nil {
			return "", err
		}
	}
	return b.String(), nil
}

// decodeShifted decodes one modified-BASE64 run of UTF-16BE.
func decodeShifted(b *strings.Builder, enc string) error {
	raw, err := mutf7().DecodeString(enc)
	if err != nil || len(raw)%2 != 0 {
		return ErrMailboxName
	}
	units := make([]uint16, len(raw)/2)
	for i := range units {
		units[i] = uint16(raw[2*i])<<8 | uint16(raw[2*i+1])
	}
	for i := 0; i < len(units); i++ {
		r := rune(units[i])
		switch {
		case utf16.IsSurrogate(r):
			if i+1 == len(units) {
				return ErrMailboxName
			}
			r = utf16.DecodeRune(r, rune(units[i+1]))
			if r == utf8.RuneError {
				return ErrMailboxName
			}
			i++
		case r >= 0x20 && r <= 0x7e:
			return ErrMailboxName
		}
		b.WriteRune(r)
	}
	return nil
}

// normalizeMailbox decodes a mailbox name and spells INBOX in upper case.
func normalizeMailbox(raw string) (string, error) {
	if strings.EqualFold(raw, Inbox) {
		return Inbox, nil
	}
	return DecodeMailboxName(raw)
}

// Mailbox reads a mailbox name (an astring, RFC 3501 §9 "mailbox") and
// returns it decoded to UTF-8, with INBOX in any case returned as "INBOX".
// A well-formed astring that is not valid modified UTF-7 returns "" and
// makes Err report ErrMailboxName with Status NO, unless the rest of the
// command has a syntax error (BAD): the command itself was well formed.
func (p *Parser) Mailbox() string {
	raw := p.AString()
	if p.err != nil {
		return ""
	}
	name, err := normalizeMailbox(raw)
	if err != nil {
		if p.nameErr == nil {
			p.nameErr = &CommandError{Tag: p.cmd.Tag, Status: StatusNO, Text: "Invalid mailbox name", Err: ErrMailboxName}
		}
		return ""
	}
	return name
}

// ListMailbox reads LIST's mailbox pattern (list-mailbox: 1*list-char or a
// string, which may hold the wildcards "%" and "*") decoded to UTF-8. It
// does not fold INBOX: matching is the caller's.
func (p *Parser) ListMailbox() string {
	if !p.begin("mailbox pattern") {
		return ""
	}
	var raw string
	if c := p.s[p.pos]; c == '"' || c == '{' {
		raw = p.StringArg()
	} else {
		a := p.run(isListChar)
		if len(a) == 0 {
			p.fail("Invalid mailbox pattern")
			return ""
		}
		p.done("mailbox pattern")
		raw = string(a)
	}
	if p.err != nil {
		return ""
	}
	name, err := DecodeMailboxName(raw)
	if err != nil {
		p.fail("Invalid mailbox name")
		return ""
	}
	return name
}

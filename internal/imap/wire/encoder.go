package wire

import (
	"bufio"
	"encoding/base64"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"
)

// maxQuoted is the longest string the encoder sends quoted; longer ones go
// as literals.
const maxQuoted = 1024

// ErrShortLiteral reports a literal source that ended before its announced
// size. The output is then out of sync: close the connection.
var ErrShortLiteral = errors.New("imap: literal shorter than announced")

// Encoder writes server responses. Methods append to the current line and
// return the encoder for chaining; the first write error is kept (sticky)
// and turns later calls into no-ops. Nothing is sent until Flush.
//
//	e.Untagged().Atom("OK").SP().CodeStart("UIDVALIDITY").SP().Number(v).CodeEnd().SP().Text("UIDs valid").CRLF()
//	e.Status(tag, wire.StatusOK, "READ-WRITE", "SELECT completed.")
//
// Atom, Code and Flags write their argument as is: callers pass only
// protocol keywords and flags that a Parser accepted.
type Encoder struct {
	w   *bufio.Writer
	err error
}

// NewEncoder returns an encoder writing to w.
func NewEncoder(w *bufio.Writer) *Encoder { return &Encoder{w: w} }

// Err returns the first error.
func (e *Encoder) Err() error { return e.err }

// Flush sends what was written and returns the first error.
func (e *Encoder) Flush() error {
	if e.err == nil {
		e.err = e.w.Flush()
	}
	return e.err
}

func (e *Encoder) raw(s string) *Encoder {
	if e.err == nil {
		_, e.err = e.w.WriteString(s)
	}
	return e
}

// Untagged starts an untagged response: "* ".
func (e *Encoder) Untagged() *Encoder { return e.raw("* ") }

// Tagged starts a tagged response: tag and a space.
func (e *Encoder) Tagged(tag string) *Encoder { return e.raw(tag).raw(" ") }

// Status writes a whole status response line: tag (untagged when tag is
// ""), status, an optional response code in brackets, the text, CRLF.
func (e *Encoder) Status(tag string, st Status, code, text string) *Encoder {
	if tag == "" {
		e.Untagged()
	} else {
		e.Tagged(tag)
	}
	e.raw(string(st))
	if code != "" {
		e.raw(" ").Code(code)
	}
	if text != "" {
		e.raw(" ").Text(text)
	}
	return e.CRLF()
}

// Continue writes a continuation request "+ text" CRLF (RFC 3501 §7.5).
func (e *Encoder) Continue(text string) *Encoder {
	return e.raw("+ ").Text(text).CRLF()
}

// ContinueBase64 writes an AUTHENTICATE challenge "+ " base64 CRLF (RFC
// 3501 §6.2.2); an empty challenge is "+ " CRLF.
func (e *Encoder) ContinueBase64(challenge []byte) *Encoder {
	return e.raw("+ ").raw(base64.StdEncoding.EncodeToString(challenge)).CRLF()
}

// Atom writes s as is.
func (e *Encoder) Atom(s string) *Encoder { return e.raw(s) }

// SP writes a space.
func (e *Encoder) SP() *Encoder { return e.raw(" ") }

// CRLF ends the line.
func (e *Encoder) CRLF() *Encoder { return e.raw("\r\n") }

// Number writes a decimal number.
func (e *Encoder) Number(n uint32) *Encoder { return e.raw(strconv.FormatUint(uint64(n), 10)) }

// Number64 writes a decimal 64-bit number (RFC 9051 number64, sizes).
func (e *Encoder) Number64(n uint64) *Encoder { return e.raw(strconv.FormatUint(n, 10)) }

// Text writes human-readable text (resp-text): CR and LF become spaces.
func (e *Encoder) Text(s string) *Encoder {
	if strings.ContainsAny(s, "\r\n") {
		s = strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
	}
	return e.raw(s)
}

// Code writes a response code without arguments: "[" name "]".
func (e *Encoder) Code(name string) *Encoder { return e.raw("[").raw(name).raw("]") }

// CodeStart opens a response code with arguments: "[" name. The arguments
// follow (with SP), then CodeEnd.
func (e *Encoder) CodeStart(name string) *Encoder { return e.raw("[").raw(name) }

// CodeEnd closes a response code: "]".
func (e *Encoder) CodeEnd() *Encoder { return e.raw("]") }

// ListStart writes "(".
func (e *Encoder) ListStart() *Encoder { return e.raw("(") }

// ListEnd writes ")".
func (e *Encoder) ListEnd() *Encoder { return e.raw(")") }

// Nil writes NIL.
func (e *Encoder) Nil() *Encoder { return e.raw("NIL") }

// String writes s as a quoted string, or as a literal when it holds CR,
// LF, NUL or 8-bit octets or is longer than 1024 octets.
func (e *Encoder) String(s string) *Encoder {
	if !quotable(s) {
		return e.raw("{" + strconv.Itoa(len(s)) + "}\r\n").raw(s)
	}
	return e.raw(quote(s))
}

// NString writes NIL for "" and the string otherwise (ENVELOPE fields).
func (e *Encoder) NString(s string) *Encoder {
	if s == "" {
		return e.Nil()
	}
	return e.String(s)
}

// AString writes s as an atom when it can be one (not empty, only
// ASTRING-CHARs, not NIL), else as a string.
func (e *Encoder) AString(s string) *Encoder {
	if atomSafe(s) {
		return e.raw(s)
	}
	return e.String(s)
}

// Literal writes "{size}" CRLF and then exactly size octets copied from r,
// without buffering them whole. If r ends early, the error is
// ErrShortLiteral and the connection must be closed.
func (e *Encoder) Literal(size int64, r io.Reader) *Encoder {
	e.raw("{" + strconv.FormatInt(size, 10) + "}\r\n")
	if e.err != nil {
		return e
	}
	n, err := io.CopyN(e.w, r, size)
	if n < size {
		if err == nil || err == io.EOF {
			err = ErrShortLiteral
		}
		e.err = err
	}
	return e
}

// Flags writes a parenthesised flag list.
func (e *Encoder) Flags(flags []string) *Encoder {
	e.ListStart()
	for i, f := range flags {
		if i > 0 {
			e.SP()
		}
		e.raw(f)
	}
	return e.ListEnd()
}

// Mailbox writes a mailbox name (UTF-8) encoded in modified UTF-7, always
// quoted (as Exchange does in LIST).
func (e *Encoder) Mailbox(name string) *Encoder {
	return e.String(EncodeMailboxName(name))
}

// DateTime writes a quoted date-time (INTERNALDATE).
func (e *Encoder) DateTime(t time.Time) *Encoder {
	return e.raw(`"` + FormatDateTime(t) + `"`)
}

// SeqSet writes a sequence set.
func (e *Encoder) SeqSet(s SeqSet) *Encoder { return e.raw(s.String()) }

// quotable reports whether s can be sent as a quoted string.
func quotable(s string) bool {
	if len(s) > maxQuoted {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == 0 || c == '\r' || c == '\n' || c >= 0x80 {
			return false
		}
	}
	return true
}

// quote returns s as a quoted string, escaping "\" and DQUOTE.
func quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '"' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

// atomSafe reports whether s can be sent as an astring atom.
func atomSafe(s string) bool {
	if s == "" || strings.EqualFold(s, "NIL") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isAStringChar(s[i]) {
			return false
		}
	}
	return true
}

// stringText returns s as a quoted string, or as a non-synchronizing
// literal when it cannot be quoted (for client-side text: SearchKey.String).
func stringText(s string) string {
	if quotable(s) {
		return quote(s)
	}
	return "{" + strconv.Itoa(len(s)) + "+}\r\n" + s
}

// astringText returns s as an atom when it can be one, else as stringText.
func astringText(s string) string {
	if atomSafe(s) {
		return s
	}
	return stringText(s)
}

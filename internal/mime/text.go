package mime

import (
	"bufio"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"strings"
)

// DecodeHeader decodes the RFC 2047 encoded words in a header value, for
// SEARCH. White space between two adjacent encoded words is dropped (RFC
// 2047 §6.2). UTF-8, US-ASCII and ISO-8859-1 words are decoded; a word in
// another charset, or malformed, is kept as written. Encoded words glued
// to other text, which RFC 2047 forbids but mailers send, are decoded too.
// Bytes outside encoded words, 8-bit included, are returned unchanged.
func DecodeHeader(value string) string {
	if !strings.Contains(value, "=?") {
		return value
	}
	dec := mime.WordDecoder{CharsetReader: charsetAlias}
	var b strings.Builder
	prevWord := false // the last thing written is a decoded word
	for {
		i := strings.Index(value, "=?")
		if i < 0 {
			b.WriteString(value)
			return b.String()
		}
		n := encodedWordLen(value[i:])
		if n == 0 {
			b.WriteString(value[:i+2])
			value, prevWord = value[i+2:], false
			continue
		}
		if text := value[:i]; !prevWord || !isWhite(text) {
			b.WriteString(text)
		}
		word, err := dec.Decode(value[i : i+n])
		if err != nil {
			word = value[i : i+n]
		}
		b.WriteString(word)
		value, prevWord = value[i+n:], err == nil
	}
}

// charsetAlias lets mime.WordDecoder accept common spellings of the
// charsets it knows; any other charset is an error (the word stays raw).
func charsetAlias(charset string, r io.Reader) (io.Reader, error) {
	switch strings.ToLower(charset) {
	case "utf8", "ascii", "us_ascii":
		return r, nil
	case "latin1", "iso_8859-1", "iso8859-1", "l1":
		return &latin1Reader{r: r}, nil
	}
	return nil, errors.New("mime: unsupported charset")
}

// encodedWordLen returns the length of the encoded word
// "=?charset?e?text?=" at the start of s, or 0 when there is none.
func encodedWordLen(s string) int {
	q1 := strings.IndexByte(s[2:], '?')
	if q1 <= 0 || len(s) < 2+q1+3 || s[2+q1+2] != '?' {
		return 0
	}
	rest := s[2+q1+3:]
	end := strings.Index(rest, "?=")
	if end < 0 || strings.ContainsAny(rest[:end], " \t\r\n") {
		return 0
	}
	return 2 + q1 + 3 + end + 2
}

func isWhite(s string) bool { return strings.Trim(s, " \t\r\n") == "" }

// TextReader returns the decoded text of every text/* leaf under p (p
// itself when it is one, including those inside encapsulated messages), in
// order, each followed by a newline, for SEARCH BODY and TEXT. Base64 and
// quoted-printable are decoded tolerantly (bad input is skipped or kept,
// never an error; base64 data ends at its first padding character); ISO-8859-1 text is converted to UTF-8, other charsets
// are returned as stored. Headers are not included. Read errors from r are
// returned by the reader.
func TextReader(r io.ReaderAt, p *Part) io.Reader {
	var rs []io.Reader
	for stack := []*Part{p}; len(stack) > 0; {
		q := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		switch {
		case q.IsMultipart():
			for i := len(q.Children) - 1; i >= 0; i-- {
				stack = append(stack, q.Children[i])
			}
		case q.Message != nil:
			stack = append(stack, q.Message)
		case q.Type == "text":
			rs = append(rs, decodedBody(r, q), strings.NewReader("\n"))
		}
	}
	return io.MultiReader(rs...)
}

// decodedBody returns q's body with its transfer encoding undone and, for
// ISO-8859-1, converted to UTF-8.
func decodedBody(r io.ReaderAt, q *Part) io.Reader {
	var body io.Reader = io.NewSectionReader(r, q.BodyStart(), q.Size())
	switch q.Encoding {
	case "quoted-printable":
		body = &qpReader{br: bufio.NewReader(body)}
	case "base64":
		body = &tolerantBase64{r: base64.NewDecoder(base64.RawStdEncoding, &base64Filter{r: body})}
	}
	cs, _ := q.Param("charset")
	switch strings.ToLower(cs) {
	case "iso-8859-1", "iso_8859-1", "latin1", "l1":
		body = &latin1Reader{r: body}
	}
	return body
}

// qpReader decodes quoted-printable (RFC 2045 §6.7) tolerantly: a
// malformed escape is kept as written, soft line breaks are removed.
type qpReader struct {
	br *bufio.Reader
}

func (q *qpReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c, err := q.br.ReadByte()
		if err != nil {
			if n > 0 && errors.Is(err, io.EOF) {
				return n, nil
			}
			return n, err
		}
		if c == '=' {
			var soft bool
			if c, soft, err = q.unescape(); err != nil {
				return n, err
			}
			if soft {
				continue
			}
		}
		p[n] = c
		n++
	}
	return n, nil
}

// unescape handles what follows '=': it returns the decoded byte, '=' for a
// malformed escape, or soft after a soft line break ("=" CRLF, "=" LF).
func (q *qpReader) unescape() (c byte, soft bool, err error) {
	b, err := q.br.Peek(2)
	switch {
	case len(b) == 0 && errors.Is(err, io.EOF):
		return 0, true, nil // a final "=": the body ended in a soft break
	case len(b) >= 1 && b[0] == '\n':
		_, _ = q.br.Discard(1)
		return 0, true, nil
	case len(b) == 2 && b[0] == '\r' && b[1] == '\n':
		_, _ = q.br.Discard(2)
		return 0, true, nil
	case len(b) == 2 && isHex(b[0]) && isHex(b[1]):
		_, _ = q.br.Discard(2)
		return unhex(b[0])<<4 | unhex(b[1]), false, nil
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return 0, false, err
	}
	return '=', false, nil
}

// base64Filter passes only base64 alphabet bytes, so line breaks and
// stray garbage do not stop decoding; the data ends at the first padding
// character.
type base64Filter struct {
	r    io.Reader
	done bool
}

func (f *base64Filter) Read(p []byte) (int, error) {
	for !f.done {
		n, err := f.r.Read(p)
		k := 0
		for _, c := range p[:n] {
			if c == '=' {
				f.done = true
				break
			}
			if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/' {
				p[k] = c
				k++
			}
		}
		if k > 0 || err != nil {
			return k, err
		}
	}
	return 0, io.EOF
}

// tolerantBase64 ends the stream quietly on a corrupt tail (a lone final
// character), keeping real read errors.
type tolerantBase64 struct{ r io.Reader }

func (t *tolerantBase64) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	var corrupt base64.CorruptInputError
	if errors.As(err, &corrupt) {
		err = io.EOF
	}
	return n, err
}

// latin1Reader converts ISO-8859-1 to UTF-8.
type latin1Reader struct {
	r   io.Reader
	buf []byte
}

func (l *latin1Reader) Read(p []byte) (int, error) {
	if len(p) < 2 {
		return 0, io.ErrShortBuffer
	}
	if cap(l.buf) < len(p)/2 {
		l.buf = make([]byte, len(p)/2)
	}
	n, err := l.r.Read(l.buf[:len(p)/2])
	k := 0
	for _, c := range l.buf[:n] {
		if c < 0x80 {
			p[k] = c
			k++
		} else {
			p[k], p[k+1] = 0xc0|c>>6, 0x80|c&0x3f
			k += 2
		}
	}
	return k, err
}

// HeaderValues returns the values of the header lines raw holds (as
// HeaderFields returns them), unfolded, trimmed and decoded (RFC 2047):
// what SEARCH HEADER, FROM, SUBJECT, ... and TEXT compare a needle with.
// A line without a colon has no value.
func HeaderValues(raw []byte) []string {
	unfolded := strings.NewReplacer("\r\n ", " ", "\r\n\t", " ").Replace(string(raw))
	var out []string
	for _, line := range strings.Split(unfolded, "\r\n") {
		_, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		out = append(out, DecodeHeader(strings.TrimSpace(v)))
	}
	return out
}

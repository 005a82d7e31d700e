package smtp

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"mime"
	"net/mail"
	"strings"
)

// maxHeaderSize bounds the header section a submission session reads
// (Exchange's MaxHeaderSize default, 256 KB).
const maxHeaderSize = 256 << 10

// errHeaderTooBig reports a header section over maxHeaderSize.
var errHeaderTooBig = errors.New("smtp: header section too big")

// headerInfo is what the submission checks need from a message's header
// section (RFC 5322 2.2, 3.6).
type headerInfo struct {
	from      []string // the values of the From fields, unfolded
	messageID string   // the value of the first Message-ID field
	hasDate   bool
	hasMsgID  bool
	received  int // Received fields, the hop count
}

// scanHeader reads the header section of a message in wire form (CRLF
// line endings, as DataReader guarantees) up to the empty line, or to the
// end of a message that has none. It never holds more than max octets.
// A line that is neither a field nor a continuation does not end the
// section: scanning goes on to the empty line, so that no From field can
// hide behind junk that a lenient reader downstream would skip.
func scanHeader(r io.Reader, max int) (headerInfo, error) {
	br := bufio.NewReader(r)
	var h headerInfo
	var name string // the field being read; "" after junk
	var value []byte
	finish := func() {
		if name != "" {
			h.field(name, strings.TrimSpace(string(value)))
		}
		name, value = "", value[:0]
	}
	var line []byte
	n := 0
	for {
		frag, err := br.ReadSlice('\n')
		n += len(frag)
		if n > max {
			return h, errHeaderTooBig
		}
		line = append(line, frag...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue // the rest of a long line
		}
		if err != nil && err != io.EOF {
			return h, err
		}
		eof := err == io.EOF
		text := bytes.TrimRight(line, "\r\n")
		switch {
		case len(text) == 0:
			finish()
			return h, nil // the empty line, or the end of the message
		case text[0] == ' ' || text[0] == '\t':
			if name != "" {
				value = append(value, text...)
			}
		default:
			finish()
			k, v, ok := bytes.Cut(text, []byte(":"))
			if k = bytes.TrimRight(k, " \t"); ok && validFieldName(k) {
				name = strings.ToLower(string(k))
				value = append(value, v...)
			}
		}
		if eof {
			finish()
			return h, nil
		}
		line = line[:0]
	}
}

// field records one complete field.
func (h *headerInfo) field(name, value string) {
	switch name {
	case "from":
		h.from = append(h.from, value)
	case "date":
		h.hasDate = true
	case "message-id":
		if !h.hasMsgID {
			h.hasMsgID, h.messageID = true, value
		}
	case "received":
		h.received++
	}
}

// validFieldName reports ftext = %d33-57 / %d59-126 (RFC 5322 3.6.8).
func validFieldName(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < 33 || c > 126 || c == ':' {
			return false
		}
	}
	return true
}

// fromAddresses parses the From fields into addr-specs. Encoded words in
// any charset are left undecoded: only the addresses matter here.
func fromAddresses(values []string) ([]string, error) {
	p := mail.AddressParser{WordDecoder: &mime.WordDecoder{CharsetReader: func(_ string, r io.Reader) (io.Reader, error) { return r, nil }}}
	var out []string
	for _, v := range values {
		list, err := p.ParseList(v)
		if err != nil {
			return nil, err
		}
		for _, a := range list {
			out = append(out, a.Address)
		}
	}
	return out, nil
}

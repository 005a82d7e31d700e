package wire

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Code is a three-digit reply code (RFC 5321 4.2, 4.2.3; RFC 2033 4.2).
type Code int

// Reply codes in use. Call sites use these names, never bare numbers.
const (
	CodeServiceReady      Code = 220 // greeting
	CodeClosing           Code = 221 // answer to QUIT
	CodeOK                Code = 250
	CodeCannotVerify      Code = 252 // answer to VRFY (RFC 5321 3.5.3)
	CodeStartData         Code = 354
	CodeServiceNotAvail   Code = 421 // closing the connection
	CodeLocalError        Code = 451 // temporary failure on our side
	CodeInsufficientSpace Code = 452 // also: too many recipients (RFC 5321 4.5.3.1.10)
	CodeSyntaxError       Code = 500 // unrecognised command, line too long
	CodeParamSyntax       Code = 501
	CodeNotImplemented    Code = 502
	CodeBadSequence       Code = 503
	CodeParamNotImpl      Code = 504 // command parameter not implemented
	CodeMailboxUnavail    Code = 550 // e.g. user unknown
	CodeExceededStorage   Code = 552 // message too big, mailbox full
	CodeMailboxNameBad    Code = 553
	CodeTransactionFailed Code = 554
	CodeParamNotSupported Code = 555 // MAIL/RCPT parameter not recognised
)

// Class returns the first digit: 2 success, 3 intermediate, 4 transient
// failure, 5 permanent failure.
func (c Code) Class() int { return int(c) / 100 }

// Status is the "subject.detail" part of an enhanced status code (RFC
// 3463); the class digit is always the reply code's first digit, so the
// two cannot disagree. The zero Status means "no enhanced code", as for
// the greeting and the LHLO/EHLO reply (RFC 2034 3).
type Status string

// Enhanced status codes in use (RFC 3463 3.x, RFC 6531 3.6).
const (
	StatusNone            Status = ""
	StatusOther           Status = "0.0" // other undefined status
	StatusAddressOther    Status = "1.0" // other address status (sender ok)
	StatusBadMailbox      Status = "1.1" // bad destination mailbox address
	StatusBadRcptSyntax   Status = "1.3" // bad destination address syntax
	StatusRcptValid       Status = "1.5" // destination address valid
	StatusBadSenderSyntax Status = "1.7" // bad sender's address syntax
	StatusMailboxFull     Status = "2.2"
	StatusSystemOther     Status = "3.0" // other or undefined mail system status
	StatusSystemNotAccept Status = "3.2" // system not accepting messages
	StatusMsgTooBig       Status = "3.4" // message too big for system
	StatusBadConnection   Status = "4.2" // e.g. timeout
	StatusInvalidCommand  Status = "5.1"
	StatusSyntaxError     Status = "5.2"
	StatusTooManyRcpts    Status = "5.3"
	StatusInvalidArgs     Status = "5.4"
	StatusMediaOther      Status = "6.0" // other or undefined media error
	StatusNonASCIIAddress Status = "6.7" // RFC 6531 3.6
	StatusSecurityOther   Status = "7.0"
	StatusNotAuthorized   Status = "7.1"
)

// Reply is one, possibly multi-line, reply.
type Reply struct {
	Code   Code
	Status Status
	// Lines are the texts, without code or status; at least one (an
	// empty Lines writes one line with no text).
	Lines []string
}

// String returns the reply's last line as it goes on the wire, without
// CRLF; for errors and logs.
func (r Reply) String() string {
	text := ""
	if len(r.Lines) > 0 {
		text = r.Lines[len(r.Lines)-1]
	}
	s := strconv.Itoa(int(r.Code))
	if r.Status != StatusNone {
		s += " " + strconv.Itoa(r.Code.Class()) + "." + string(r.Status)
	}
	if text != "" {
		s += " " + text
	}
	return s
}

// AppendReply appends r in wire form to b: "250-..." for every line but
// the last, "250 ..." for the last (RFC 5321 4.2.1), each line carrying
// the enhanced status code when there is one (RFC 2034 3). Control
// characters in texts are replaced by "?" so a reply can never break the
// framing, whatever a caller passes.
func AppendReply(b []byte, r Reply) []byte {
	lines := r.Lines
	if len(lines) == 0 {
		lines = []string{""}
	}
	for i, text := range lines {
		b = strconv.AppendInt(b, int64(r.Code), 10)
		if i < len(lines)-1 {
			b = append(b, '-')
		} else {
			b = append(b, ' ')
		}
		if r.Status != StatusNone {
			b = strconv.AppendInt(b, int64(r.Code.Class()), 10)
			b = append(b, '.')
			b = append(b, r.Status...)
			if text != "" {
				b = append(b, ' ')
			}
		}
		for j := 0; j < len(text); j++ {
			if c := text[j]; c < ' ' || c == 0x7f {
				b = append(b, '?')
			} else {
				b = append(b, c)
			}
		}
		b = append(b, '\r', '\n')
	}
	return b
}

// WriteReply writes r to w in wire form.
func WriteReply(w io.Writer, r Reply) error {
	_, err := w.Write(AppendReply(nil, r))
	return err
}

// ErrBadReply reports a reply that does not follow RFC 5321 4.2.
var ErrBadReply = errors.New("wire: malformed reply")

// maxReplyLines bounds a multi-line reply read from a peer.
const maxReplyLines = 100

// ReadReply reads one reply; each line is limited to max octets. When a
// line's text starts with an enhanced status code whose class matches the
// reply code (RFC 3463 2), it is taken off the text into Status.
func ReadReply(r *bufio.Reader, max int) (Reply, error) {
	var rp Reply
	for n := 0; ; n++ {
		line, err := ReadLine(r, max)
		if err != nil {
			return Reply{}, err
		}
		if n == maxReplyLines {
			return Reply{}, fmt.Errorf("%w: too many lines", ErrBadReply)
		}
		if len(line) < 3 || (len(line) > 3 && line[3] != ' ' && line[3] != '-') {
			return Reply{}, fmt.Errorf("%w: %q", ErrBadReply, line)
		}
		code, err := strconv.Atoi(string(line[:3]))
		if err != nil || code < 200 || code > 599 || (n > 0 && Code(code) != rp.Code) {
			return Reply{}, fmt.Errorf("%w: %q", ErrBadReply, line)
		}
		rp.Code = Code(code)
		text := ""
		if len(line) > 4 {
			text = string(line[4:])
		}
		st, rest := splitStatus(text, rp.Code.Class())
		if st != StatusNone {
			rp.Status = st
		}
		rp.Lines = append(rp.Lines, rest)
		if len(line) == 3 || line[3] == ' ' {
			return rp, nil
		}
	}
}

// splitStatus takes "c.sss.ddd " off the front of text if it is there and
// c matches class.
func splitStatus(text string, class int) (Status, string) {
	head, rest, _ := strings.Cut(text, " ")
	parts := strings.Split(head, ".")
	if len(parts) != 3 || parts[0] != strconv.Itoa(class) {
		return StatusNone, text
	}
	for _, p := range parts[1:] {
		if len(p) == 0 || len(p) > 3 || !isDigits(p) {
			return StatusNone, text
		}
	}
	return Status(parts[1] + "." + parts[2]), rest
}

package loadgen

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// BodyDigestHeader is the header field every generated message carries:
// the hex SHA-256 of the message's body (everything after the blank line
// that ends the header, CRLF line endings). Retrieval checks it, so a
// server that truncates or alters a body is caught even where sizes
// agree.
const BodyDigestHeader = "X-Loadgen-Body-SHA256"

// Message sizes: uniform in [MinMessageSize, MaxMessageSize) before the
// header, which adds about 400 octets.
const (
	MinMessageSize = 2 << 10
	MaxMessageSize = 50 << 10
)

// Message kinds, chosen per message: 5 in 10 text/plain, 3 in 10
// multipart/alternative (text and HTML), 2 in 10 multipart/mixed with a
// base64 attachment.
const (
	kindPlain = iota
	kindAlternative
	kindMixed
)

// epoch dates the generated messages: message i of a user is i minutes
// after it, so two runs produce the same Date fields.
var epoch = time.Date(2025, 1, 6, 9, 0, 0, 0, time.UTC)

var words = strings.Fields(`the of and to in is that for it as was with be by on not he this are
or his from at which but have an they you were her all she there would their we him been has when
who will more no if out so said what up its about into than them can only other new some could
time these two may then do first any my now such like our over man me even most made after also
did many before must through back years where much your way well down should because each just
those people how too little state good very make world still own see men work long get here
between both life being under never day same another know while last might us great old year off
come since against go came right used take three meeting report budget quarter schedule review
invoice delivery project customer server mailbox message archive attached please thanks regards`)

var subjects = []string{
	"Quarterly report", "Meeting notes", "Re: budget review", "Invoice %d", "Fwd: schedule for next week",
	"Project update %d", "Re: Re: delivery status", "Lunch on Friday?", "=?UTF-8?Q?R=C3=A9union_d=27=C3=A9quipe?=",
	"=?UTF-8?B?0J7RgtGH0ZHRgiDQt9CwINC60LLQsNGA0YLQsNC7?=", "Action required: review %d", "Minutes",
}

// Message returns message idx of user number user (0-based) for the
// address to, generated from seed: the same arguments give the same
// bytes. Lines end in CRLF; the message ends with CRLF.
func Message(seed int64, user, idx int, to string) []byte {
	rng := rand.New(rand.NewPCG(uint64(seed), uint64(user)<<32|uint64(uint32(idx))))
	size := MinMessageSize + rng.IntN(MaxMessageSize-MinMessageSize)
	kind := kindPlain
	switch k := rng.IntN(10); {
	case k >= 8:
		kind = kindMixed
	case k >= 5:
		kind = kindAlternative
	}
	var body bytes.Buffer
	var ctype string
	boundary := fmt.Sprintf("=_loadgen_%d_%d_%d", seed, user, idx)
	switch kind {
	case kindPlain:
		ctype = "text/plain; charset=us-ascii"
		body.WriteString(text(rng, size))
	case kindAlternative:
		ctype = `multipart/alternative; boundary="` + boundary + `"`
		t := text(rng, size/2)
		part(&body, boundary, "text/plain; charset=us-ascii", "7bit", "", t)
		part(&body, boundary, "text/html; charset=us-ascii", "7bit", "", html(t))
		body.WriteString("--" + boundary + "--\r\n")
	case kindMixed:
		ctype = `multipart/mixed; boundary="` + boundary + `"`
		att := make([]byte, size*2/3*3/4) // base64 grows by 4/3
		for i := range att {
			att[i] = byte(rng.Uint32())
		}
		part(&body, boundary, "text/plain; charset=us-ascii", "7bit", "", text(rng, size/3))
		name := fmt.Sprintf("report-%d.pdf", idx)
		part(&body, boundary, `application/pdf; name="`+name+`"`, "base64",
			`attachment; filename="`+name+`"`, base64Lines(att))
		body.WriteString("--" + boundary + "--\r\n")
	}
	sum := sha256.Sum256(body.Bytes())
	subject := subjects[rng.IntN(len(subjects))]
	if strings.Contains(subject, "%d") {
		subject = fmt.Sprintf(subject, rng.IntN(10000))
	}
	var m bytes.Buffer
	m.Grow(body.Len() + 600)
	fmt.Fprintf(&m, "From: Load Generator <loadgen@mail.test>\r\n")
	fmt.Fprintf(&m, "To: <%s>\r\n", to)
	fmt.Fprintf(&m, "Subject: %s\r\n", subject)
	fmt.Fprintf(&m, "Date: %s\r\n", epoch.Add(time.Duration(idx)*time.Minute).Format(time.RFC1123Z))
	fmt.Fprintf(&m, "Message-ID: <%d.%d.%d@loadgen.mail.test>\r\n", seed, user, idx)
	fmt.Fprintf(&m, "MIME-Version: 1.0\r\n")
	fmt.Fprintf(&m, "Content-Type: %s\r\n", ctype)
	if kind == kindPlain {
		fmt.Fprintf(&m, "Content-Transfer-Encoding: 7bit\r\n")
	}
	fmt.Fprintf(&m, "%s: %s\r\n\r\n", BodyDigestHeader, hex.EncodeToString(sum[:]))
	m.Write(body.Bytes())
	return m.Bytes()
}

// part writes one MIME body part with its delimiter line.
func part(b *bytes.Buffer, boundary, ctype, cte, disposition, content string) {
	fmt.Fprintf(b, "--%s\r\nContent-Type: %s\r\nContent-Transfer-Encoding: %s\r\n", boundary, ctype, cte)
	if disposition != "" {
		fmt.Fprintf(b, "Content-Disposition: %s\r\n", disposition)
	}
	b.WriteString("\r\n")
	b.WriteString(content)
}

// text returns paragraphs of words wrapped at 72 columns, about n octets,
// every line ending in CRLF.
func text(rng *rand.Rand, n int) string {
	var b strings.Builder
	b.Grow(n + 80)
	col := 0
	for b.Len() < n {
		w := words[rng.IntN(len(words))]
		if col+len(w)+1 > 72 {
			b.WriteString("\r\n")
			col = 0
			if rng.IntN(8) == 0 {
				b.WriteString("\r\n") // paragraph
			}
		}
		if col > 0 {
			b.WriteByte(' ')
			col++
		}
		b.WriteString(w)
		col += len(w)
	}
	b.WriteString("\r\n")
	return b.String()
}

// html wraps text's paragraphs in a small HTML document.
func html(t string) string {
	var b strings.Builder
	b.WriteString("<html><body>\r\n")
	for _, p := range strings.Split(strings.TrimSuffix(t, "\r\n"), "\r\n\r\n") {
		b.WriteString("<p>" + p + "</p>\r\n")
	}
	b.WriteString("</body></html>\r\n")
	return b.String()
}

// base64Lines encodes data in base64 lines of 76 characters (RFC 2045
// §6.8).
func base64Lines(data []byte) string {
	enc := base64.StdEncoding.EncodeToString(data)
	var b strings.Builder
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return b.String()
}

// SizedMessage returns a text/plain message of exactly size octets (at
// least about 400, the header's size), generated from seed and idx as
// Message is, with a BodyDigestHeader. Lines end in CRLF; so does the
// message.
func SizedMessage(seed int64, idx, size int, to string) []byte {
	return sizedMessageFrom(seed, idx, size, "Load Generator <loadgen@mail.test>", to)
}

// sizedMessageFrom is SizedMessage with the From field's value from.
func sizedMessageFrom(seed int64, idx, size int, from, to string) []byte {
	rng := rand.New(rand.NewPCG(uint64(seed), 1<<63|uint64(uint32(idx))))
	header := func(digest string) string {
		return fmt.Sprintf("From: %s\r\nTo: <%s>\r\n"+
			"Subject: Sized message %d\r\nDate: %s\r\nMessage-ID: <sized.%d.%d@loadgen.mail.test>\r\n"+
			"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n"+
			"Content-Transfer-Encoding: 7bit\r\n%s: %s\r\n\r\n",
			from, to, idx, epoch.Add(time.Duration(idx)*time.Minute).Format(time.RFC1123Z), seed, idx, BodyDigestHeader, digest)
	}
	n := max(size-len(header(strings.Repeat("0", 64))), 2)
	body := []byte(text(rng, n))[:n-2]
	if len(body) > 0 && body[len(body)-1] == '\r' {
		body[len(body)-1] = 'x' // no CR without its LF
	}
	body = append(body, "\r\n"...)
	sum := sha256.Sum256(body)
	return append([]byte(header(hex.EncodeToString(sum[:]))), body...)
}

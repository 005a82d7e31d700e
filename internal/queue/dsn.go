package queue

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"io"
	"strings"
	"time"
)

// Failure is one recipient a DSN reports (RFC 3464 2.3).
type Failure struct {
	Recipient string
	// Status is the enhanced status code (RFC 3463), e.g. 5.1.1.
	Status string
	// Diagnostic is the remote reply, as "smtp; 550 5.1.1 ..."; empty when
	// no server answered.
	Diagnostic string
	// RemoteMTA is the host that answered, if one did.
	RemoteMTA string
	// Reason is the text for the human-readable part.
	Reason string
	// Delayed reports a delay (Action: delayed, RFC 3464 2.3.3): the
	// recipient is still being tried. All failures of one DSN agree.
	Delayed     bool
	LastAttempt time.Time
}

// maxQuotedHeader bounds the original header section a DSN returns.
const maxQuotedHeader = 64 << 10

// rfc5322Date is the date format of header fields.
const rfc5322Date = "Mon, 2 Jan 2006 15:04:05 -0700"

// BuildDSN writes a delivery status notification (RFC 3464) for the
// failed recipients of a message: multipart/report with a text part, a
// message/delivery-status part and the original header section as
// text/rfc822-headers. It is sent with a null reverse-path (RFC 5321
// 4.5.5), so no DSN is ever written about it.
func BuildDSN(reportingMTA, to string, arrival, now time.Time, failures []Failure, original io.Reader) []byte {
	var rnd [9]byte
	rand.Read(rnd[:])
	boundary := "postern-report-" + hex.EncodeToString(rnd[:])
	header := readHeader(original)
	var b bytes.Buffer
	w := func(s ...string) {
		for _, x := range s {
			b.WriteString(x)
		}
		b.WriteString("\r\n")
	}
	w("From: Mail Delivery System <MAILER-DAEMON@", reportingMTA, ">")
	w("To: <", to, ">")
	w("Subject: ", dsnSubject(header, len(failures) > 0 && failures[0].Delayed))
	w("Date: ", now.Format(rfc5322Date))
	w("Message-ID: <", hex.EncodeToString(rnd[:]), "@", reportingMTA, ">")
	w("Auto-Submitted: auto-replied")
	w("MIME-Version: 1.0")
	w(`Content-Type: multipart/report; report-type=delivery-status; boundary="`, boundary, `"`)
	w()
	w("This is a MIME-encapsulated delivery status notification.")
	w()
	w("--", boundary)
	w("Content-Type: text/plain; charset=us-ascii")
	w()
	if len(failures) > 0 && failures[0].Delayed {
		w("Delivery is delayed to these recipients or groups; the server keeps trying:")
	} else {
		w("Delivery has failed to these recipients or groups:")
	}
	w()
	for _, f := range failures {
		w(f.Recipient)
		w(ascii(f.Reason))
		w()
	}
	w("--", boundary)
	w("Content-Type: message/delivery-status")
	w()
	w("Reporting-MTA: dns; ", reportingMTA)
	w("Arrival-Date: ", arrival.Format(rfc5322Date))
	for _, f := range failures {
		w()
		w("Final-Recipient: rfc822; ", f.Recipient)
		if f.Delayed {
			w("Action: delayed")
		} else {
			w("Action: failed")
		}
		w("Status: ", f.Status)
		if f.RemoteMTA != "" {
			w("Remote-MTA: dns; ", ascii(f.RemoteMTA))
		}
		if f.Diagnostic != "" {
			w("Diagnostic-Code: ", ascii(f.Diagnostic))
		}
		if !f.LastAttempt.IsZero() {
			w("Last-Attempt-Date: ", f.LastAttempt.Format(rfc5322Date))
		}
	}
	w()
	w("--", boundary)
	w("Content-Type: text/rfc822-headers")
	w()
	b.Write(header)
	w("--", boundary, "--")
	return b.Bytes()
}

// readHeader returns the header section of a message, with CRLF line
// ends, at most maxQuotedHeader octets (cut at a line end), in printable
// US-ASCII (anything else becomes '?'), so the report is 7-bit.
func readHeader(r io.Reader) []byte {
	var out bytes.Buffer
	br := bufio.NewReader(io.LimitReader(r, maxQuotedHeader))
	for {
		line, err := br.ReadString('\n')
		if !strings.HasSuffix(line, "\n") {
			break // cut or unterminated: leave the partial line out
		}
		t := strings.TrimRight(line, "\r\n")
		if t == "" {
			break
		}
		out.WriteString(ascii(t) + "\r\n")
		if err != nil {
			break
		}
	}
	return out.Bytes()
}

// dsnSubject is "Undeliverable: " (or "Delivery delayed: ") and the
// original subject, unfolded and bounded.
func dsnSubject(header []byte, delayed bool) string {
	prefix := "Undeliverable: "
	if delayed {
		prefix = "Delivery delayed: "
	}
	var subj strings.Builder
	in := false
	for _, line := range strings.Split(string(header), "\r\n") {
		switch {
		case len(line) > 0 && (line[0] == ' ' || line[0] == '\t'):
			if in {
				subj.WriteString(line)
			}
		case len(line) >= 8 && strings.EqualFold(line[:8], "subject:"):
			in = true
			subj.WriteString(line[8:])
		default:
			in = false
		}
	}
	s := strings.TrimSpace(ascii(subj.String()))
	if len(s) > 200 {
		s = s[:200]
	}
	if s == "" {
		return strings.TrimSuffix(prefix, ": ") + " message"
	}
	return prefix + s
}

// ascii keeps printable US-ASCII and turns everything else into '?', so
// that a remote server's text cannot break the report's syntax.
func ascii(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c < 0x20 && c != '\t' || c >= 0x7f {
			b[i] = '?'
		}
	}
	return string(b)
}

package protolog

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The header values. Postern writes its own name where Exchange writes
// "Microsoft Exchange Server" (spec §12: branded texts are Postern's) and
// keeps the Exchange 2013+ version and field list so log tools still parse
// the files.
const (
	software = "Postern"
	version  = "15.0.0.0"
	fields   = "dateTime,sessionId,seqNumber,sIp,cIp,user,duration,rqsize,rpsize,command,parameters,context"
)

// numFields is the number of fields in every record.
const numFields = 12

// maxFieldLen bounds the parameters and context fields, in bytes before
// escaping, so one hostile command cannot flood the log.
const maxFieldLen = 2048

// timeLayout is the dateTime format: UTC with milliseconds and "Z".
const timeLayout = "2006-01-02T15:04:05.000Z"

// The command names of a session's first and last lines.
const (
	cmdOpen  = "OpenSession"
	cmdClose = "CloseSession"
)

// record is one log line before formatting.
type record struct {
	at       time.Time
	session  string
	seq      int64
	local    string
	remote   string
	user     string
	duration time.Duration
	rqSize   int
	rpSize   int
	command  string
	params   string // already masked
	context  string
}

// appendTo appends the record as one CSV line ending in CRLF.
func (r *record) appendTo(b []byte) []byte {
	b = r.at.UTC().AppendFormat(b, timeLayout)
	b = append(b, ',')
	b = appendField(b, r.session)
	b = append(b, ',')
	b = strconv.AppendInt(b, r.seq, 10)
	b = append(b, ',')
	b = appendField(b, r.local)
	b = append(b, ',')
	b = appendField(b, r.remote)
	b = append(b, ',')
	b = appendField(b, r.user)
	b = append(b, ',')
	b = strconv.AppendInt(b, r.duration.Milliseconds(), 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(r.rqSize), 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(r.rpSize), 10)
	b = append(b, ',')
	b = appendField(b, r.command)
	b = append(b, ',')
	b = appendField(b, truncate(r.params))
	b = append(b, ',')
	b = appendField(b, truncate(r.context))
	return append(b, '\r', '\n')
}

// header returns the header lines of a new file created at t.
func header(logType string, t time.Time) []byte {
	var b []byte
	b = append(b, "#Software: "+software+"\r\n"...)
	b = append(b, "#Version: "+version+"\r\n"...)
	b = append(b, "#Log-type: "+logType+"\r\n"...)
	b = append(b, "#Date: "...)
	b = t.UTC().AppendFormat(b, timeLayout)
	b = append(b, "\r\n#Fields: "+fields+"\r\n"...)
	return b
}

// truncate cuts s to maxFieldLen bytes at a rune boundary, marking the cut.
func truncate(s string) string {
	if len(s) <= maxFieldLen {
		return s
	}
	i := maxFieldLen
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "..."
}

// appendField appends s as one CSV field (RFC 4180): control characters
// are escaped (\r, \n, \xHH; tab is kept), invalid UTF-8 becomes U+FFFD,
// and a field holding a comma or a double quote is quoted with its quotes
// doubled. The result never contains CR or LF.
func appendField(b []byte, s string) []byte {
	quote := strings.ContainsAny(s, `,"`)
	if quote {
		b = append(b, '"')
	}
	for i := 0; i < len(s); {
		c, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == utf8.RuneError && size == 1:
			b = utf8.AppendRune(b, utf8.RuneError)
		case c == '"':
			b = append(b, '"', '"')
		case c == '\r':
			b = append(b, `\r`...)
		case c == '\n':
			b = append(b, `\n`...)
		case c < 0x20 && c != '\t' || c == 0x7f:
			b = append(b, '\\', 'x', hexDigit[c>>4], hexDigit[c&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	if quote {
		b = append(b, '"')
	}
	return b
}

const hexDigit = "0123456789ABCDEF"

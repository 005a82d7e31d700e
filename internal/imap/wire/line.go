package wire

import (
	"bufio"
	"io"
)

// tailKeep is how many trailing octets of a discarded line are kept: enough
// for any literal marker ("{" 19 digits "+}") with room for leading zeros.
const tailKeep = 64

// headPeek is how much of a line's beginning readLineExt shows its ext
// beyond what it has kept: enough for a tag and a command name.
const headPeek = 256

// physLine is one line read from the connection, without its line ending.
type physLine struct {
	// text is the line when it fits the limit, else its first max octets.
	text []byte
	// tail is the last tailKeep octets of the line (a copy), always set.
	tail []byte
	// tooLong reports a line longer than the limit.
	tooLong bool
	// n counts the octets consumed, line ending included.
	n int64
}

// readLine reads one line ending in LF (CRLF or a bare LF) and strips the
// ending. A line longer than max octets is read to its end, keeping only
// its first max octets and its tail, and flagged tooLong; if consuming it
// would take more than limit octets, readLine stops and returns
// ErrDiscardLimit. At end of input it returns io.EOF if no octet was read,
// and io.ErrUnexpectedEOF for a partial line.
func (d *Decoder) readLine(max int, limit int64) (physLine, error) {
	return d.readLineExt(max, nil, limit)
}

// readLineExt is readLine whose limit a line may raise: when the line
// grows past max, ext (if not nil) is shown its beginning and returns the
// limit that applies to it, if higher (the ID command's, say).
func (d *Decoder) readLineExt(max int, ext func(head []byte) int, limit int64) (physLine, error) {
	var pl physLine
	if max < 0 {
		max = 0
	}
	for {
		frag, err := d.r.ReadSlice('\n')
		pl.n += int64(len(frag))
		if !pl.tooLong && ext != nil && len(pl.text)+len(frag) > max+2 {
			head := append(pl.text[:len(pl.text):len(pl.text)], frag[:min(len(frag), headPeek)]...)
			if m := ext(head); m > max {
				max = m
			}
			ext = nil
		}
		if !pl.tooLong {
			if len(pl.text)+len(frag) > max+2 {
				pl.tooLong = true
				if room := max - len(pl.text); room > 0 {
					pl.text = append(pl.text, frag[:room]...)
				}
			} else {
				pl.text = append(pl.text, frag...)
			}
		}
		pl.tail = keepTail(pl.tail, frag)
		if pl.tooLong && pl.n > limit {
			return pl, ErrDiscardLimit
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			if err == io.EOF && pl.n > 0 {
				err = io.ErrUnexpectedEOF
			}
			return pl, err
		}
		break
	}
	pl.tail = trimEnding(pl.tail)
	if !pl.tooLong {
		pl.text = trimEnding(pl.text)
		if len(pl.text) > max {
			pl.tooLong = true
			pl.text = pl.text[:max]
		}
	}
	return pl, nil
}

// keepTail appends frag to tail and keeps the last tailKeep octets.
func keepTail(tail, frag []byte) []byte {
	if len(frag) >= tailKeep {
		return append(tail[:0], frag[len(frag)-tailKeep:]...)
	}
	tail = append(tail, frag...)
	if over := len(tail) - tailKeep; over > 0 {
		copy(tail, tail[over:])
		tail = tail[:tailKeep]
	}
	return tail
}

// trimEnding removes a trailing LF and, before it, one CR.
func trimEnding(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
	}
	return b
}

// marker is a literal announcement ending a line: "{" number ["+"] "}"
// (RFC 3501 §4.3, RFC 7888 §3).
type marker struct {
	start   int   // index of "{" in the line
	size    int64 // octet count; maxInt64 when the number overflows
	nonSync bool  // "{n+}"
}

const maxInt64 = 1<<63 - 1

// findMarker reports whether line ends with a literal marker. Anything else
// at the end ("{-1}", "{12x}", "{}") is not a marker: the line is then a
// complete command, which the parser will refuse, and the stream stays in
// sync.
func findMarker(line []byte) (marker, bool) {
	n := len(line)
	if n < 3 || line[n-1] != '}' {
		return marker{}, false
	}
	i := n - 2
	m := marker{}
	if line[i] == '+' {
		m.nonSync = true
		i--
	}
	end := i + 1
	for i >= 0 && isDigit(line[i]) {
		i--
	}
	if i < 0 || line[i] != '{' || i+1 == end {
		return marker{}, false
	}
	m.start = i
	for _, c := range line[i+1 : end] {
		v := int64(c - '0')
		if m.size > (maxInt64-v)/10 {
			m.size = maxInt64
			break
		}
		m.size = m.size*10 + v
	}
	return m, true
}

// midCommand turns the end of input inside a command into
// io.ErrUnexpectedEOF.
func midCommand(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

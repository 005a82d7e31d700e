package wire

import (
	"bufio"
	"io"
)

// MaxReply is the longest single-line reply, CRLF included (RFC 1939 §3;
// MS-STANXPOP3 C0001).
const MaxReply = 512

// OK writes "+OK" and the text, if any.
func OK(w *bufio.Writer, text string) { status(w, "+OK", text) }

// Err writes "-ERR" and the text.
func Err(w *bufio.Writer, text string) { status(w, "-ERR", text) }

func status(w *bufio.Writer, ind, text string) {
	if text != "" {
		text = " " + text
	}
	if max := MaxReply - len(ind) - 2; len(text) > max {
		text = text[:max]
	}
	w.WriteString(ind)
	w.WriteString(text)
	w.WriteString("\r\n")
}

// Line writes one line of a multi-line reply, byte-stuffing a leading dot.
func Line(w *bufio.Writer, line string) {
	if len(line) > 0 && line[0] == '.' {
		w.WriteByte('.')
	}
	w.WriteString(line)
	w.WriteString("\r\n")
}

// End writes the multi-line terminator.
func End(w *bufio.Writer) { w.WriteString(".\r\n") }

// Body copies a message as the body of a multi-line reply: every line
// ends in CRLF (a bare LF becomes CRLF), a line starting with "." gets one
// more, and a last line without an ending gets one. It does not write the
// terminator. It returns the number of message bytes read.
func Body(w *bufio.Writer, r io.Reader) (int64, error) {
	var buf [32 * 1024]byte
	var n int64
	bol := true // at the beginning of a line
	cr := false // the previous byte was CR
	for {
		k, err := r.Read(buf[:])
		chunk := buf[:k]
		n += int64(k)
		for len(chunk) > 0 {
			if bol && chunk[0] == '.' {
				w.WriteByte('.')
			}
			bol = false
			i := 0
			for i < len(chunk) && chunk[i] != '\n' {
				i++
			}
			if i == len(chunk) { // no LF in the rest of the chunk
				w.Write(chunk)
				cr = chunk[len(chunk)-1] == '\r'
				break
			}
			// chunk[i] is LF: end the line with CRLF.
			if i > 0 {
				w.Write(chunk[:i])
				cr = chunk[i-1] == '\r'
			}
			if !cr {
				w.WriteByte('\r')
			}
			w.WriteByte('\n')
			bol, cr = true, false
			chunk = chunk[i+1:]
		}
		if err == io.EOF {
			if !bol {
				if !cr {
					w.WriteByte('\r')
				}
				w.WriteByte('\n')
			}
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

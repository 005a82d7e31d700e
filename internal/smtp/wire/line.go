package wire

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// Errors of ReadLine. Both are returned after the whole line, up to and
// including its LF, has been consumed, so the next ReadLine starts on the
// next line.
var (
	// ErrLineTooLong reports a line longer than the caller's limit. The
	// session answers 500 5.5.2 and goes on (RFC 5321 4.5.3.1.4).
	ErrLineTooLong = errors.New("wire: line too long")
	// ErrBareCR reports a CR that is not immediately followed by LF.
	ErrBareCR = errors.New("wire: bare CR in line")
)

// ReadLine reads one command line and returns it without its line ending.
// The line ends at LF; a CRLF ending and a bare LF ending are both accepted
// and stripped (see the package comment). A CR anywhere else is ErrBareCR.
//
// max is the longest line accepted, not counting the line ending; ReadLine
// never holds more than max+2 octets of a line. An over-long line is read
// to its end and discarded, and ErrLineTooLong returned.
//
// At end of input ReadLine returns io.EOF if no octet of a new line was
// read, and io.ErrUnexpectedEOF for a partial line. Other read errors are
// returned as they are. The returned slice is the caller's to keep.
func ReadLine(r *bufio.Reader, max int) ([]byte, error) {
	var line []byte
	tooLong := false
	started := false
	for {
		frag, err := r.ReadSlice('\n')
		if len(frag) > 0 {
			started = true
		}
		if !tooLong {
			if len(line)+len(frag) > max+2 {
				tooLong = true
				line = nil
			} else {
				line = append(line, frag...)
			}
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			if err == io.EOF && started {
				return nil, io.ErrUnexpectedEOF
			}
			return nil, err
		}
		break
	}
	if tooLong {
		return nil, ErrLineTooLong
	}
	line = trimLineEnding(line)
	if len(line) > max {
		return nil, ErrLineTooLong
	}
	if bytes.IndexByte(line, '\r') >= 0 {
		return nil, ErrBareCR
	}
	return line, nil
}

// trimLineEnding removes a trailing LF and, before it, one CR.
func trimLineEnding(line []byte) []byte {
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line
}

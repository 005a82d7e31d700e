package shell

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrInterrupt is returned by LineEditor.ReadLine when Ctrl-C abandons the
// line.
var ErrInterrupt = errors.New("interrupted")

// LineEditor reads lines from a terminal with editing (arrows, Home, End,
// Backspace, Delete, Ctrl-A/E/K/U/W), history (Up, Down) and Tab
// completion. On a file that is not a terminal it reads plain lines.
type LineEditor struct {
	in  *os.File
	r   *bufio.Reader
	out io.Writer
	// Complete, if set, completes the word before the cursor (see
	// Shell.Complete); repeated Tabs cycle through the candidates.
	Complete func(line string, pos int) (start int, candidates []string)
	history  []string
}

// NewLineEditor returns an editor reading in and echoing to out.
func NewLineEditor(in *os.File, out io.Writer) *LineEditor {
	return &LineEditor{in: in, r: bufio.NewReader(in), out: out}
}

// maxHistory bounds the history kept.
const maxHistory = 500

// AddHistory records a line for Up and Down.
func (e *LineEditor) AddHistory(line string) {
	if line == "" || len(e.history) > 0 && e.history[len(e.history)-1] == line {
		return
	}
	e.history = append(e.history, line)
	if len(e.history) > maxHistory {
		e.history = e.history[1:]
	}
}

// ReadLine shows prompt and reads one line. It returns io.EOF on Ctrl-D
// at an empty line and ErrInterrupt on Ctrl-C.
func (e *LineEditor) ReadLine(prompt string) (string, error) { return e.read(prompt, false) }

// ReadSecret reads a line without showing it (a '*' per character).
func (e *LineEditor) ReadSecret(prompt string) (string, error) { return e.read(prompt, true) }

func (e *LineEditor) read(prompt string, secret bool) (string, error) {
	restore, err := makeRaw(e.in)
	if err != nil {
		fmt.Fprint(e.out, prompt)
		return e.plainLine(secret)
	}
	defer restore()
	ed := &editing{e: e, prompt: prompt, secret: secret, hist: len(e.history)}
	ed.redraw()
	for {
		r, _, err := e.r.ReadRune()
		if err != nil {
			return "", err
		}
		done, err := ed.key(r)
		if done || err != nil {
			fmt.Fprint(e.out, "\r\n")
			return string(ed.buf), err
		}
	}
}

// plainLine reads a line from a non-terminal (or when raw mode fails).
func (e *LineEditor) plainLine(secret bool) (string, error) {
	if secret {
		if restore, err := noEcho(e.in); err == nil {
			defer func() { restore(); fmt.Fprintln(e.out) }()
		}
	}
	line, err := e.r.ReadString('\n')
	if err != nil && line == "" {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// editing is the state of one line being edited.
type editing struct {
	e      *LineEditor
	prompt string
	secret bool
	buf    []rune
	pos    int
	hist   int    // index in history; len(history) is the new line
	saved  []rune // the new line while browsing history
	// Tab cycling: the candidates, the next one, and the span replaced.
	cands     []string
	cand      int
	candStart int
	candEnd   int
}

// key handles one key; it returns true when the line is complete.
func (ed *editing) key(r rune) (bool, error) {
	if r != '\t' {
		ed.cands = nil
	}
	switch r {
	case '\r', '\n':
		return true, nil
	case 3: // Ctrl-C
		return true, ErrInterrupt
	case 4: // Ctrl-D
		if len(ed.buf) == 0 {
			return true, io.EOF
		}
		ed.deleteAt(ed.pos)
	case 1: // Ctrl-A
		ed.pos = 0
	case 5: // Ctrl-E
		ed.pos = len(ed.buf)
	case 2: // Ctrl-B
		ed.pos = max(0, ed.pos-1)
	case 6: // Ctrl-F
		ed.pos = min(len(ed.buf), ed.pos+1)
	case 11: // Ctrl-K
		ed.buf = ed.buf[:ed.pos]
	case 21: // Ctrl-U
		ed.buf, ed.pos = append([]rune{}, ed.buf[ed.pos:]...), 0
	case 23: // Ctrl-W
		ed.deleteWord()
	case 127, 8: // Backspace
		if ed.pos > 0 {
			ed.deleteAt(ed.pos - 1)
			ed.pos--
		}
	case '\t':
		ed.tab()
	case 27:
		ed.escape()
	default:
		if unicode.IsPrint(r) {
			ed.buf = append(ed.buf[:ed.pos], append([]rune{r}, ed.buf[ed.pos:]...)...)
			ed.pos++
		}
	}
	ed.redraw()
	return false, nil
}

func (ed *editing) deleteAt(i int) {
	if i >= 0 && i < len(ed.buf) {
		ed.buf = append(ed.buf[:i], ed.buf[i+1:]...)
	}
}

func (ed *editing) deleteWord() {
	i := ed.pos
	for i > 0 && ed.buf[i-1] == ' ' {
		i--
	}
	for i > 0 && ed.buf[i-1] != ' ' {
		i--
	}
	ed.buf = append(ed.buf[:i], ed.buf[ed.pos:]...)
	ed.pos = i
}

// escape reads the rest of an escape sequence: arrows, Home, End, Delete.
func (ed *editing) escape() {
	r1, _, err := ed.e.r.ReadRune()
	if err != nil || (r1 != '[' && r1 != 'O') {
		return
	}
	r2, _, err := ed.e.r.ReadRune()
	if err != nil {
		return
	}
	switch r2 {
	case 'A':
		ed.browse(-1)
	case 'B':
		ed.browse(1)
	case 'C':
		ed.pos = min(len(ed.buf), ed.pos+1)
	case 'D':
		ed.pos = max(0, ed.pos-1)
	case 'H':
		ed.pos = 0
	case 'F':
		ed.pos = len(ed.buf)
	case '1', '3', '4', '7', '8':
		if t, _, err := ed.e.r.ReadRune(); err != nil || t != '~' {
			return
		}
		switch r2 {
		case '3':
			ed.deleteAt(ed.pos)
		case '1', '7':
			ed.pos = 0
		case '4', '8':
			ed.pos = len(ed.buf)
		}
	}
}

// browse moves through the history.
func (ed *editing) browse(step int) {
	if ed.secret {
		return
	}
	h := ed.e.history
	n := ed.hist + step
	if n < 0 || n > len(h) {
		return
	}
	if ed.hist == len(h) {
		ed.saved = append([]rune{}, ed.buf...)
	}
	ed.hist = n
	if n == len(h) {
		ed.buf = append([]rune{}, ed.saved...)
	} else {
		ed.buf = []rune(h[n])
	}
	ed.pos = len(ed.buf)
}

// tab completes the word before the cursor; pressing it again replaces
// the completion with the next candidate.
func (ed *editing) tab() {
	if ed.secret || ed.e.Complete == nil {
		return
	}
	if ed.cands == nil {
		line := string(ed.buf)
		cursor := len(string(ed.buf[:ed.pos]))
		start, cands := ed.e.Complete(line, cursor)
		if len(cands) == 0 {
			return
		}
		ed.cands, ed.cand = cands, 0
		ed.candStart, ed.candEnd = utf8.RuneCountInString(line[:start]), ed.pos
	}
	c := []rune(ed.cands[ed.cand%len(ed.cands)])
	ed.cand++
	rest := append([]rune{}, ed.buf[ed.candEnd:]...)
	ed.buf = append(append(ed.buf[:ed.candStart], c...), rest...)
	ed.candEnd = ed.candStart + len(c)
	ed.pos = ed.candEnd
}

// redraw rewrites the prompt and the line and puts the cursor in place.
func (ed *editing) redraw() {
	shown := string(ed.buf)
	if ed.secret {
		shown = strings.Repeat("*", len(ed.buf))
	}
	col := utf8.RuneCountInString(ed.prompt) + ed.pos
	fmt.Fprintf(ed.e.out, "\r%s%s\x1b[K\r", ed.prompt, shown)
	if col > 0 {
		fmt.Fprintf(ed.e.out, "\x1b[%dC", col)
	}
}

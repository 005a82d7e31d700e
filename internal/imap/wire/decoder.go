package wire

import (
	"bufio"
	"io"
)

// Command is one client command as read by a Decoder: its tag, its name and
// its argument text with the literals already read. Handlers parse the
// arguments with NewParser.
type Command struct {
	// Tag is the client's tag (RFC 3501 §2.2.1).
	Tag string
	// Name is the command name in upper case. For "UID FETCH ..." Name is
	// "FETCH" and UID is true.
	Name string
	// UID reports the UID prefix (RFC 3501 §6.4.8).
	UID bool
	// Literal is set only for APPEND, when the decoder stopped at the
	// message literal without reading it. See AppendLiteral for the
	// contract; the session must call Decoder.FinishCommand.
	Literal *AppendLiteral

	args     []byte    // argument text after the name, literal octets excluded
	lits     []literal // literals, in order
	maxDepth int
	maxArgs  int
}

// literal is the octets of one literal whose marker ends at args[at].
type literal struct {
	at   int
	data []byte
}

// Decoder reads client commands from one connection. It is not safe for
// concurrent use.
type Decoder struct {
	r       *bufio.Reader
	opts    DecoderOptions
	pending *AppendLiteral
}

// NewDecoder returns a decoder reading from r. Zero option fields take
// their defaults.
func NewDecoder(r *bufio.Reader, opts DecoderOptions) *Decoder {
	return &Decoder{r: r, opts: opts.withDefaults()}
}

// ReadCommand reads the next command: its first line, then for every line
// that ends in a literal marker the literal's octets and the next line,
// until a line without a marker. Before reading the octets of a
// synchronizing literal it calls Options.Continue; a literal over its limit
// is refused before that call (RFC 3501 §7.5).
//
// For APPEND, ReadCommand stops at the message literal (the first literal
// after the mailbox name) and returns the command with Literal set; see
// AppendLiteral.
//
// Errors: io.EOF when the connection ended between commands; a
// *CommandError (see IsFatal) for a command to answer BAD or NO; any other
// error is fatal.
func (d *Decoder) ReadCommand() (*Command, error) {
	if d.pending != nil {
		return nil, ErrLiteralPending
	}
	ln, err := d.readLineExt(d.opts.MaxLine, idLimit, d.opts.MaxDiscard)
	if err != nil {
		return nil, d.lineError(tagOf(ln.text), err)
	}
	if ln.tooLong {
		return nil, d.skip(ln.tail, badError(tagOf(ln.text), ErrLineTooLong, "Command line too long"))
	}
	cmd := &Command{maxDepth: d.opts.MaxDepth, maxArgs: d.opts.MaxArgs}
	argStart, cerr := cmd.parseHead(ln.text)
	if cerr != nil {
		return nil, d.skip(ln.text, cerr)
	}
	return d.readArgs(cmd, ln.text, argStart)
}

// lineError maps a readLine error: ErrDiscardLimit becomes a fatal
// CommandError so the session can still answer.
func (d *Decoder) lineError(tag string, err error) error {
	if err == ErrDiscardLimit {
		ce := badError(tag, ErrLineTooLong, "Command line too long")
		ce.Fatal = true
		return ce
	}
	return err
}

// readArgs reads the literals and continuation lines of a command whose
// first line is text.
func (d *Decoder) readArgs(cmd *Command, text []byte, argStart int) (*Command, error) {
	line := 0 // start of the current line in text
	var litTotal int64
	for {
		m, ok := findMarker(text[line:])
		if !ok {
			break
		}
		m.start += line
		if cmd.Name == "APPEND" && !cmd.UID && isMessageLiteral(text[argStart:m.start]) {
			return d.startAppend(cmd, text, argStart, m)
		}
		if c := text[m.start-1]; c != ' ' && c != '(' {
			// A literal starts an argument: after a space or "(".
			return nil, d.skip(text[m.start:], badError(cmd.Tag, ErrSyntax, "Invalid literal"))
		}
		data, err := d.readLiteral(cmd, text[m.start:], m, &litTotal)
		if err != nil {
			return nil, err
		}
		cmd.lits = append(cmd.lits, literal{at: len(text) - argStart, data: data})
		ln, err := d.readLine(d.maxText(cmd)-len(text), d.opts.MaxDiscard)
		if err != nil {
			return nil, midCommand(d.lineError(cmd.Tag, err))
		}
		if ln.tooLong {
			return nil, d.skip(ln.tail, badError(cmd.Tag, ErrLineTooLong, "Command line too long"))
		}
		line = len(text)
		text = append(text, ln.text...)
	}
	cmd.args = text[argStart:]
	return cmd, nil
}

// maxText is the most command text cmd may have: MaxLine, or MaxIDLine
// for ID if that is more.
func (d *Decoder) maxText(cmd *Command) int {
	if cmd.Name == "ID" && !cmd.UID {
		return max(d.opts.MaxLine, MaxIDLine)
	}
	return d.opts.MaxLine
}

// idLimit is the ext of a command's first line: MaxIDLine when the line
// starts an ID command.
func idLimit(head []byte) int {
	var c Command
	if _, err := c.parseHead(head); err == nil && c.Name == "ID" && !c.UID {
		return MaxIDLine
	}
	return 0
}

// isMessageLiteral reports whether a literal marker that follows before
// (APPEND's argument text up to the marker) is the message: it is when a
// mailbox name precedes it, separated by a space (append = "APPEND" SP
// mailbox [SP flag-list] [SP date-time] SP literal). A marker right after
// the command name is a mailbox name sent as a literal.
func isMessageLiteral(before []byte) bool {
	n := len(before)
	return n > 0 && before[n-1] == ' ' && !blank(before)
}

// readLiteral checks a literal's size against the limits, sends the
// continuation for a synchronizing literal and reads the octets. line is
// the current line from the marker on, for resynchronisation.
func (d *Decoder) readLiteral(cmd *Command, line []byte, m marker, total *int64) ([]byte, error) {
	if len(cmd.lits) >= d.opts.MaxArgs {
		return nil, d.skip(line, badError(cmd.Tag, ErrTooMany, "Too many literals"))
	}
	if m.size > d.opts.MaxLiteral-*total {
		ce := badError(cmd.Tag, ErrLiteralTooBig, "Literal too big")
		ce.Code = CodeTooBig
		return nil, d.skip(line, ce)
	}
	if !m.nonSync {
		if err := d.cont(); err != nil {
			return nil, err
		}
	}
	buf := make([]byte, m.size)
	if _, err := io.ReadFull(d.r, buf); err != nil {
		return nil, midCommand(err)
	}
	*total += m.size
	return buf, nil
}

func (d *Decoder) cont() error {
	if d.opts.Continue == nil {
		return nil
	}
	return d.opts.Continue()
}

// skip brings the stream back in sync after cerr was found in a command
// whose last line read so far ends with tail, and returns cerr, or a fatal
// error. The rest of the command is: nothing, when the line ends without a
// marker or with a synchronizing one (the client waits for a continuation
// that is never sent: RFC 3501 §7.5); or, for a non-synchronizing marker,
// the literal's octets and the next line, which is examined in turn. At
// most MaxDiscard octets are discarded; beyond that cerr becomes fatal.
func (d *Decoder) skip(tail []byte, cerr *CommandError) error {
	budget := d.opts.MaxDiscard
	for {
		m, ok := findMarker(tail)
		if !ok || !m.nonSync {
			return cerr
		}
		if m.size > budget {
			cerr.Fatal = true
			return cerr
		}
		if _, err := io.CopyN(io.Discard, d.r, m.size); err != nil {
			return midCommand(err)
		}
		budget -= m.size
		ln, err := d.readLine(0, budget)
		if err == ErrDiscardLimit {
			cerr.Fatal = true
			return cerr
		}
		if err != nil {
			return midCommand(err)
		}
		budget -= ln.n
		tail = ln.tail
	}
}

// ReadLine reads one line without literal processing, for the client's
// AUTHENTICATE responses (RFC 3501 §6.2.2) and IDLE's DONE (RFC 2177). The
// line is returned without its ending and is the caller's to keep. A line
// over MaxLine is consumed and reported as a CommandError with ErrLineTooLong
// and an empty Tag.
func (d *Decoder) ReadLine() ([]byte, error) {
	if d.pending != nil {
		return nil, ErrLiteralPending
	}
	ln, err := d.readLine(d.opts.MaxLine, d.opts.MaxDiscard)
	if err != nil {
		return nil, d.lineError("", err)
	}
	if ln.tooLong {
		return nil, badError("", ErrLineTooLong, "Line too long")
	}
	return ln.text, nil
}

// parseHead reads "tag SP name" (and, for UID, SP name) from the first
// line and returns the index where the arguments start.
func (c *Command) parseHead(line []byte) (int, *CommandError) {
	i := 0
	for i < len(line) && isTagChar(line[i]) {
		i++
	}
	if i == 0 || i < len(line) && line[i] != ' ' {
		if blank(line) {
			return 0, badError("", ErrEmpty, "Empty command line")
		}
		return 0, badError("", ErrSyntax, "Invalid tag")
	}
	c.Tag = string(line[:i])
	name, k := commandName(line, i)
	if name == "" {
		return 0, badError(c.Tag, ErrSyntax, "Invalid command")
	}
	c.Name = name
	if name == "UID" {
		if name, k = commandName(line, k); name == "" {
			return 0, badError(c.Tag, ErrSyntax, "Invalid command")
		}
		c.Name, c.UID = name, true
	}
	return k, nil
}

// commandName reads SP+ atom at line[i:] and returns it upper-cased with
// the index after it, or "" when there is none or it is not followed by a
// space or the end of the line.
func commandName(line []byte, i int) (string, int) {
	j := i
	for j < len(line) && line[j] == ' ' {
		j++
	}
	if j == i {
		return "", i
	}
	k := j
	for k < len(line) && isAtomChar(line[k]) {
		k++
	}
	if k == j || k < len(line) && line[k] != ' ' {
		return "", i
	}
	return upperASCII(line[j:k]), k
}

// tagOf returns the tag of a (possibly truncated) first line, or "" when
// it does not start with a valid tag followed by a space.
func tagOf(line []byte) string {
	i := 0
	for i < len(line) && isTagChar(line[i]) {
		i++
	}
	if i == 0 || i == len(line) || line[i] != ' ' {
		return ""
	}
	return string(line[:i])
}

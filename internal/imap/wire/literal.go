package wire

import "io"

// AppendLiteral is the message literal of an APPEND command, which the
// decoder never reads into memory.
//
// The contract, after ReadCommand returned a Command with Literal set:
//
//  1. The literal's size has been checked against MaxAppendLiteral (a
//     bigger one is refused by ReadCommand with NO [TOOBIG] and never
//     appears here). No continuation has been sent yet. The command's
//     argument text stops before the literal marker: parse mailbox, flags
//     and date-time with a Parser and call End.
//  2. To accept, call Open: for a synchronizing literal it calls the
//     Continue hook (the client then sends the octets); it returns a reader
//     of exactly Size octets, streamed from the connection. Copy it to
//     storage. To refuse (bad arguments, no such mailbox, quota), do not
//     call Open.
//  3. In both cases call Decoder.FinishCommand exactly once before the next
//     ReadCommand or ReadLine (which return ErrLiteralPending otherwise).
//     It discards whatever of the literal was not read and reads the rest
//     of the line, which must be empty. For an accepted literal a
//     *CommandError from it means the command is bad: throw the stored
//     message away and answer it. For a refused literal it returns only
//     fatal errors, and the session answers with its own NO or BAD.
//
// A refused synchronizing literal costs nothing: the client waits for a
// continuation, gets the tagged response instead and sends nothing more
// (RFC 3501 §7.5). A refused non-synchronizing literal (RFC 7888) is read
// and discarded by FinishCommand.
type AppendLiteral struct {
	// Size is the announced octet count.
	Size int64
	// NonSync reports the "{n+}" form: the octets are already on their way.
	NonSync bool

	d      *Decoder
	tag    string
	used   int // command text before the marker, for the MaxLine budget
	opened bool
	remain int64
}

// startAppend hands out APPEND's message literal m (see AppendLiteral).
func (d *Decoder) startAppend(cmd *Command, text []byte, argStart int, m marker) (*Command, error) {
	if m.size > d.opts.MaxAppendLiteral {
		ce := &CommandError{Tag: cmd.Tag, Status: StatusNO, Code: CodeTooBig, Text: "Message too big", Err: ErrLiteralTooBig}
		return nil, d.skip(text[m.start:], ce)
	}
	cmd.args = text[argStart:m.start]
	l := &AppendLiteral{Size: m.size, NonSync: m.nonSync, d: d, tag: cmd.Tag, used: len(text), remain: m.size}
	cmd.Literal = l
	d.pending = l
	return cmd, nil
}

// Open accepts the literal: it sends the continuation request for a
// synchronizing literal (once) and returns a reader of exactly Size octets.
// The reader returns io.ErrUnexpectedEOF if the connection ends early, and
// io.EOF once FinishCommand has been called. An error from Open (the
// Continue hook failed) is fatal.
func (l *AppendLiteral) Open() (io.Reader, error) {
	if !l.opened {
		if !l.NonSync && l.d.pending == l {
			if err := l.d.cont(); err != nil {
				return nil, err
			}
		}
		l.opened = true
	}
	return literalReader{l}, nil
}

type literalReader struct{ l *AppendLiteral }

func (r literalReader) Read(p []byte) (int, error) {
	l := r.l
	if l.remain == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > l.remain {
		p = p[:l.remain]
	}
	n, err := l.d.r.Read(p)
	l.remain -= int64(n)
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

// FinishCommand ends an APPEND command whose Literal was handed out (it is
// a no-op otherwise); see AppendLiteral for the contract.
func (d *Decoder) FinishCommand() error {
	l := d.pending
	if l == nil {
		return nil
	}
	d.pending = nil
	if !l.opened && !l.NonSync {
		// No continuation was sent: the client sends nothing more.
		l.remain = 0
		return nil
	}
	if l.remain > 0 {
		_, err := io.CopyN(io.Discard, d.r, l.remain)
		l.remain = 0
		if err != nil {
			return midCommand(err)
		}
	}
	ln, err := d.readLine(d.opts.MaxLine-l.used, d.opts.MaxDiscard)
	if err != nil {
		return midCommand(d.lineError(l.tag, err))
	}
	if !ln.tooLong && blank(ln.text) {
		return nil
	}
	// MULTIAPPEND (RFC 3502) is not offered: anything after the message is
	// an error.
	err = d.skip(ln.tail, badError(l.tag, ErrSyntax, "Unexpected data after message literal"))
	if !l.opened && !IsFatal(err) {
		return nil
	}
	return err
}

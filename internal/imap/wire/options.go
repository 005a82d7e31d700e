package wire

import "errors"

// Defaults for DecoderOptions fields left zero.
const (
	DefaultMaxLine          = 10240    // Exchange MaxCommandSize for IMAP (spec §2)
	DefaultMaxLiteral       = 64 << 10 // LOGIN, SEARCH, ... strings
	DefaultMaxAppendLiteral = 36 << 20 // Exchange's default message size limit
	DefaultMaxDepth         = 16
	DefaultMaxArgs          = 256
)

// MaxIDLine is the command text an ID command may have whatever MaxLine
// is: the largest argument RFC 2971 §3.3 allows (30 pairs of a 30-octet
// name and a 1024-octet value), every octet quoted with a backslash, plus
// room for the tag and command name. Clients send their ID before or
// right after logon; refusing it would close their connection.
const MaxIDLine = 256 + len("ID ()") + 30*(2+2*30+1+2+2*1024+1)

// DecoderOptions are the limits and hooks of a Decoder. Zero fields take the
// defaults above.
type DecoderOptions struct {
	// MaxLine is the most command text one command may have, literal octets
	// excluded, summed over its lines (Exchange's MaxCommandSize). Longer
	// commands are consumed and answered BAD (ErrLineTooLong). An ID
	// command may have MaxIDLine if that is more.
	MaxLine int
	// MaxLiteral is the largest literal accepted in any command except as
	// APPEND's message; it also bounds the total of all literals of one
	// command. Larger literals are refused with BAD [TOOBIG].
	MaxLiteral int64
	// MaxAppendLiteral is the largest APPEND message. Larger ones are
	// refused with NO [TOOBIG].
	MaxAppendLiteral int64
	// MaxDepth is the deepest parenthesis nesting a Parser accepts (search
	// keys). Chains of NOT and OR may nest 8×MaxDepth deep.
	MaxDepth int
	// MaxArgs bounds the literals in one command and the elements of any
	// one parenthesised list (flags, fetch attributes, header fields,
	// search keys of one group, ID pairs).
	MaxArgs int
	// MaxDiscard is how much input the decoder reads and throws away to get
	// back in sync after an error (the octets of a refused
	// non-synchronizing literal, the rest of an over-long line). Beyond it
	// the error is fatal. Default: MaxAppendLiteral.
	MaxDiscard int64
	// Continue is called before the decoder reads the octets of an
	// accepted synchronizing literal. It must write a continuation request
	// ("+ Ready for literal data") and flush it. An error from it is
	// returned as a fatal error. Nil sends nothing (for tests and peers
	// that never wait).
	Continue func() error
}

// Validate reports negative limits.
func (o DecoderOptions) Validate() error {
	if o.MaxLine < 0 || o.MaxLiteral < 0 || o.MaxAppendLiteral < 0 || o.MaxDepth < 0 || o.MaxArgs < 0 || o.MaxDiscard < 0 {
		return errors.New("imap: negative decoder limit")
	}
	return nil
}

// withDefaults fills zero (or negative) fields.
func (o DecoderOptions) withDefaults() DecoderOptions {
	if o.MaxLine <= 0 {
		o.MaxLine = DefaultMaxLine
	}
	if o.MaxLiteral <= 0 {
		o.MaxLiteral = DefaultMaxLiteral
	}
	if o.MaxAppendLiteral <= 0 {
		o.MaxAppendLiteral = DefaultMaxAppendLiteral
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = DefaultMaxDepth
	}
	if o.MaxArgs <= 0 {
		o.MaxArgs = DefaultMaxArgs
	}
	if o.MaxDiscard <= 0 {
		o.MaxDiscard = o.MaxAppendLiteral
	}
	return o
}

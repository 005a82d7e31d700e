// Package wire is the IMAP4rev1 wire codec (RFC 3501 §4, §9; RFC 7888
// LITERAL+; RFC 4959 SASL-IR; RFC 2971 ID): it reads client commands with
// their literals, parses command arguments, and writes server responses. It
// imports only the standard library and is shared by the pre-login frontend,
// the post-login backend and test clients.
//
// The model: a Decoder turns the byte stream into Commands. A Command holds
// its tag, its upper-cased name and the raw argument text with its literals
// already read; handlers parse their own arguments with a Parser whose
// helpers share one sticky error:
//
//	p := wire.NewParser(cmd)
//	set := p.SeqSet()
//	items := p.FetchItems()
//	p.End()
//	if err := p.Err(); err != nil { ... answer "<tag> BAD ..." ... }
//
// Responses are written with an Encoder, a builder over a bufio.Writer with
// its own sticky error.
//
// Invariants a contributor must not break:
//   - Memory is bounded by the options, never by the client: a command holds
//     at most MaxLine octets of text and MaxLiteral octets of literals; an
//     APPEND message is never read into memory (see AppendLiteral).
//     Over-long input is consumed and discarded, never kept.
//   - A synchronizing literal that will be refused is refused before the
//     continuation request is sent (RFC 3501 §7.5), so the client never sends
//     its octets. A refused non-synchronizing literal (RFC 7888) is read and
//     discarded, up to MaxDiscard; beyond that the error is fatal.
//   - Every *CommandError is returned with the stream back in sync: the
//     session answers it and reads the next command. Any other error, or a
//     CommandError with Fatal set, means the connection must be closed
//     (IsFatal).
//   - Parsers never panic. Recursion (search keys) is bounded by MaxDepth;
//     everything else is iterative. Sequence sets are never expanded into
//     memory.
//   - No package-level mutable state.
//
// Decisions where the RFCs leave room (spec §4.2: Exchange "parses spaces
// liberally"):
//   - One or more spaces separate arguments, and spaces may follow "(" and
//     precede ")" in lists. Trailing spaces at the end of a command are
//     ignored.
//   - A line may end in a bare LF as well as CRLF (hand-typed sessions).
//   - Quoted strings may carry 8-bit octets (as RFC 9051 allows); atoms may
//     not. NUL, CR and LF are refused everywhere except inside an APPEND
//     message.
//   - Mailbox names must be valid modified UTF-7 (RFC 3501 §5.1.3); raw
//     8-bit names are refused. Only the exact name INBOX is case-insensitive.
//   - A too-big APPEND message is refused with NO [TOOBIG] (as RFC 7889
//     APPENDLIMIT does); any other too-big literal with BAD [TOOBIG] (as RFC
//     7888 §4 does for LITERAL-).
package wire

// Package wire is the SMTP/LMTP wire codec: command lines, commands and
// their paths, the DATA body with its dot transparency, and replies. It is
// shared by the LMTP server, the future SMTP submission service, test
// clients and the load generator, and imports only the standard library.
//
// Invariants a contributor must not break:
//   - Nothing here buffers more than the caller's limit: ReadLine holds at
//     most max octets of an over-long line and DataReader at most one
//     bufio buffer; over-long input is consumed and discarded, never kept.
//   - DataReader ends the body only at <CRLF>.<CRLF> (RFC 5321 4.1.1.4), or
//     at ".<CRLF>" as the very first bytes, where the CRLF that ended the
//     DATA command serves as the first CRLF. A bare CR or a bare LF never
//     takes part in a terminator; that is the SMTP smuggling defence. The
//     reader never consumes a byte past the terminator, so pipelined
//     commands stay in the bufio.Reader.
//   - Every error is returned after the input has been consumed up to the
//     next point where the session is back in sync (end of the line, end of
//     the body), so the session can answer and carry on.
//   - Parsers never panic and never recurse.
//
// Decisions:
//   - A command line may end in a bare LF (netcat, hand-typed sessions); it
//     is normalised as if it ended in CRLF. A bare CR anywhere in a command
//     line is an error (ErrBareCR). Inside a DATA body both are errors
//     (ErrBareLineEnding): the message is rejected, never repaired.
//   - Lines in a DATA body longer than the 1000 octets of RFC 5321 4.5.3.1.6
//     are accepted; only the total size is limited.
package wire

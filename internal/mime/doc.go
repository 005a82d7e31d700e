// Package mime owns Postern's message-structure parser: it reads a stored
// message once, at delivery or APPEND, and returns a tree of Parts holding
// byte offsets into the raw message together with everything IMAP FETCH
// needs (BODYSTRUCTURE, BODY, ENVELOPE, BODY[section] ranges). The tree is
// serialised (MarshalBinary) and cached next to the message, so FETCH never
// re-parses the message; it only slices the raw bytes.
//
// The package also renders ENVELOPE, BODY and BODYSTRUCTURE in IMAP syntax
// (imapform.go), because those renderings are cached results of the parse;
// the rest of the IMAP wire syntax lives in the IMAP packages. It imports
// only the standard library.
//
// Invariants a contributor must not break:
//   - Parse never fails on malformed content: a message that SMTP or APPEND
//     accepted is stored and served whatever its shape. Parse returns an
//     error only when reading fails (or for invalid Options).
//   - Offsets count the real bytes: a bare LF is one byte, CRLF two. For
//     every Part, HeaderStart <= HeaderEnd <= BodyEnd; a child lies inside
//     its parent's body and siblings do not overlap, in order.
//   - Memory is bounded independently of the message size: lines are read
//     through a fixed buffer, only a bounded set of header fields is kept
//     (Options.MaxHeaderBytes per header block, MaxTotalHeaderBytes in
//     all), and the tree is bounded by MaxDepth and MaxParts.
//   - Every recursive walk (parse, unmarshal) has an explicit depth limit;
//     a Go stack overflow cannot be recovered.
//   - Part numbering follows RFC 3501 §6.4.5 exactly (see Part.Find): a
//     non-multipart message has a part 1 (its body), and the parts of a
//     message/rfc822 part are those of its encapsulated message's body.
//   - The serialisation is versioned by its first byte; changing the layout
//     means a new version, and old cache entries are re-parsed, not misread.
package mime

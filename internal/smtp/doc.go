// Package smtp owns Postern's SMTP-family protocol sessions. Today that is
// the LMTP listener of the transport service (RFC 2033), through which
// outside MTAs hand mail to local mailboxes; the SMTP submission service
// will live here too and reuse the same wire codec (package wire).
//
// The session hands accepted mail to a Deliverer and knows nothing of the
// store behind it beyond the store's error kinds, which it maps to replies
// in one function (replyForError).
//
// Invariants a contributor must not break:
//   - Durability (DESIGN.md "Storage"): an LMTP 250 for a recipient after
//     DATA is written only after Deliverer.Deliver returned nil for that
//     recipient, which the Deliverer promises means durably stored.
//   - After DATA there is exactly one reply per accepted RCPT, in RCPT
//     order (RFC 2033 4.2), whatever went wrong, so the client never
//     loses sync.
//   - Which command is allowed in which state is decided by the command
//     table (lmtp.go) before a handler runs; handlers never re-check it.
//   - The DATA body ends only at <CRLF>.<CRLF> (wire.DataReader); bodies
//     with bare CR or LF are rejected, never repaired.
//   - Clients get short fixed texts; causes go to the log. Message bodies
//     are never logged.
//   - A panic closes only its own connection, logged with its stack.
package smtp

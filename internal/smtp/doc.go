// Package smtp owns Postern's SMTP-family protocol sessions: the LMTP
// listener of the transport service (RFC 2033), through which outside MTAs
// hand mail to local mailboxes, and the SMTP service of each receive
// connector (RFC 5321, submission RFC 6409, STARTTLS RFC 3207, AUTH RFC
// 4954). Both run one session type (session.go) over the shared wire codec
// (package wire); a protocol value holds what differs (command table,
// greeting), and SMTP sessions carry their submission state.
//
// The sessions hand accepted mail to a Deliverer and know nothing of the
// store behind it beyond the store's error kinds, which they map to
// replies in one function (replyForError). SMTP authentication goes
// through the protocol-neutral login engine (policy, SASL, blocked
// accounts, tarpit, throttle), as POP3 and IMAP4 do.
//
// Invariants a contributor must not break:
//   - Durability (DESIGN.md "Storage"): a 250 after DATA (LMTP: for a
//     recipient) is written only after Deliverer.Deliver returned nil,
//     which the Deliverer promises means durably stored.
//   - After LMTP DATA there is exactly one reply per accepted RCPT, in RCPT
//     order (RFC 2033 4.2), whatever went wrong, so the client never
//     loses sync; after SMTP DATA exactly one.
//   - Which command is allowed in which state, and which only before
//     authentication, is decided by the command table before a handler
//     runs; handlers never re-check it.
//   - The DATA body ends only at <CRLF>.<CRLF> (wire.DataReader); bodies
//     with bare CR or LF are rejected, never repaired.
//   - Plaintext a client sent after STARTTLS and before the handshake is
//     thrown away with the session's reader, never executed.
//   - A credential is looked at only when the connector's AuthMechanism
//     offers the mechanism in the current state (spec 2.1, 8.2).
//   - Clients get short fixed texts; causes go to the log. Message bodies
//     and passwords are never logged.
//   - A panic closes only its own connection, logged with its stack (LMTP
//     recovers itself; SMTP relies on netserve's one recover).
package smtp

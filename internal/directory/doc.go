// Package directory is Postern's directory, the role Active Directory plays
// for Exchange: servers, mailbox databases and the server holding each one's
// active copy, accepted domains, users with their mailboxes and per-mailbox
// protocol settings, server settings, and service startup types.
//
// The embedded directory is one SQLite file; several servers share one
// organisation through a PostgreSQL directory instead (Options.URL), with
// the same tables and behaviour (dialect.go holds what differs). Settings
// objects are stored as opaque JSON documents keyed by server and name:
// their shape, defaults and validation belong to package config, not here.
//
// Invariants:
//   - Every look-up of a user by a name a client typed goes through
//     Canonical, so one folding decides what a name resolves to; the blocks
//     on built-in accounts (package login) use the same folding.
//   - Passwords are stored only as argon2id PHC strings; no method returns
//     or logs a password.
package directory

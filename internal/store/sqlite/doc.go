// Package sqlite is the embedded mailbox database: SQLite (modernc, pure Go)
// for metadata, message bytes as immutable files named by their SHA-256. One
// DB is one folder holding mailbox.db (WAL, synchronous=FULL) and blobs/.
//
// Writes. One writer goroutine owns the only write connection. Every change
// (Deliver, Append, flags, expunge, copy, move, folder and account
// operations) is an op submitted to it; the writer drains whatever is queued
// into one BEGIN IMMEDIATE transaction, runs each op under its own SAVEPOINT
// (a failing op rolls back alone), commits once, publishes the changes to the
// Hub in commit order, then answers every waiter. Reads use a separate pool
// of connections; WAL lets them run beside the writer.
//
// Blobs. A body is streamed into blobs/tmp while hashed, fsynced, renamed to
// blobs/ab/abcdef... and the fan-out directory fsynced, all in the caller's
// goroutine, before the op is submitted. Invariants a contributor must keep:
//   - A blob is durable before the commit of any row naming it, so a row
//     never points at a missing blob.
//   - Identical bytes share one blob. A blob a caller is about to reference
//     is pinned in memory from before its existence check until its op is
//     resolved; the writer never unlinks a pinned blob.
//   - A blob is unlinked only after the commit that dropped its last
//     reference, decided inside that transaction (only the writer adds
//     references, so the decision cannot go stale).
//   - Files that no row references (a crash between blob and commit) and
//     stale temporary files are swept at Open. The folder is locked
//     (flock) so that no second process sweeps under a live one.
package sqlite

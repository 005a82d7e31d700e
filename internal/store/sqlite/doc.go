// Package sqlite is the embedded mailbox database: SQLite (modernc, pure Go)
// for metadata, message bytes as immutable files named by their SHA-256. One
// DB is one folder holding mailbox.db (WAL, synchronous=FULL) and blobs/.
//
// Writes (group commit). One writer goroutine owns the only write
// connection. Every change (Deliver, Append, flags, expunge, copy, move,
// folder and account operations) is an item submitted to it. The writer
// drains whatever is queued into one BEGIN IMMEDIATE transaction, runs each
// item under its own SAVEPOINT (a failing item rolls back alone), commits
// once, removes the blobs that lost their last reference, publishes the
// changes to the Hub in commit order, and only then answers the waiters.
// Reads use a separate pool of connections; WAL lets them run beside the
// writer.
//
// Blobs. A body is streamed into blobs/tmp while hashed, fsynced, renamed to
// blobs/ab/abcdef... and the fan-out directory fsynced, all in the caller's
// goroutine, before its item is submitted: many callers fsync in parallel
// and the file system folds their journal commits together. (Syncing the
// directories in the writer instead was measured: with a 256-way fan-out a
// batch touches about as many directories as it has blobs, so it saved no
// fsyncs and lengthened the writer's serial section.)
//
// Invariants a contributor must keep:
//   - A blob is durable before the commit of any row naming it, so a row
//     never points at a missing blob.
//   - Identical bytes share one blob. A blob a caller is about to reference
//     is pinned in memory from before its existence check until its item is
//     resolved; the writer never unlinks a pinned blob.
//   - A blob is unlinked only after the commit that dropped its last
//     reference, decided inside that transaction (only the writer adds
//     references, so the decision cannot go stale).
//   - Files that no row references (a crash between blob and commit) and
//     stale temporary files are swept at Open. The folder is locked (flock)
//     so that no second process sweeps under a live one.
//   - A blob's full-text document (textindex.go) is written in the
//     transaction that first references the blob and dropped in the one
//     that finds it unreferenced; a blob may lack one (search then reads
//     its messages), but a document never describes other bytes.
//   - UIDVALIDITY values are unique in the store and strictly increasing;
//     UIDNEXT and HIGHESTMODSEQ of a folder only grow.
package sqlite

// Package queue is the durable outbound queue of the transport service
// (Exchange's MSExchangeTransport delivery queues): messages for
// recipients outside the accepted domains wait here until a remote
// server takes them, a permanent failure refuses them, or they expire.
//
// Layout, under the folder given to Open:
//
//	queue.db        SQLite (WAL, synchronous=FULL): one row per message,
//	                one per recipient with its state, attempts, next try
//	                and last error
//	msg/<name>.eml  the message bytes, fsynced before the row commits
//
// A message is acknowledged to its submitter only after Enqueue returns:
// its file is synced and renamed, its folder synced, and its rows
// committed. A crash before the commit leaves an orphan file, removed at
// the next Open; a crash after it leaves a message the runner resumes,
// and one after the last recipient's result leaves a finished message
// that the next Open removes.
// A recipient is marked delivered in its own commit right after the
// remote server's reply, so a crash can only repeat the one transaction
// that was in flight.
package queue

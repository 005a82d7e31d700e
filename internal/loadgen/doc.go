// Package loadgen is Postern's load generator: small, checking protocol
// clients (POP3, IMAP4, LMTP, SMTP submission), a message
// generator for seeding mailboxes, and a runner that drives N concurrent
// clients for a duration or a number of operations and reports
// throughput, latency percentiles and errors. cmd/postern-load is its
// command line; bench/compare runs it against Postern and Dovecot.
//
// Invariants a contributor must not break:
//   - Honesty before speed. Every reply the generator parses is checked
//     (status, counts, sizes, terminators, per-recipient replies); a
//     failed check is an error of the operation, counted and reported,
//     never a silently faster run. An operation that failed contributes
//     no messages or bytes to the throughput.
//   - Determinism. The messages of a seed are a pure function of the seed,
//     the user's index and the message's index, so two servers seeded with
//     the same options hold the same bytes (trace fields added by each
//     server aside).
//   - Bounded. Every network wait has a deadline, every run ends at its
//     duration or its operation count, and the latency histogram has a
//     fixed size whatever the run's length.
//   - Workloads are independent of the runner: a workload is a Workload
//     (workload.go) registered by name; a new one adds a file here and a
//     line in the registry, nothing else. Work before and after the
//     clients (idle-conns' connections, append's read-back) goes through
//     the optional preparer interface, and its failures are errors of
//     the run like any other.
//   - The IMAP client parses responses with its own reader (imapresp.go),
//     not the server's codec, so that a bug in the codec cannot hide on
//     both ends.
//   - Loopback only is the caller's rule: the generator dials what it is
//     told, and bench/compare only ever tells it 127.0.0.1.
package loadgen

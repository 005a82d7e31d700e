// Package probe is the client side of the shell's connectivity tests
// (Test-PopConnectivity, Test-ImapConnectivity): it connects to a
// frontend listener as a mail client would, logs on over POP3 or IMAP4
// (with STLS/STARTTLS or TLS from the first byte), submits a test message
// by authenticated SMTP through the Client Frontend connector, and finds
// and deletes that message in the Inbox.
//
// It owns the protocol conversations only; which server, listener,
// credential and timeouts to use, and how results are shown, are the
// cmdlet's (internal/shell, cmdlets_connectivity.go and
// connectivity_message.go).
//
// Invariants: a password is sent to the server and nowhere else (nothing
// here logs or returns what it sends); a reply line, the untagged
// replies kept for one command and the header lines read per message are
// bounded, so a hostile server cannot make a test use unbounded memory
// (FuzzProbeReplies checks the readers).
package probe

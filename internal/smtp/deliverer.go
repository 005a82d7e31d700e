package smtp

import (
	"context"
	"errors"
	"io"

	"github.com/postern/postern/internal/smtp/wire"
	"github.com/postern/postern/internal/store"
)

// Deliverer is what the LMTP server and the SMTP sessions of the receive
// connectors hand mail for local recipients to (the server's local
// delivery); remote recipients of an SMTP session go to its Queue
// instead.
type Deliverer interface {
	// Recipient checks one RCPT TO address (the canonical form of
	// wire.Path.Addr; "Postmaster" without a domain is passed as written).
	// An error wrapping ErrUnknownRecipient gives 550 5.1.1; see
	// replyForError for the other kinds; anything else gives 451 4.3.0.
	Recipient(ctx context.Context, addr string) error
	// Deliver stores the message for each recipient and returns one error
	// per recipient, in the order of rcpts (nil = durably stored). rcpts
	// holds no duplicates. body yields exactly size octets: the trace
	// header fields the session adds, then the message as received. ctx
	// is not cancelled by server shutdown, since the client has already
	// sent the whole message; it carries a deadline.
	Deliver(ctx context.Context, from string, rcpts []string, body io.Reader, size int64) []error
}

// ErrUnknownRecipient is the error kind a Deliverer wraps for an address
// that has no mailbox here.
var ErrUnknownRecipient = errors.New("smtp: unknown recipient")

// failure is a reply code, enhanced status and fixed client text.
type failure struct {
	code   wire.Code
	status wire.Status
	text   string
}

// replyForError maps a Deliverer error kind to the reply a client sees,
// for RCPT and for each recipient after DATA. The one place where error
// kinds become reply codes; the cause is logged by the caller.
func replyForError(err error) failure {
	switch {
	case errors.Is(err, ErrUnknownRecipient):
		return failure{wire.CodeMailboxUnavail, wire.StatusBadMailbox, "User unknown"}
	case errors.Is(err, store.ErrOverQuota):
		// Permanent, as most servers answer a full mailbox (RFC 3463 X.2.2).
		return failure{wire.CodeExceededStorage, wire.StatusMailboxFull, "Mailbox full"}
	case errors.Is(err, store.ErrTooBig):
		return failure{wire.CodeExceededStorage, wire.StatusMsgTooBig, "Message too big"}
	case errors.Is(err, store.ErrNoPermission):
		return failure{wire.CodeMailboxUnavail, wire.StatusNotAuthorized, "Delivery not authorized"}
	default:
		return failure{wire.CodeLocalError, wire.StatusSystemOther, "Temporary failure, try again later"}
	}
}

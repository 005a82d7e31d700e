package mime

// Envelope holds what IMAP ENVELOPE reports for a message (RFC 3501
// §7.4.2). String fields are the raw, unfolded header values (encoded
// words and 8-bit bytes as written); "" means the field is absent or empty,
// sent as NIL. Address lists are nil when absent.
//
// Sender and ReplyTo are set to From when absent or empty, as RFC 3501
// asks the server to do; they then share From's slice, so treat all
// address lists as read-only.
type Envelope struct {
	Date      string
	Subject   string
	From      []Address
	Sender    []Address
	ReplyTo   []Address
	To        []Address
	Cc        []Address
	Bcc       []Address
	InReplyTo string
	MessageID string
}

// buildEnvelope reads the envelope fields of a message header.
func buildEnvelope(h *header) *Envelope {
	addrs := func(name string) []Address {
		if v, ok := h.get(name); ok {
			return ParseAddressList(v)
		}
		return nil
	}
	e := &Envelope{
		From: addrs("from"), Sender: addrs("sender"), ReplyTo: addrs("reply-to"),
		To: addrs("to"), Cc: addrs("cc"), Bcc: addrs("bcc"),
	}
	e.Date, _ = h.get("date")
	e.Subject, _ = h.get("subject")
	e.InReplyTo, _ = h.get("in-reply-to")
	e.MessageID, _ = h.get("message-id")
	if len(e.Sender) == 0 {
		e.Sender = e.From
	}
	if len(e.ReplyTo) == 0 {
		e.ReplyTo = e.From
	}
	return e
}

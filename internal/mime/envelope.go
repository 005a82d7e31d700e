package mime

// Envelope holds what IMAP ENVELOPE reports for a message (RFC 3501
// §7.4.2). String fields are the raw, unfolded header values (encoded
// words and 8-bit bytes as written); "" means the field is absent, sent as
// NIL, unless Empty says it is present with an empty value, sent as "".
// Address lists are nil when absent (an empty list is NIL as well: the
// grammar has no empty address list).
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
	// Empty lists the string fields present in the header with an empty
	// value ("Subject:" alone): ENVELOPE sends them as "" rather than NIL.
	Empty EnvelopeFields
}

// EnvelopeFields is a set of the envelope's string fields.
type EnvelopeFields uint8

// The envelope's string fields.
const (
	EnvDate EnvelopeFields = 1 << iota
	EnvSubject
	EnvInReplyTo
	EnvMessageID

	envAllFields = EnvDate | EnvSubject | EnvInReplyTo | EnvMessageID
)

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
	str := func(name string, bit EnvelopeFields) string {
		v, ok := h.get(name)
		if ok && v == "" {
			e.Empty |= bit
		}
		return v
	}
	e.Date = str("date", EnvDate)
	e.Subject = str("subject", EnvSubject)
	e.InReplyTo = str("in-reply-to", EnvInReplyTo)
	e.MessageID = str("message-id", EnvMessageID)
	if len(e.Sender) == 0 {
		e.Sender = e.From
	}
	if len(e.ReplyTo) == 0 {
		e.ReplyTo = e.From
	}
	return e
}

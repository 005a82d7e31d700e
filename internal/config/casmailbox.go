package config

import (
	"encoding/json"
	"fmt"
	"strings"
)

// CASMailbox holds the 12 POP3/IMAP4 settings of one mailbox, what
// Set-CASMailbox / Get-CASMailbox manage (spec section 3).
//
// When PopEnabled (ImapEnabled) is false the protocol is blocked for the
// mailbox and the other Pop* (Imap*) settings are ignored. The four format
// settings take effect only while *UseProtocolDefaults is false; otherwise
// the server's ProtocolSettings apply.
type CASMailbox struct {
	// ImapEnabled allows IMAP4 for this mailbox (default true).
	ImapEnabled bool `json:"ImapEnabled"`
	// ImapUseProtocolDefaults applies the server's IMAP4 settings
	// (default true).
	ImapUseProtocolDefaults bool `json:"ImapUseProtocolDefaults"`
	// ImapMessagesRetrievalMimeFormat is the body format (default
	// BestBodyFormat).
	ImapMessagesRetrievalMimeFormat MimeFormat `json:"ImapMessagesRetrievalMimeFormat"`
	// ImapEnableExactRFC822Size gives exact sizes instead of estimates.
	ImapEnableExactRFC822Size bool `json:"ImapEnableExactRFC822Size"`
	// ImapSuppressReadReceipt sends a read receipt only on open.
	ImapSuppressReadReceipt bool `json:"ImapSuppressReadReceipt"`
	// ImapForceICalForCalendarRetrievalOption delivers every meeting
	// request as iCal; false means the server's CalendarItemRetrievalOption.
	ImapForceICalForCalendarRetrievalOption bool `json:"ImapForceICalForCalendarRetrievalOption"`

	// PopEnabled allows POP3 for this mailbox (default true).
	PopEnabled bool `json:"PopEnabled"`
	// PopUseProtocolDefaults applies the server's POP3 settings
	// (default true).
	PopUseProtocolDefaults bool `json:"PopUseProtocolDefaults"`
	// PopMessagesRetrievalMimeFormat is the body format (default
	// BestBodyFormat).
	PopMessagesRetrievalMimeFormat MimeFormat `json:"PopMessagesRetrievalMimeFormat"`
	// PopEnableExactRFC822Size gives exact sizes instead of estimates.
	PopEnableExactRFC822Size bool `json:"PopEnableExactRFC822Size"`
	// PopSuppressReadReceipt sends a read receipt only on open.
	PopSuppressReadReceipt bool `json:"PopSuppressReadReceipt"`
	// PopForceICalForCalendarRetrievalOption delivers every meeting request
	// as iCal; false means the server's CalendarItemRetrievalOption.
	PopForceICalForCalendarRetrievalOption bool `json:"PopForceICalForCalendarRetrievalOption"`
}

// DefaultCASMailbox returns the defaults of spec section 3: both protocols
// enabled and using the protocol defaults, BestBodyFormat, everything else
// false.
func DefaultCASMailbox() CASMailbox {
	return CASMailbox{
		ImapEnabled:                     true,
		ImapUseProtocolDefaults:         true,
		ImapMessagesRetrievalMimeFormat: BestBodyFormat,
		PopEnabled:                      true,
		PopUseProtocolDefaults:          true,
		PopMessagesRetrievalMimeFormat:  BestBodyFormat,
	}
}

// UsesProtocolDefaults reports whether the mailbox takes the server's
// settings for protocol (POP3 or IMAP4, case-insensitive) rather than its
// own four format settings. An unknown protocol reports true.
func (m CASMailbox) UsesProtocolDefaults(protocol string) bool {
	switch strings.ToUpper(protocol) {
	case ProtocolPOP3:
		return m.PopUseProtocolDefaults
	case ProtocolIMAP4:
		return m.ImapUseProtocolDefaults
	}
	return true
}

// casMailboxParams returns the parameter table in Get-CASMailbox display
// order (the Imap* block before the Pop* block, as Exchange lists them;
// order remembered from Exchange output, unconfirmed by a [doc] source).
func casMailboxParams() paramSet[CASMailbox] {
	type M = CASMailbox
	return paramSet[M]{params: []param[M]{
		boolParam("ImapEnabled", func(m *M) *bool { return &m.ImapEnabled }),
		boolParam("ImapUseProtocolDefaults", func(m *M) *bool { return &m.ImapUseProtocolDefaults }),
		enumParam("ImapMessagesRetrievalMimeFormat", mimeFormatSpec(), func(m *M) *MimeFormat { return &m.ImapMessagesRetrievalMimeFormat }),
		boolParam("ImapEnableExactRFC822Size", func(m *M) *bool { return &m.ImapEnableExactRFC822Size }),
		boolParam("ImapSuppressReadReceipt", func(m *M) *bool { return &m.ImapSuppressReadReceipt }),
		boolParam("ImapForceICalForCalendarRetrievalOption", func(m *M) *bool { return &m.ImapForceICalForCalendarRetrievalOption }),
		boolParam("PopEnabled", func(m *M) *bool { return &m.PopEnabled }),
		boolParam("PopUseProtocolDefaults", func(m *M) *bool { return &m.PopUseProtocolDefaults }),
		enumParam("PopMessagesRetrievalMimeFormat", mimeFormatSpec(), func(m *M) *MimeFormat { return &m.PopMessagesRetrievalMimeFormat }),
		boolParam("PopEnableExactRFC822Size", func(m *M) *bool { return &m.PopEnableExactRFC822Size }),
		boolParam("PopSuppressReadReceipt", func(m *M) *bool { return &m.PopSuppressReadReceipt }),
		boolParam("PopForceICalForCalendarRetrievalOption", func(m *M) *bool { return &m.PopForceICalForCalendarRetrievalOption }),
	}}
}

// Names returns the 12 parameter names in display order.
func (m *CASMailbox) Names() []string { return casMailboxParams().names() }

// Set parses text as the named parameter's value and stores it, or returns
// a *ParamError and leaves m unchanged. The name is matched exactly,
// ignoring case.
func (m *CASMailbox) Set(name, text string) error { return casMailboxParams().set(m, name, text) }

// Apply makes several changes at once, atomically, as one Set-CASMailbox
// invocation does.
func (m *CASMailbox) Apply(changes ...Change) error { return casMailboxParams().apply(m, changes) }

// Get returns the display form of the named parameter's value.
func (m *CASMailbox) Get(name string) (string, error) { return casMailboxParams().get(m, name) }

// Fields returns every parameter with its display form, in display order.
func (m *CASMailbox) Fields() []Field { return casMailboxParams().fields(m) }

// Validate checks every setting.
func (m *CASMailbox) Validate() error { return casMailboxParams().validate(m) }

// LoadCASMailbox decodes a stored document onto DefaultCASMailbox, so
// settings missing from it keep their defaults and unknown fields are
// ignored, then validates the result.
func LoadCASMailbox(data []byte) (CASMailbox, error) {
	m := DefaultCASMailbox()
	if err := json.Unmarshal(data, &m); err != nil {
		return CASMailbox{}, fmt.Errorf("config: decoding mailbox protocol settings: %w", err)
	}
	if err := m.Validate(); err != nil {
		return CASMailbox{}, err
	}
	return m, nil
}

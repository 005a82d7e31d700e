package config

// This file holds the enum types of the settings (spec sections 2 and 5).
// Each accepts its number or its name, case-insensitively, and displays and
// stores its name.

// LoginType is Exchange's LoginOptions: which logons a plain (110/143)
// connection accepts before TLS (spec section 2.1).
type LoginType int

// The LoginType values.
const (
	// PlainTextLogin allows clear-text logons on a plain connection.
	PlainTextLogin LoginType = 1
	// PlainTextAuthentication allows Basic logons only over TLS; integrated
	// (NTLM/GSSAPI) logons may run in clear.
	PlainTextAuthentication LoginType = 2
	// SecureLogin requires TLS before any logon (the default).
	SecureLogin LoginType = 3
)

func loginTypeSpec() enumSpec {
	return enumSpec{"LoginOptions", 1, []string{"PlainTextLogin", "PlainTextAuthentication", "SecureLogin"}}
}

// ParseLoginType parses a LoginType name or number.
func ParseLoginType(s string) (LoginType, error) { return parseEnum[LoginType](loginTypeSpec(), s) }

// String returns the name, e.g. SecureLogin.
func (v LoginType) String() string { return loginTypeSpec().name(int(v)) }

// Valid reports whether v is a defined value.
func (v LoginType) Valid() bool { return loginTypeSpec().valid(int(v)) }

// MarshalText encodes the name.
func (v LoginType) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// UnmarshalText decodes a name or number.
func (v *LoginType) UnmarshalText(b []byte) error { return unmarshalEnum(loginTypeSpec(), b, v) }

// CalendarItemRetrievalOption is Exchange's CalendarItemRetrievalOptions:
// how calendar items reach clients (spec section 5.1).
type CalendarItemRetrievalOption int

// The CalendarItemRetrievalOption values.
const (
	// CalendarICalendar delivers calendar items as iCalendar (the default).
	CalendarICalendar CalendarItemRetrievalOption = 0
	// CalendarIntranetURL delivers a link to the internal web server.
	CalendarIntranetURL CalendarItemRetrievalOption = 1
	// CalendarInternetURL delivers a link to the external web URL.
	CalendarInternetURL CalendarItemRetrievalOption = 2
	// CalendarCustom delivers a link built from OwaServerUrl, which must be set.
	CalendarCustom CalendarItemRetrievalOption = 3
)

func calendarSpec() enumSpec {
	return enumSpec{"CalendarItemRetrievalOptions", 0, []string{"iCalendar", "IntranetUrl", "InternetUrl", "Custom"}}
}

// ParseCalendarItemRetrievalOption parses a name or number.
func ParseCalendarItemRetrievalOption(s string) (CalendarItemRetrievalOption, error) {
	return parseEnum[CalendarItemRetrievalOption](calendarSpec(), s)
}

// String returns the name, e.g. iCalendar.
func (v CalendarItemRetrievalOption) String() string { return calendarSpec().name(int(v)) }

// Valid reports whether v is a defined value.
func (v CalendarItemRetrievalOption) Valid() bool { return calendarSpec().valid(int(v)) }

// MarshalText encodes the name.
func (v CalendarItemRetrievalOption) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// UnmarshalText decodes a name or number.
func (v *CalendarItemRetrievalOption) UnmarshalText(b []byte) error {
	return unmarshalEnum(calendarSpec(), b, v)
}

// MimeFormat is Exchange's MimeTextFormat, the MessageRetrievalMimeFormat
// of the server and of each mailbox (spec section 5.3).
type MimeFormat int

// The MimeFormat values.
const (
	// TextOnly renders text/plain.
	TextOnly MimeFormat = 0
	// HTMLOnly renders text/html.
	HTMLOnly MimeFormat = 1
	// HTMLAndTextAlternative renders multipart/alternative of plain and HTML.
	HTMLAndTextAlternative MimeFormat = 2
	// TextEnrichedOnly renders text/enriched.
	TextEnrichedOnly MimeFormat = 3
	// TextEnrichedAndTextAlternative renders multipart/alternative of plain
	// and enriched.
	TextEnrichedAndTextAlternative MimeFormat = 4
	// BestBodyFormat renders the stored native body (the default).
	BestBodyFormat MimeFormat = 5
	// TNEF renders application/ms-tnef.
	TNEF MimeFormat = 6
)

func mimeFormatSpec() enumSpec {
	return enumSpec{"MimeTextFormat", 0, []string{"TextOnly", "HtmlOnly", "HtmlAndTextAlternative",
		"TextEnrichedOnly", "TextEnrichedAndTextAlternative", "BestBodyFormat", "Tnef"}}
}

// ParseMimeFormat parses a name or number.
func ParseMimeFormat(s string) (MimeFormat, error) { return parseEnum[MimeFormat](mimeFormatSpec(), s) }

// String returns the name, e.g. BestBodyFormat.
func (v MimeFormat) String() string { return mimeFormatSpec().name(int(v)) }

// Valid reports whether v is a defined value.
func (v MimeFormat) Valid() bool { return mimeFormatSpec().valid(int(v)) }

// MarshalText encodes the name.
func (v MimeFormat) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// UnmarshalText decodes a name or number.
func (v *MimeFormat) UnmarshalText(b []byte) error { return unmarshalEnum(mimeFormatSpec(), b, v) }

// SortOrder is MessageRetrievalSortOrder: the order of the POP3 drop.
type SortOrder int

// The SortOrder values.
const (
	// SortAscending lists the oldest message first (the default).
	SortAscending SortOrder = 0
	// SortDescending lists the newest message first.
	SortDescending SortOrder = 1
)

func sortOrderSpec() enumSpec {
	return enumSpec{"SortOrder", 0, []string{"Ascending", "Descending"}}
}

// ParseSortOrder parses a name or number.
func ParseSortOrder(s string) (SortOrder, error) { return parseEnum[SortOrder](sortOrderSpec(), s) }

// String returns the name, e.g. Ascending.
func (v SortOrder) String() string { return sortOrderSpec().name(int(v)) }

// Valid reports whether v is a defined value.
func (v SortOrder) Valid() bool { return sortOrderSpec().valid(int(v)) }

// MarshalText encodes the name.
func (v SortOrder) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// UnmarshalText decodes a name or number.
func (v *SortOrder) UnmarshalText(b []byte) error { return unmarshalEnum(sortOrderSpec(), b, v) }

// ExtendedProtectionPolicy is Exchange's ExtendedProtectionTokenCheckingMode:
// channel binding for NTLM/Kerberos.
type ExtendedProtectionPolicy int

// The ExtendedProtectionPolicy values.
const (
	// ExtendedProtectionNone does not use channel binding (the default).
	ExtendedProtectionNone ExtendedProtectionPolicy = 0
	// ExtendedProtectionAllow uses channel binding when the client does.
	ExtendedProtectionAllow ExtendedProtectionPolicy = 1
	// ExtendedProtectionRequire rejects connections without channel binding.
	ExtendedProtectionRequire ExtendedProtectionPolicy = 2
)

func extendedProtectionSpec() enumSpec {
	return enumSpec{"ExtendedProtectionTokenCheckingMode", 0, []string{"None", "Allow", "Require"}}
}

// ParseExtendedProtectionPolicy parses a name or number.
func ParseExtendedProtectionPolicy(s string) (ExtendedProtectionPolicy, error) {
	return parseEnum[ExtendedProtectionPolicy](extendedProtectionSpec(), s)
}

// String returns the name, e.g. None.
func (v ExtendedProtectionPolicy) String() string { return extendedProtectionSpec().name(int(v)) }

// Valid reports whether v is a defined value.
func (v ExtendedProtectionPolicy) Valid() bool { return extendedProtectionSpec().valid(int(v)) }

// MarshalText encodes the name.
func (v ExtendedProtectionPolicy) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// UnmarshalText decodes a name or number.
func (v *ExtendedProtectionPolicy) UnmarshalText(b []byte) error {
	return unmarshalEnum(extendedProtectionSpec(), b, v)
}

// RollOver is Exchange's LogFileRollOver: when a protocol log starts a new
// file by time (only while LogPerFileSizeQuota is 0).
type RollOver int

// The RollOver values.
const (
	// RollOverHourly starts a new file every hour (the 2016/2019 default).
	RollOverHourly RollOver = 1
	// RollOverDaily starts a new file every day.
	RollOverDaily RollOver = 2
	// RollOverWeekly starts a new file every week.
	RollOverWeekly RollOver = 3
	// RollOverMonthly starts a new file every month.
	RollOverMonthly RollOver = 4
)

func rollOverSpec() enumSpec {
	return enumSpec{"LogFileRollOver", 1, []string{"Hourly", "Daily", "Weekly", "Monthly"}}
}

// ParseRollOver parses a name or number.
func ParseRollOver(s string) (RollOver, error) { return parseEnum[RollOver](rollOverSpec(), s) }

// String returns the name, e.g. Hourly.
func (v RollOver) String() string { return rollOverSpec().name(int(v)) }

// Valid reports whether v is a defined value.
func (v RollOver) Valid() bool { return rollOverSpec().valid(int(v)) }

// MarshalText encodes the name.
func (v RollOver) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// UnmarshalText decodes a name or number.
func (v *RollOver) UnmarshalText(b []byte) error { return unmarshalEnum(rollOverSpec(), b, v) }

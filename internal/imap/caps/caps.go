// Package caps builds the IMAP4 CAPABILITY list, before logon (package
// imap's frontend) and after it (package imap/backend), from one table,
// so that both states and both settings agree.
//
// Exchange's list (spec §4.2) comes first and in Exchange's order. The
// extensions Postern adds come after it, one entry each; the setting
// AdvertiseExchangeCapabilitiesOnly (config.ProtocolSettings) leaves them
// out. A helper adding an extension adds its name to extensions, and only
// once the extension is complete.
package caps

import (
	"strconv"
	"strings"
)

// exchange is Exchange's list after the login part, in its order.
var exchange = []string{"SASL-IR", "UIDPLUS", "MOVE", "ID", "UNSELECT", "CHILDREN", "IDLE", "NAMESPACE", "LITERAL+"}

// extensions are Postern's additions, advertised unless ExchangeOnly.
var extensions = []string{
	"LIST-EXTENDED",      // RFC 5258
	"LIST-STATUS",        // RFC 5819
	"SPECIAL-USE",        // RFC 6154
	"CREATE-SPECIAL-USE", // RFC 6154 §3
	"STATUS=SIZE",        // RFC 8438
	"ENABLE",             // RFC 5161
	"CONDSTORE",          // RFC 7162 §3.1
	"QRESYNC",            // RFC 7162 §3.2
	"ESEARCH",            // RFC 4731
	"SEARCHRES",          // RFC 5182
	"SORT",               // RFC 5256
	"SORT=DISPLAY",       // RFC 5957
	"ESORT",              // RFC 5267
	"THREAD=ORDEREDSUBJECT",
	"THREAD=REFERENCES", // RFC 5256
	"APPENDLIMIT=" + strconv.Itoa(AppendLimit), // RFC 7889: one limit for every mailbox
}

// AppendLimit is the largest message APPEND stores, in octets (the
// backend's default MaxAppend); a larger one is refused with NO [TOOBIG]
// before its literal is sent.
const AppendLimit = 36 << 20

// Options say which list to build.
type Options struct {
	// Login is the login part after "IMAP4 IMAP4rev1": AUTH=PLAIN or
	// LOGINDISABLED, and STARTTLS where offered.
	Login []string
	// ExchangeOnly advertises Exchange's list only
	// (AdvertiseExchangeCapabilitiesOnly).
	ExchangeOnly bool
}

// List returns the capabilities in order.
func List(o Options) []string {
	out := make([]string, 0, 2+len(o.Login)+len(exchange)+len(extensions))
	out = append(out, "IMAP4", "IMAP4rev1")
	out = append(out, o.Login...)
	out = append(out, exchange...)
	if !o.ExchangeOnly {
		out = append(out, extensions...)
	}
	return out
}

// String returns List joined by spaces, as CAPABILITY sends it.
func String(o Options) string { return strings.Join(List(o), " ") }

// Has reports whether the list for o holds name (case-insensitive).
func Has(o Options, name string) bool {
	for _, c := range List(o) {
		if strings.EqualFold(c, name) {
			return true
		}
	}
	return false
}

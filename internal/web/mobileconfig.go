package web

import (
	"bytes"
	"crypto/rand"
	"encoding/xml"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/postern/postern/internal/config"
	"github.com/postern/postern/internal/directory"
)

// An Apple configuration profile (.mobileconfig): an XML property list
// whose PayloadContent holds one com.apple.mail.managed payload, the mail
// account of the signed-in user (Apple's Device Management reference,
// "Mail"). It is not signed: the device says so when it is installed.

// plistValue is one value of the property list writer: string, int, bool,
// []plistEntry (a dict) or []any (an array).
type plistEntry struct {
	key   string
	value any
}

// writePlist writes v in the XML property list format.
func writePlist(b *bytes.Buffer, v any, indent string) {
	switch v := v.(type) {
	case string:
		b.WriteString(indent + "<string>")
		xml.EscapeText(b, []byte(v))
		b.WriteString("</string>\n")
	case int:
		b.WriteString(indent + "<integer>" + strconv.Itoa(v) + "</integer>\n")
	case bool:
		b.WriteString(indent + "<" + strconv.FormatBool(v) + "/>\n")
	case []plistEntry:
		b.WriteString(indent + "<dict>\n")
		for _, e := range v {
			b.WriteString(indent + "\t<key>")
			xml.EscapeText(b, []byte(e.key))
			b.WriteString("</key>\n")
			writePlist(b, e.value, indent+"\t")
		}
		b.WriteString(indent + "</dict>\n")
	case []any:
		b.WriteString(indent + "<array>\n")
		for _, e := range v {
			writePlist(b, e, indent+"\t")
		}
		b.WriteString(indent + "</array>\n")
	default:
		panic(fmt.Sprintf("web: no plist form for %T", v)) // a bug in this file
	}
}

// newUUID returns a random (version 4) UUID in upper case, as profiles
// write them.
func newUUID() string {
	var u [16]byte
	rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return strings.ToUpper(fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:]))
}

// reverseDNS turns mail.contoso.com into com.contoso.mail, the usual form
// of a PayloadIdentifier.
func reverseDNS(name string) string {
	parts := strings.Split(strings.ToLower(name), ".")
	slices.Reverse(parts)
	return strings.Join(parts, ".")
}

// mailPayload builds the com.apple.mail.managed payload; ok is false when
// no incoming server is published. IMAP is preferred to POP, implicit TLS
// to STARTTLS.
func (h *Handler) mailPayload(u directory.User, id string) ([]plistEntry, bool) {
	p := h.o.Published
	kind, list := "EmailTypeIMAP", byPreference(p.IMAP)
	if len(list) == 0 {
		kind, list = "EmailTypePOP", byPreference(p.POP)
	}
	if len(list) == 0 {
		return nil, false
	}
	in := list[0]
	name := u.DisplayName
	if name == "" {
		name = u.Address()
	}
	d := []plistEntry{
		{"PayloadType", "com.apple.mail.managed"},
		{"PayloadVersion", 1},
		{"PayloadIdentifier", id + ".mail"},
		{"PayloadUUID", newUUID()},
		{"PayloadDisplayName", "Mail (" + u.Address() + ")"},
		{"EmailAccountDescription", u.Address()},
		{"EmailAccountName", name},
		{"EmailAccountType", kind},
		{"EmailAddress", u.Address()},
		{"IncomingMailServerAuthentication", "EmailAuthPassword"},
		{"IncomingMailServerHostName", in.Host},
		{"IncomingMailServerPortNumber", in.Port},
		{"IncomingMailServerUseSSL", in.Encryption != config.EncryptionNone},
		{"IncomingMailServerUsername", u.Address()},
	}
	if out := p.SMTP; out != nil {
		d = append(d,
			plistEntry{"OutgoingMailServerAuthentication", "EmailAuthPassword"},
			plistEntry{"OutgoingMailServerHostName", out.Host},
			plistEntry{"OutgoingMailServerPortNumber", out.Port},
			plistEntry{"OutgoingMailServerUseSSL", out.Encryption != config.EncryptionNone},
			plistEntry{"OutgoingMailServerUsername", u.Address()},
			plistEntry{"OutgoingPasswordSameAsIncomingPassword", true})
	}
	return d, true
}

// profile sends the signed-in user's configuration profile.
func (h *Handler) profile(w http.ResponseWriter, r *http.Request) {
	_, u, ok := h.signedIn(w, r)
	if !ok {
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return
	}
	id := reverseDNS(h.o.ServerName) + ".postern." + u.Alias
	mail, ok := h.mailPayload(u, id)
	if !ok {
		http.NotFound(w, r)
		return
	}
	doc := []plistEntry{
		{"PayloadType", "Configuration"},
		{"PayloadVersion", 1},
		{"PayloadIdentifier", id},
		{"PayloadUUID", newUUID()},
		{"PayloadDisplayName", "Mail for " + u.Address()},
		{"PayloadDescription", "Adds the mailbox " + u.Address() + " to Mail. You are asked for your password."},
		{"PayloadOrganization", h.o.ServerName},
		{"PayloadRemovalDisallowed", false},
		{"PayloadContent", []any{mail}},
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString(`<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">` + "\n")
	b.WriteString(`<plist version="1.0">` + "\n")
	writePlist(&b, doc, "")
	b.WriteString("</plist>\n")
	w.Header().Set("Content-Type", "application/x-apple-aspen-config")
	w.Header().Set("Content-Disposition", `attachment; filename="`+fileName(u.Alias)+`.mobileconfig"`)
	w.Write(b.Bytes())
}

// fileName keeps the letters, digits, dots, dashes and underscores of an
// alias for a download's file name ("mail" if none is left).
func fileName(alias string) string {
	n := strings.Map(func(r rune) rune {
		if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_') {
			return r
		}
		return -1
	}, alias)
	if strings.Trim(n, ".") == "" {
		return "mail"
	}
	return n
}

package web

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/postern/postern/internal/config"
)

// Outlook's Autodiscover, the "plain old XML" (POX) form: Outlook POSTs a
// request naming an address and the response schema it accepts, and gets
// the POP3, IMAP and SMTP settings as Protocol elements of an Account
// whose AccountType is email and Action settings (Exchange's Autodiscover
// reference, "POX Autodiscover XML elements").

// The schemas of the request and of the two response layers.
const (
	adRequestNS   = "http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"
	adResponseNS  = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"
	adOutlookNS   = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"
	maxADBodySize = 16 << 10
)

// Autodiscover error codes (the Error element's ErrorCode).
const (
	adErrNotFound    = 500 // the address's domain is not served here
	adErrInvalid     = 600 // malformed request
	adErrNoProvider  = 601 // the acceptable response schema is not offered
	adMsgNotFound    = "The email address can't be found."
	adMsgInvalid     = "Invalid Request"
	adMsgNoProvider  = "Provider is not available."
	maxAddressLength = 320
)

// adRequest is the request document.
type adRequest struct {
	XMLName xml.Name `xml:"Autodiscover"`
	Request struct {
		EMailAddress             string `xml:"EMailAddress"`
		AcceptableResponseSchema string `xml:"AcceptableResponseSchema"`
	} `xml:"Request"`
}

// errBadRequest is a request document that cannot be used.
var errBadRequest = errors.New("web: invalid Autodiscover request")

// parseAutodiscover reads a request document: its root must be
// Autodiscover in the request schema, with one address of at most 320
// characters. It returns the address and the acceptable response schema.
func parseAutodiscover(r io.Reader) (address, schema string, err error) {
	var req adRequest
	d := xml.NewDecoder(r)
	d.Strict = true
	if err := d.Decode(&req); err != nil {
		return "", "", errBadRequest
	}
	if req.XMLName.Space != adRequestNS {
		return "", "", errBadRequest
	}
	address = strings.TrimSpace(req.Request.EMailAddress)
	if address == "" || len(address) > maxAddressLength || !strings.Contains(address, "@") {
		return "", "", errBadRequest
	}
	return address, strings.TrimSpace(req.Request.AcceptableResponseSchema), nil
}

// The response documents.
type adResponseDoc struct {
	XMLName  xml.Name `xml:"Autodiscover"`
	NS       string   `xml:"xmlns,attr"`
	Response any
}

type adSettings struct {
	XMLName xml.Name `xml:"Response"`
	NS      string   `xml:"xmlns,attr"`
	Account adAccount
}

type adAccount struct {
	XMLName     xml.Name `xml:"Account"`
	AccountType string
	Action      string
	Protocols   []adProtocol `xml:"Protocol"`
}

type adProtocol struct {
	Type           string
	Server         string
	Port           int
	LoginName      string
	DomainRequired string
	SPA            string
	SSL            string
	Encryption     string
	AuthRequired   string
	UsePOPAuth     string `xml:",omitempty"`
	SMTPLast       string `xml:",omitempty"`
}

type adErrorResponse struct {
	XMLName xml.Name `xml:"Response"`
	Error   struct {
		Time      string `xml:"Time,attr"`
		ID        uint32 `xml:"Id,attr"`
		ErrorCode int
		Message   string
		DebugData string
	}
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// adProtocols turns the shown entries (spec §7) into Protocol elements.
func adProtocols(kind, login string, list []config.ConnectionSetting) []adProtocol {
	var out []adProtocol
	for _, c := range byPreference(shown(list)) {
		p := adProtocol{Type: kind, Server: c.Host, Port: c.Port, LoginName: login, DomainRequired: "off",
			SPA: "off", SSL: onOff(c.Encryption != config.EncryptionNone), Encryption: "None", AuthRequired: "on"}
		switch c.Encryption {
		case config.EncryptionSSL:
			p.Encryption = "SSL"
		case config.EncryptionTLS:
			p.Encryption = "TLS"
		}
		if kind == "SMTP" {
			p.UsePOPAuth, p.SMTPLast = "on", "off"
		}
		out = append(out, p)
	}
	return out
}

// autodiscover answers a POX request. Any address of an accepted domain
// gets the same settings (with itself as LoginName), so the answer tells
// nothing about which mailboxes exist.
func (h *Handler) autodiscover(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		h.adError(w, adErrInvalid, adMsgInvalid)
		return
	}
	address, schema, err := parseAutodiscover(http.MaxBytesReader(w, r.Body, maxADBodySize))
	if err != nil {
		h.adError(w, adErrInvalid, adMsgInvalid)
		return
	}
	if schema != adOutlookNS {
		h.adError(w, adErrNoProvider, adMsgNoProvider)
		return
	}
	p := h.o.Published
	if !h.accepted(r.Context(), addressDomain(address)) || (!p.hasIncoming() && p.SMTP == nil) {
		h.adError(w, adErrNotFound, adMsgNotFound)
		return
	}
	acc := adAccount{AccountType: "email", Action: "settings"}
	acc.Protocols = append(adProtocols("IMAP", address, p.IMAP), adProtocols("POP3", address, p.POP)...)
	if p.SMTP != nil {
		acc.Protocols = append(acc.Protocols, adProtocols("SMTP", address, []config.ConnectionSetting{*p.SMTP})...)
	}
	writeXML(w, h, "text/xml", adResponseDoc{NS: adResponseNS, Response: adSettings{NS: adOutlookNS, Account: acc}})
}

// adError answers with an Autodiscover Error element.
func (h *Handler) adError(w http.ResponseWriter, code int, msg string) {
	var e adErrorResponse
	var id [4]byte
	rand.Read(id[:])
	e.Error.Time, e.Error.ID = h.o.Now().UTC().Format("15:04:05.0000000"), binary.BigEndian.Uint32(id[:])
	e.Error.ErrorCode, e.Error.Message = code, msg
	writeXML(w, h, "text/xml", adResponseDoc{NS: adResponseNS, Response: e})
}

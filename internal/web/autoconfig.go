package web

import (
	"encoding/xml"
	"net/http"

	"github.com/postern/postern/internal/config"
)

// Thunderbird's autoconfig document, clientConfig version 1.1 (the format
// of the Mozilla wiki page "Thunderbird:Autoconfiguration:ConfigFileFormat").
// Thunderbird asks https://autoconfig.<domain>/mail/config-v1.1.xml?
// emailaddress=<address> and https://<domain>/.well-known/autoconfig/mail/
// config-v1.1.xml; both are answered here, from Published.

type clientConfig struct {
	XMLName  xml.Name      `xml:"clientConfig"`
	Version  string        `xml:"version,attr"`
	Provider emailProvider `xml:"emailProvider"`
}

type emailProvider struct {
	ID               string     `xml:"id,attr"`
	Domain           string     `xml:"domain"`
	DisplayName      string     `xml:"displayName"`
	DisplayShortName string     `xml:"displayShortName"`
	Incoming         []acServer `xml:"incomingServer"`
	Outgoing         []acServer `xml:"outgoingServer"`
}

type acServer struct {
	Type           string `xml:"type,attr"`
	Hostname       string `xml:"hostname"`
	Port           int    `xml:"port"`
	SocketType     string `xml:"socketType"`
	Authentication string `xml:"authentication"`
	Username       string `xml:"username"`
}

// socketType names an encryption as autoconfig does.
func socketType(e config.Encryption) string {
	switch e {
	case config.EncryptionSSL:
		return "SSL"
	case config.EncryptionTLS:
		return "STARTTLS"
	}
	return "plain"
}

func acServers(kind string, list []config.ConnectionSetting) []acServer {
	var out []acServer
	for _, c := range byPreference(list) {
		out = append(out, acServer{Type: kind, Hostname: c.Host, Port: c.Port, SocketType: socketType(c.Encryption),
			// Plain text over the channel; the server accepts it only
			// under TLS unless LoginType says otherwise.
			Authentication: "password-cleartext", Username: "%EMAILADDRESS%"})
	}
	return out
}

// autoconfig answers the same document for every address of an accepted
// domain (whether the mailbox exists is not told), and 404 for other
// domains or when nothing is published.
func (h *Handler) autoconfig(w http.ResponseWriter, r *http.Request) {
	domain := hostDomain(r.Host)
	if a := r.URL.Query().Get("emailaddress"); a != "" {
		domain = addressDomain(a)
	}
	p := h.o.Published
	if !p.hasIncoming() || !h.accepted(r.Context(), domain) {
		http.NotFound(w, r)
		return
	}
	prov := emailProvider{ID: domain, Domain: domain, DisplayName: domain + " mail (Postern)", DisplayShortName: domain,
		// IMAP first: Thunderbird proposes the first server it can reach.
		Incoming: append(acServers("imap", p.IMAP), acServers("pop3", p.POP)...)}
	if p.SMTP != nil {
		prov.Outgoing = acServers("smtp", []config.ConnectionSetting{*p.SMTP})
	}
	writeXML(w, h, "application/xml", clientConfig{Version: "1.1", Provider: prov})
}

// writeXML writes v as an XML document.
func writeXML(w http.ResponseWriter, h *Handler, contentType string, v any) {
	b, err := xml.MarshalIndent(v, "", "  ")
	if err != nil {
		h.o.Logger.Error("encoding an XML document", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentType+"; charset=utf-8")
	w.Write([]byte(xml.Header))
	w.Write(b)
	w.Write([]byte("\n"))
}

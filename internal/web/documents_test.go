package web

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// The autoconfig document as Thunderbird reads it (element names of
// clientConfig version 1.1).
type tbConfig struct {
	XMLName  xml.Name `xml:"clientConfig"`
	Version  string   `xml:"version,attr"`
	Provider []struct {
		ID       string     `xml:"id,attr"`
		Domain   []string   `xml:"domain"`
		Display  string     `xml:"displayName"`
		Short    string     `xml:"displayShortName"`
		Incoming []tbServer `xml:"incomingServer"`
		Outgoing []tbServer `xml:"outgoingServer"`
	} `xml:"emailProvider"`
}

type tbServer struct {
	Type           string `xml:"type,attr"`
	Hostname       string `xml:"hostname"`
	Port           int    `xml:"port"`
	SocketType     string `xml:"socketType"`
	Authentication string `xml:"authentication"`
	Username       string `xml:"username"`
}

func (s tbServer) String() string {
	return fmt.Sprintf("%s %s:%d %s %s %s", s.Type, s.Hostname, s.Port, s.SocketType, s.Authentication, s.Username)
}

// TestAutoconfig: both of Thunderbird's URLs give a valid document for
// any address of an accepted domain, the same for an address that exists
// and one that does not; other domains get 404.
func TestAutoconfig(t *testing.T) {
	t.Parallel()
	smtp := cs(t, "mail.test:587:TLS")
	site := startSite(t, Options{Published: Published{
		POP: css(t, "mail.test:110:TLS", "mail.test:995:SSL"), IMAP: css(t, "mail.test:993:SSL"), SMTP: &smtp,
	}})
	c := site.browser()
	resp, doc := site.get(c, "/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=alice%40mail.test")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/xml") {
		t.Fatalf("%s %s\n%s", resp.Status, resp.Header.Get("Content-Type"), doc)
	}
	var cfg tbConfig
	d := xml.NewDecoder(strings.NewReader(doc))
	d.Strict = true
	if err := d.Decode(&cfg); err != nil {
		t.Fatalf("%v\n%s", err, doc)
	}
	if cfg.Version != "1.1" || len(cfg.Provider) != 1 {
		t.Fatalf("clientConfig %+v", cfg)
	}
	p := cfg.Provider[0]
	if p.ID != "mail.test" || len(p.Domain) != 1 || p.Domain[0] != "mail.test" || p.Display == "" || p.Short == "" {
		t.Errorf("emailProvider %+v", p)
	}
	var in, out []string
	for _, s := range p.Incoming {
		in = append(in, s.String())
	}
	for _, s := range p.Outgoing {
		out = append(out, s.String())
	}
	wantIn := []string{
		"imap mail.test:993 SSL password-cleartext %EMAILADDRESS%",
		"pop3 mail.test:995 SSL password-cleartext %EMAILADDRESS%",
		"pop3 mail.test:110 STARTTLS password-cleartext %EMAILADDRESS%",
	}
	if strings.Join(in, "\n") != strings.Join(wantIn, "\n") {
		t.Errorf("incoming servers:\n%s\nwant\n%s", strings.Join(in, "\n"), strings.Join(wantIn, "\n"))
	}
	if strings.Join(out, "") != "smtp mail.test:587 STARTTLS password-cleartext %EMAILADDRESS%" {
		t.Errorf("outgoing servers: %v", out)
	}
	// The other URL, an address that does not exist, another spelling.
	for _, path := range []string{"/mail/config-v1.1.xml?emailaddress=nobody%40mail.test", "/mail/config-v1.1.xml?emailaddress=Alice%40MAIL.TEST"} {
		_, other := site.get(c, path)
		if other != doc {
			t.Errorf("%s differs:\n%s", path, other)
		}
	}
	for _, path := range []string{"/mail/config-v1.1.xml?emailaddress=alice%40example.org", "/mail/config-v1.1.xml?emailaddress=nodomain", "/mail/config-v1.1.xml"} {
		if r, _ := site.get(c, path); r.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %s", path, r.Status)
		}
	}
	// Without an address, the Host names the domain (autoconfig.<domain>).
	req, _ := http.NewRequest("GET", site.srv.URL+"/.well-known/autoconfig/mail/config-v1.1.xml", nil)
	req.Host = "autoconfig.mail.test"
	r, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if body := readBody(t, r); r.StatusCode != http.StatusOK || body != doc {
		t.Errorf("by Host: %s\n%s", r.Status, body)
	}
}

// TestAutoconfigNothingPublished: with no POP3 or IMAP4 endpoint there is
// nothing to configure.
func TestAutoconfigNothingPublished(t *testing.T) {
	t.Parallel()
	site := startSite(t, Options{})
	if r, _ := site.get(site.browser(), "/mail/config-v1.1.xml?emailaddress=alice%40mail.test"); r.StatusCode != http.StatusNotFound {
		t.Errorf("%s", r.Status)
	}
}

// The Autodiscover response as Outlook reads it.
type odResponse struct {
	XMLName  xml.Name `xml:"http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006 Autodiscover"`
	Response struct {
		XMLName xml.Name
		Account struct {
			AccountType string
			Action      string
			Protocol    []struct {
				Type, Server, LoginName, DomainRequired, SPA, SSL, Encryption, AuthRequired string
				Port                                                                        int
			}
		}
		Error *struct {
			ErrorCode int
			Message   string
		}
	}
}

func adRequestDoc(address, schema string) string {
	return `<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">
  <Request>
    <EMailAddress>` + address + `</EMailAddress>
    <AcceptableResponseSchema>` + schema + `</AcceptableResponseSchema>
  </Request>
</Autodiscover>`
}

func (s *testSite) autodiscover(path, body string) (odResponse, string) {
	s.t.Helper()
	resp, err := s.browser().Post(s.srv.URL+path, "text/xml", strings.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	doc := readBody(s.t, resp)
	var r odResponse
	d := xml.NewDecoder(strings.NewReader(doc))
	d.Strict = true
	if err := d.Decode(&r); err != nil {
		s.t.Fatalf("%v\n%s", err, doc)
	}
	return r, doc
}

// TestAutodiscover: a POX request gets the shown POP3/IMAP/SMTP settings
// (spec §7), in the 2006a schema; errors use Autodiscover's codes; an
// unknown address of an accepted domain gets the same settings.
func TestAutodiscover(t *testing.T) {
	t.Parallel()
	smtp := cs(t, "smtp.mail.test:587:TLS")
	site := startSite(t, Options{Published: Published{
		POP: css(t, "mail.test:995:SSL", "mail.test:110:TLS"), IMAP: css(t, "mail.test:143:TLS"), SMTP: &smtp,
	}})
	r, doc := site.autodiscover("/autodiscover/autodiscover.xml", adRequestDoc("alice@mail.test", adOutlookNS))
	if r.Response.XMLName.Space != adOutlookNS || r.Response.Error != nil {
		t.Fatalf("response:\n%s", doc)
	}
	a := r.Response.Account
	if a.AccountType != "email" || a.Action != "settings" {
		t.Errorf("account %+v", a)
	}
	var got []string
	for _, p := range a.Protocol {
		got = append(got, fmt.Sprintf("%s %s:%d SSL=%s Encryption=%s Login=%s SPA=%s AuthRequired=%s DomainRequired=%s",
			p.Type, p.Server, p.Port, p.SSL, p.Encryption, p.LoginName, p.SPA, p.AuthRequired, p.DomainRequired))
	}
	want := []string{
		"IMAP mail.test:143 SSL=on Encryption=TLS Login=alice@mail.test SPA=off AuthRequired=on DomainRequired=off",
		"POP3 mail.test:995 SSL=on Encryption=SSL Login=alice@mail.test SPA=off AuthRequired=on DomainRequired=off",
		"SMTP smtp.mail.test:587 SSL=on Encryption=TLS Login=alice@mail.test SPA=off AuthRequired=on DomainRequired=off",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("protocols:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	_, other := site.autodiscover("/Autodiscover/Autodiscover.xml", adRequestDoc("nobody@mail.test", adOutlookNS))
	if strings.ReplaceAll(other, "nobody@", "alice@") != doc {
		t.Errorf("an unknown address is answered differently:\n%s", other)
	}

	errs := []struct {
		name, body string
		code       int
	}{
		{"unknown domain", adRequestDoc("alice@example.org", adOutlookNS), adErrNotFound},
		{"other schema", adRequestDoc("alice@mail.test", "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006"), adErrNoProvider},
		{"not XML", "hello", adErrInvalid},
		{"wrong root namespace", strings.Replace(adRequestDoc("alice@mail.test", adOutlookNS), "requestschema", "other", 1), adErrInvalid},
		{"no address", adRequestDoc("", adOutlookNS), adErrInvalid},
		{"too long", adRequestDoc(strings.Repeat("a", 400)+"@mail.test", adOutlookNS), adErrInvalid},
		{"too big", strings.Replace(adRequestDoc("alice@mail.test", adOutlookNS), "<Request>", "<Request>"+strings.Repeat(" ", maxADBodySize), 1), adErrInvalid},
	}
	for _, e := range errs {
		r, doc := site.autodiscover("/autodiscover/autodiscover.xml", e.body)
		if r.Response.Error == nil || r.Response.Error.ErrorCode != e.code || r.Response.Error.Message == "" {
			t.Errorf("%s: want error %d:\n%s", e.name, e.code, doc)
		}
	}
	resp, doc := site.get(site.browser(), "/autodiscover/autodiscover.xml")
	if !strings.Contains(doc, "<ErrorCode>600</ErrorCode>") {
		t.Errorf("GET: %s\n%s", resp.Status, doc)
	}
}

// TestParseAutodiscoverByteAtATime: the request parser reads a document
// that arrives one byte at a time.
func TestParseAutodiscoverByteAtATime(t *testing.T) {
	t.Parallel()
	addr, schema, err := parseAutodiscover(&oneByte{strings.NewReader(adRequestDoc(" alice@mail.test ", adOutlookNS))})
	if err != nil || addr != "alice@mail.test" || schema != adOutlookNS {
		t.Errorf("%q %q %v", addr, schema, err)
	}
}

type oneByte struct{ r io.Reader }

func (o *oneByte) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return o.r.Read(p[:1])
}

// FuzzAutodiscover: the request parser never panics, and what it accepts
// is a usable address.
func FuzzAutodiscover(f *testing.F) {
	f.Add(adRequestDoc("alice@mail.test", adOutlookNS))
	f.Add(adRequestDoc("a@b", ""))
	f.Add(`<Autodiscover xmlns="` + adRequestNS + `"><Request><EMailAddress>x@y</EMailAddress><Request></Autodiscover>`)
	f.Add("<a><b><c>")
	f.Add(`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "&e;">]><Autodiscover/>`)
	f.Fuzz(func(t *testing.T, doc string) {
		addr, _, err := parseAutodiscover(io.LimitReader(bytes.NewReader([]byte(doc)), maxADBodySize))
		if err != nil {
			return
		}
		if addr == "" || len(addr) > maxAddressLength || !strings.Contains(addr, "@") || strings.TrimSpace(addr) != addr {
			t.Errorf("accepted address %q", addr)
		}
	})
}

package web

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// decodePlist reads an XML property list (test oracle: dict, array,
// string, integer, true, false) into maps, slices and scalars.
func decodePlist(doc string) (any, error) {
	d := xml.NewDecoder(strings.NewReader(doc))
	d.Strict = true
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, err
		}
		if se, ok := tok.(xml.StartElement); ok {
			if se.Name.Local != "plist" {
				return nil, fmt.Errorf("root %s", se.Name.Local)
			}
			return plistValue(d, nil)
		}
	}
}

// plistValue reads the next value; start is its element when already read.
func plistValue(d *xml.Decoder, start *xml.StartElement) (any, error) {
	for start == nil {
		tok, err := d.Token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			start = &t
		case xml.EndElement:
			return nil, errEnd
		}
	}
	switch start.Name.Local {
	case "dict":
		m := map[string]any{}
		for {
			var key string
			tok, err := nextStart(d)
			if errors.Is(err, errEnd) {
				return m, nil
			}
			if err != nil {
				return nil, err
			}
			if tok.Name.Local != "key" {
				return nil, fmt.Errorf("dict holds <%s> where a key belongs", tok.Name.Local)
			}
			if err := d.DecodeElement(&key, &tok); err != nil {
				return nil, err
			}
			v, err := plistValue(d, nil)
			if err != nil {
				return nil, fmt.Errorf("value of %s: %w", key, err)
			}
			if _, dup := m[key]; dup {
				return nil, fmt.Errorf("key %s twice", key)
			}
			m[key] = v
		}
	case "array":
		var a []any
		for {
			v, err := plistValue(d, nil)
			if errors.Is(err, errEnd) {
				return a, nil
			}
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
	case "string":
		var s string
		return s, d.DecodeElement(&s, start)
	case "integer":
		var s string
		if err := d.DecodeElement(&s, start); err != nil {
			return nil, err
		}
		return strconv.Atoi(s)
	case "true", "false":
		return start.Name.Local == "true", d.Skip()
	}
	return nil, fmt.Errorf("unknown plist element %s", start.Name.Local)
}

var errEnd = errors.New("end of container")

func nextStart(d *xml.Decoder) (xml.StartElement, error) {
	for {
		tok, err := d.Token()
		if err != nil {
			return xml.StartElement{}, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return t, nil
		case xml.EndElement:
			return xml.StartElement{}, errEnd
		}
	}
}

var uuidRE = regexp.MustCompile(`^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$`)

// TestProfile: the signed-in user downloads a configuration profile with
// one com.apple.mail.managed payload for their own address, IMAP over SSL
// preferred, SMTP when advertised.
func TestProfile(t *testing.T) {
	t.Parallel()
	smtp := cs(t, "smtp.mail.test:587:TLS")
	site := startSite(t, Options{Published: Published{
		POP: css(t, "mail.test:995:SSL"), IMAP: css(t, "mail.test:143:TLS", "mail.test:993:SSL"), SMTP: &smtp,
	}})
	if r, _ := site.get(site.browser(), "/profile.mobileconfig"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("without a session: %s", r.Status)
	}
	c, page := site.settingsPage("alice@mail.test", "secret1")
	if !strings.Contains(page, `href="/profile.mobileconfig"`) {
		t.Error("the page has no profile link")
	}
	resp, doc := site.get(c, "/profile.mobileconfig")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/x-apple-aspen-config" ||
		resp.Header.Get("Content-Disposition") != `attachment; filename="alice.mobileconfig"` {
		t.Fatalf("%s %v", resp.Status, resp.Header)
	}
	if !strings.Contains(doc, `<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN"`) {
		t.Error("no plist DOCTYPE")
	}
	v, err := decodePlist(doc)
	if err != nil {
		t.Fatalf("%v\n%s", err, doc)
	}
	top := v.(map[string]any)
	for k, want := range map[string]any{"PayloadType": "Configuration", "PayloadVersion": 1, "PayloadIdentifier": "test.mail.postern.alice", "PayloadRemovalDisallowed": false} {
		if top[k] != want {
			t.Errorf("%s = %v, want %v", k, top[k], want)
		}
	}
	content, _ := top["PayloadContent"].([]any)
	if len(content) != 1 {
		t.Fatalf("PayloadContent %v", top["PayloadContent"])
	}
	mail := content[0].(map[string]any)
	want := map[string]any{
		"PayloadType": "com.apple.mail.managed", "PayloadVersion": 1, "PayloadIdentifier": "test.mail.postern.alice.mail",
		"EmailAccountType": "EmailTypeIMAP", "EmailAddress": "alice@mail.test", "EmailAccountName": "Alice Liddell",
		"IncomingMailServerHostName": "mail.test", "IncomingMailServerPortNumber": 993, "IncomingMailServerUseSSL": true,
		"IncomingMailServerUsername": "alice@mail.test", "IncomingMailServerAuthentication": "EmailAuthPassword",
		"OutgoingMailServerHostName": "smtp.mail.test", "OutgoingMailServerPortNumber": 587, "OutgoingMailServerUseSSL": true,
		"OutgoingMailServerUsername": "alice@mail.test", "OutgoingMailServerAuthentication": "EmailAuthPassword",
		"OutgoingPasswordSameAsIncomingPassword": true,
	}
	for k, w := range want {
		if mail[k] != w {
			t.Errorf("%s = %v, want %v", k, mail[k], w)
		}
	}
	for _, m := range []map[string]any{top, mail} {
		if u, _ := m["PayloadUUID"].(string); !uuidRE.MatchString(u) {
			t.Errorf("PayloadUUID %q", u)
		}
	}
	if top["PayloadUUID"] == mail["PayloadUUID"] {
		t.Error("one UUID for two payloads")
	}
}

// TestProfilePOPOnly: with only POP published the account is POP; with
// nothing published there is no profile.
func TestProfilePOPOnly(t *testing.T) {
	t.Parallel()
	site := startSite(t, Options{Published: Published{POP: css(t, "mail.test:110:TLS")}})
	c, _ := site.settingsPage("bob@mail.test", "secret2")
	_, doc := site.get(c, "/profile.mobileconfig")
	v, err := decodePlist(doc)
	if err != nil {
		t.Fatal(err)
	}
	mail := v.(map[string]any)["PayloadContent"].([]any)[0].(map[string]any)
	if mail["EmailAccountType"] != "EmailTypePOP" || mail["IncomingMailServerPortNumber"] != 110 || mail["EmailAccountName"] != "bob@mail.test" {
		t.Errorf("payload %v", mail)
	}
	if _, ok := mail["OutgoingMailServerHostName"]; ok {
		t.Error("an outgoing server that is not advertised")
	}

	empty := startSite(t, Options{})
	c, page := empty.settingsPage("alice@mail.test", "secret1")
	if strings.Contains(page, "profile.mobileconfig") {
		t.Error("a profile link with nothing published")
	}
	if r, _ := empty.get(c, "/profile.mobileconfig"); r.StatusCode != http.StatusNotFound {
		t.Errorf("profile with nothing published: %s", r.Status)
	}
}

// TestPlistEscaping: values are escaped, so a display name cannot add keys.
func TestPlistEscaping(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	writePlist(&buf, []plistEntry{{"a", `</string><key>evil</key><string>`}, {"n", 3}, {"l", []any{true, "x&y"}}}, "")
	v, err := decodePlist(`<plist version="1.0">` + buf.String() + "</plist>")
	if err != nil {
		t.Fatal(err)
	}
	m := v.(map[string]any)
	if len(m) != 3 || m["a"] != `</string><key>evil</key><string>` || m["n"] != 3 || m["l"].([]any)[1] != "x&y" {
		t.Errorf("%v", m)
	}
}

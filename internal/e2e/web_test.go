package e2e

import (
	"context"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/postern/postern/internal/admin/api"
)

// webSetup starts a server whose web service listens on a free loopback
// port, with POP3 (SSL and TLS), IMAP4 (SSL) published and the Client
// Frontend connector advertised, all through the CLI; it returns the web
// listener and the submission port.
func webSetup(t *testing.T) (in *instance, web, submission string) {
	t.Helper()
	in = serve(t, "")
	in.cli("", "web", "set", "Bindings="+freeLoopbackAddr(t))
	in.cli("", "pop", "set", "ExternalConnectionSettings=mail.test:995:SSL,mail.test:110:TLS")
	in.cli("", "imap", "set", "ExternalConnectionSettings=mail.test:993:SSL")
	in.cli("", "connector", "set", "Client Frontend MAIL", "Bindings="+freeLoopbackAddr(t), "AdvertiseClientSettings=$true")
	in.cli("", "service", "restart", "smtp")
	in.cli("", "service", "restart", "web") // reads what it shows when it starts (spec §7)
	in.cli("secret1\n", "user", "add", "alice@mail.test", "--display-name", "Alice")
	in.cli("", "mailbox", "set", "alice@mail.test", "ImapEnabled=$false")
	var st []api.ServiceStatus
	if err := in.client().Get(context.Background(), "/v1/services", &st); err != nil {
		t.Fatal(err)
	}
	for _, s := range st {
		switch {
		case s.Name == "web" && len(s.Listeners) == 1:
			web = s.Listeners[0]
		case s.Name == "smtp" && len(s.Listeners) > 0:
			submission = port(s.Listeners[0])
		}
	}
	if web == "" || submission == "" {
		t.Fatalf("web or smtp not listening: %+v", st)
	}
	return in, web, submission
}

// TestWebAutoconfigCurl: curl fetches Thunderbird's autoconfig over HTTPS,
// trusting the server's certificate file, by name (SNI mail.test).
func TestWebAutoconfigCurl(t *testing.T) {
	need(t, "curl")
	in, web, submission := webSetup(t)
	p := port(web)
	out := run(t, t.TempDir(), "curl", "-sS", "--fail", "--cacert", in.ca(), "--resolve", "mail.test:"+p+":127.0.0.1",
		"https://mail.test:"+p+"/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=alice%40mail.test")
	var cfg struct {
		Version  string `xml:"version,attr"`
		Provider struct {
			ID       string `xml:"id,attr"`
			Domain   string `xml:"domain"`
			Incoming []struct {
				Type       string `xml:"type,attr"`
				Hostname   string `xml:"hostname"`
				Port       string `xml:"port"`
				SocketType string `xml:"socketType"`
				Username   string `xml:"username"`
			} `xml:"incomingServer"`
			Outgoing []struct {
				Port       string `xml:"port"`
				SocketType string `xml:"socketType"`
			} `xml:"outgoingServer"`
		} `xml:"emailProvider"`
	}
	if err := xml.Unmarshal([]byte(out), &cfg); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var got []string
	for _, s := range cfg.Provider.Incoming {
		got = append(got, s.Type+" "+s.Hostname+":"+s.Port+" "+s.SocketType+" "+s.Username)
	}
	want := "imap mail.test:993 SSL %EMAILADDRESS%|pop3 mail.test:995 SSL %EMAILADDRESS%|pop3 mail.test:110 STARTTLS %EMAILADDRESS%"
	if cfg.Version != "1.1" || cfg.Provider.ID != "mail.test" || cfg.Provider.Domain != "mail.test" || strings.Join(got, "|") != want {
		t.Errorf("autoconfig:\n%s", out)
	}
	if len(cfg.Provider.Outgoing) != 1 || cfg.Provider.Outgoing[0].Port != submission || cfg.Provider.Outgoing[0].SocketType != "STARTTLS" {
		t.Errorf("outgoing server (submission on %s):\n%s", submission, out)
	}
	// Another domain: 404, which curl --fail turns into exit status 22.
	if o, err := runAllowFail(t, "", "curl", "-sS", "--fail", "--cacert", in.ca(), "--resolve", "mail.test:"+p+":127.0.0.1",
		"https://mail.test:"+p+"/mail/config-v1.1.xml?emailaddress=alice%40example.org"); err == nil || !strings.Contains(o, "404") {
		t.Errorf("unknown domain: %v\n%s", err, o)
	}
}

// TestWebBrowser signs in with headless Chromium, reads the settings, signs
// out, and sees the error for a wrong password; screenshots are artifacts.
func TestWebBrowser(t *testing.T) {
	_, web, submission := webSetup(t)
	b := startBrowser(t)
	site := "https://" + web

	b.open(site + "/")
	b.waitURL("/signin")
	if got := b.title(); got != "Sign in – Postern" {
		t.Errorf("title %q", got)
	}
	b.screenshot("signin")

	b.typeInto("#address", "alice@mail.test")
	b.typeInto("#password", "not-her-password")
	b.click("#signin")
	if got := b.text("#signin-error"); !strings.Contains(got, "The email address or password is incorrect") {
		t.Errorf("wrong password shows %q", got)
	}
	b.screenshot("signin-error")

	b.typeInto("#address", "alice@mail.test")
	b.typeInto("#password", "secret1")
	b.click("#signin")
	b.waitURL("/")
	if got := b.text("#user"); got != "alice@mail.test" {
		t.Errorf("signed in as %q", got)
	}
	checks := map[string]string{
		"#POP .server": "mail.test", "#POP .port": "995", "#POP .encryption": "SSL/TLS", "#POP .username": "alice@mail.test",
		"#POP .access": "Enabled for your mailbox",
		"#IMAP .port":  "993", "#IMAP .access": "Disabled for your mailbox — ask your administrator to turn it on",
		"#SMTP .server": "mail.test", "#SMTP .port": submission, "#SMTP .encryption": "STARTTLS",
	}
	for css, want := range checks {
		if got := b.text(css); got != want {
			t.Errorf("%s = %q, want %q", css, got, want)
		}
	}
	if n := b.count("#POP dl"); n != 1 {
		t.Errorf("POP shows %d entries, want only the SSL one (spec §7)", n)
	}
	b.screenshot("settings")
	b.resize(390, 844)
	b.screenshot("settings-phone")
	b.resize(1024, 900)

	b.click("#signout")
	b.waitURL("/signin")
	b.open(site + "/")
	b.waitURL("/signin")
	if n := b.count("#user"); n != 0 {
		t.Error("still signed in after signing out")
	}
}

package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/internal/config"
	"github.com/postern/postern/internal/login"
)

// TestVisibility checks spec §7 each way: empty ExternalConnectionSettings
// show nothing, SSL beside TLS shows only SSL, TLS alone is shown, SMTP
// only while a connector advertises it, and the per-mailbox switches.
func TestVisibility(t *testing.T) {
	t.Parallel()
	smtp := cs(t, "smtp.mail.test:587:TLS")
	cases := []struct {
		name      string
		pub       Published
		want      map[string][]string // section: texts it must hold
		forbidden map[string][]string // section: texts it must not hold
	}{
		{
			name: "nothing published (the default)",
			pub:  Published{},
			want: map[string][]string{
				"POP":  {"POP settings are not published by your administrator."},
				"IMAP": {"IMAP settings are not published by your administrator."},
				"SMTP": {"SMTP settings are not published by your administrator."},
			},
			forbidden: map[string][]string{"POP": {"<dl>"}, "IMAP": {"<dl>"}, "SMTP": {"<dl>"}},
		},
		{
			name: "SSL and TLS both set: only SSL shown; AdvertiseClientSettings on",
			pub:  Published{POP: css(t, "mail.contoso.com:995:SSL", "mail.contoso.com:110:TLS"), IMAP: css(t, "imap.contoso.com:143:TLS", "imap.contoso.com:993:SSL"), SMTP: &smtp},
			want: map[string][]string{
				"POP":  {`<dd class="server">mail.contoso.com</dd>`, `<dd class="port">995</dd>`, `<dd class="encryption">SSL/TLS</dd>`, `<dd class="username">alice@mail.test</dd>`},
				"IMAP": {`<dd class="server">imap.contoso.com</dd>`, `<dd class="port">993</dd>`, `<dd class="encryption">SSL/TLS</dd>`},
				"SMTP": {`<dd class="server">smtp.mail.test</dd>`, `<dd class="port">587</dd>`, `<dd class="encryption">STARTTLS</dd>`, `<dd class="username">alice@mail.test</dd>`},
			},
			forbidden: map[string][]string{"POP": {">110<", "STARTTLS", "not published"}, "IMAP": {">143<", "STARTTLS"}, "SMTP": {"not published"}},
		},
		{
			name: "TLS alone is shown; AdvertiseClientSettings off hides SMTP",
			pub:  Published{POP: css(t, "mail.contoso.com:110:TLS")},
			want: map[string][]string{
				"POP":  {`<dd class="port">110</dd>`, `<dd class="encryption">STARTTLS</dd>`},
				"SMTP": {"SMTP settings are not published by your administrator."},
			},
			forbidden: map[string][]string{"SMTP": {"<dl>"}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			site := startSite(t, Options{Published: tc.pub})
			_, page := site.settingsPage("alice@mail.test", "secret1")
			for sec, texts := range tc.want {
				got := section(t, page, sec)
				for _, w := range texts {
					if !strings.Contains(got, w) {
						t.Errorf("%s section lacks %q:\n%s", sec, w, got)
					}
				}
			}
			for sec, texts := range tc.forbidden {
				got := section(t, page, sec)
				for _, w := range texts {
					if strings.Contains(got, w) {
						t.Errorf("%s section shows %q:\n%s", sec, w, got)
					}
				}
			}
			if strings.Contains(section(t, page, "SMTP"), "for your mailbox") {
				t.Error("SMTP shows a per-mailbox switch it does not have")
			}
		})
	}
}

// TestMailboxAccess: the page says whether POP3 and IMAP4 are enabled for
// the signed-in mailbox (bob has PopEnabled $false).
func TestMailboxAccess(t *testing.T) {
	t.Parallel()
	site := startSite(t, Options{Published: Published{POP: css(t, "mail.test:995:SSL")}})
	_, alice := site.settingsPage("alice@mail.test", "secret1")
	_, bob := site.settingsPage("BOB@mail.test", "secret2")
	if !strings.Contains(section(t, alice, "POP"), `<span class="on">Enabled</span>`) {
		t.Errorf("alice's POP access:\n%s", section(t, alice, "POP"))
	}
	if !strings.Contains(section(t, bob, "POP"), `<span class="off">Disabled</span>`) {
		t.Errorf("bob's POP access:\n%s", section(t, bob, "POP"))
	}
	if !strings.Contains(section(t, bob, "IMAP"), `<span class="on">Enabled</span>`) {
		t.Errorf("bob's IMAP access:\n%s", section(t, bob, "IMAP"))
	}
	if !strings.Contains(bob, `<strong id="user">bob@mail.test</strong>`) {
		t.Error("the page does not name the signed-in address")
	}
}

// TestSignInFailures: a wrong password, an unknown address and a blocked
// built-in account get the same answer, and no session.
func TestSignInFailures(t *testing.T) {
	t.Parallel()
	site := startSite(t, Options{})
	var pages []string
	for _, try := range [][2]string{{"alice@mail.test", "wrong"}, {"nobody@mail.test", "secret1"}, {"administrator@mail.test", "secret3"}, {"Administrator", "secret3"}} {
		c := site.browser()
		resp, page := site.signIn(c, try[0], try[1])
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: status %s", try[0], resp.Status)
		}
		if !strings.Contains(page, msgBadCredentials) || !strings.Contains(page, `role="alert"`) {
			t.Errorf("%s: page lacks the error:\n%s", try[0], page)
		}
		for _, ck := range resp.Cookies() {
			if ck.Name == sessionCookie && ck.MaxAge >= 0 {
				t.Errorf("%s: a session cookie was set", try[0])
			}
		}
		if r, _ := site.get(c, "/"); r.StatusCode != http.StatusSeeOther {
			t.Errorf("%s: / answered %s without a session", try[0], r.Status)
		}
		// The page is the same apart from the fresh token and the echoed address.
		pages = append(pages, strings.ReplaceAll(csrfField.ReplaceAllString(page, ""), try[0], "X"))
	}
	for _, p := range pages[1:] {
		if p != pages[0] {
			t.Errorf("failure pages differ:\n%s\n----\n%s", pages[0], p)
		}
	}
	if site.h.sessions.count() != 0 {
		t.Errorf("%d sessions after failures", site.h.sessions.count())
	}
}

// TestCSRF: a sign-in or sign-out form without the right token is refused.
func TestCSRF(t *testing.T) {
	t.Parallel()
	site := startSite(t, Options{})
	c := site.browser()
	site.get(c, "/signin") // has the pre-session cookie
	for _, token := range []string{"", "forged"} {
		resp, page := site.post(c, "/signin", url.Values{"csrf": {token}, "address": {"alice@mail.test"}, "password": {"secret1"}})
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(page, msgExpired) {
			t.Errorf("sign-in with token %q: %s", token, resp.Status)
		}
	}
	// A token from another browser's page does not match this cookie.
	_, other := site.get(site.browser(), "/signin")
	if resp, _ := site.post(c, "/signin", url.Values{"csrf": {csrfOf(t, other)}, "address": {"alice@mail.test"}, "password": {"secret1"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("sign-in with another browser's token: %s", resp.Status)
	}
	// No cookie at all (a cross-site form post).
	fresh := site.browser()
	if resp, _ := site.post(fresh, "/signin", url.Values{"csrf": {csrfOf(t, other)}, "address": {"alice@mail.test"}, "password": {"secret1"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("sign-in without the cookie: %s", resp.Status)
	}
	if site.h.sessions.count() != 0 {
		t.Fatal("a refused form made a session")
	}

	signed, page := site.settingsPage("alice@mail.test", "secret1")
	if resp, _ := site.post(signed, "/signout", url.Values{"csrf": {"forged"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("sign-out with a forged token: %s", resp.Status)
	}
	if r, _ := site.get(signed, "/"); r.StatusCode != http.StatusOK {
		t.Errorf("the forged sign-out ended the session: %s", r.Status)
	}
	resp, _ := site.post(signed, "/signout", url.Values{"csrf": {csrfOf(t, page)}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin" {
		t.Errorf("sign-out: %s", resp.Status)
	}
}

// TestSessionCookie: the session cookie is Secure, HttpOnly,
// SameSite=Strict, host-only; sign-out deletes the session server-side, so
// the old cookie is worthless.
func TestSessionCookie(t *testing.T) {
	t.Parallel()
	site := startSite(t, Options{})
	c := site.browser()
	resp, _ := site.signIn(c, "alice@mail.test", "secret1")
	var sess *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == sessionCookie {
			sess = ck
		}
	}
	if sess == nil {
		t.Fatal("no session cookie")
	}
	raw := strings.Join(resp.Header.Values("Set-Cookie"), "\n")
	for _, flag := range []string{"Secure", "HttpOnly", "SameSite=Strict", "Path=/"} {
		if !strings.Contains(raw, flag) {
			t.Errorf("cookies lack %s:\n%s", flag, raw)
		}
	}
	if strings.Contains(raw, "Domain=") || len(sess.Value) < 40 {
		t.Errorf("cookie %q", raw)
	}
	_, page := site.get(c, "/")
	site.post(c, "/signout", url.Values{"csrf": {csrfOf(t, page)}})
	// Replaying the old cookie after sign-out.
	req, _ := http.NewRequest("GET", site.srv.URL+"/", nil)
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: sess.Value})
	r, err := site.browser().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusSeeOther {
		t.Errorf("the cookie still works after sign-out: %s", r.Status)
	}
}

// TestSessionExpiry: an idle session ends.
func TestSessionExpiry(t *testing.T) {
	t.Parallel()
	now := time.Now()
	clock := func() time.Time { return now }
	site := startSite(t, Options{Now: clock, SessionIdle: time.Minute})
	c, _ := site.settingsPage("alice@mail.test", "secret1")
	now = now.Add(30 * time.Second)
	if r, _ := site.get(c, "/"); r.StatusCode != http.StatusOK {
		t.Fatalf("before expiry: %s", r.Status)
	}
	now = now.Add(2 * time.Minute)
	if r, _ := site.get(c, "/"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("after expiry: %s", r.Status)
	}
}

// TestSecurityHeaders: every answer carries them, pages, documents and
// errors alike.
func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	site := startSite(t, Options{})
	want := map[string]string{
		"Content-Security-Policy":   "default-src 'self'",
		"X-Content-Type-Options":    "nosniff",
		"X-Frame-Options":           "DENY",
		"Referrer-Policy":           "no-referrer",
		"Strict-Transport-Security": "max-age=",
	}
	for _, path := range []string{"/signin", "/", "/static/style.css", "/no/such/page", "/mail/config-v1.1.xml?emailaddress=a@mail.test", "/autodiscover/autodiscover.xml"} {
		resp, _ := site.get(site.browser(), path)
		for k, v := range want {
			if !strings.Contains(resp.Header.Get(k), v) {
				t.Errorf("%s: %s = %q, want %q", path, k, resp.Header.Get(k), v)
			}
		}
	}
	resp, page := site.get(site.browser(), "/signin")
	for _, w := range []string{`<html lang="en">`, `name="viewport"`, `<label for="address">`, `<label for="password">`, `<h1>`, `autocomplete="current-password"`} {
		if !strings.Contains(page, w) {
			t.Errorf("sign-in page lacks %s", w)
		}
	}
	if resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Errorf("content type %q", resp.Header.Get("Content-Type"))
	}
	if r, _ := site.get(site.browser(), "/no/such/page"); r.StatusCode != http.StatusNotFound {
		t.Errorf("unknown page: %s", r.Status)
	}
}

// TestThrottle: after PerAccountSource failures from one address, even the
// right password is refused from it with the throttling text, before any
// credential check.
func TestThrottle(t *testing.T) {
	t.Parallel()
	site := startSite(t, Options{Throttle: login.NewThrottle(login.ThrottleOptions{PerAccountSource: 3, MaxPenalty: 10 * time.Millisecond})})
	for range 3 {
		if resp, _ := site.signIn(site.browser(), "alice@mail.test", "wrong"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure: %s", resp.Status)
		}
	}
	resp, page := site.signIn(site.browser(), "ALICE@mail.test", "secret1")
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(page, msgThrottled) {
		t.Errorf("throttled sign-in: %s\n%s", resp.Status, page)
	}
	// Another account from the same address is not affected yet.
	if resp, _ := site.signIn(site.browser(), "bob@mail.test", "secret2"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("bob: %s", resp.Status)
	}
}

// TestRemovedUser: a session whose user was removed ends.
func TestRemovedUser(t *testing.T) {
	t.Parallel()
	site := startSite(t, Options{})
	c, _ := site.settingsPage("alice@mail.test", "secret1")
	u, err := site.dir.Lookup(t.Context(), "alice@mail.test")
	if err != nil {
		t.Fatal(err)
	}
	if err := site.dir.RemoveUser(t.Context(), u.ID); err != nil {
		t.Fatal(err)
	}
	if r, _ := site.get(c, "/"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("removed user still signed in: %s", r.Status)
	}
	if site.h.sessions.count() != 0 {
		t.Error("the session was kept")
	}
}

// TestShown is §7's rule on its own.
func TestShown(t *testing.T) {
	t.Parallel()
	got := shown(css(t, "a:110:TLS", "a:995:SSL", "b:995:SSL", "a:110"))
	if len(got) != 2 || got[0].String() != "a:995:SSL" || got[1].String() != "b:995:SSL" {
		t.Errorf("shown = %v", got)
	}
	if got := shown(css(t, "a:110:TLS", "a:110")); len(got) != 2 {
		t.Errorf("shown without SSL = %v", got)
	}
	if got := shown(nil); len(got) != 0 {
		t.Errorf("shown(nil) = %v", got)
	}
	if got := byPreference(css(t, "a:110", "a:110:TLS", "a:995:SSL")); got[0].Encryption != config.EncryptionSSL || got[2].Encryption != config.EncryptionNone {
		t.Errorf("byPreference = %v", got)
	}
}

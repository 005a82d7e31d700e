package web

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/internal/config"
	"github.com/postern/postern/internal/directory"
)

// testDirectory is a real directory (SQLite) with the accepted domain
// mail.test and the users alice (secret1), bob (secret2, POP3 disabled)
// and administrator (secret3).
func testDirectory(t *testing.T) *directory.Directory {
	t.Helper()
	ctx := context.Background()
	d, err := directory.Open(ctx, directory.Options{Path: filepath.Join(t.TempDir(), "directory.db"), Hash: directory.HashParams{MemoryKiB: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	err = d.Init(ctx, directory.InitOptions{
		Server:   directory.Server{Name: "MAIL", FQDN: "mail.test"},
		Domain:   "mail.test",
		Database: directory.Database{Name: "Mailbox Database 01", Path: "db01"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []struct{ addr, pw, name string }{{"alice@mail.test", "secret1", "Alice Liddell"}, {"bob@mail.test", "secret2", ""}, {"administrator@mail.test", "secret3", ""}} {
		if _, err := d.AddUser(ctx, directory.NewUser{Address: u.addr, Password: u.pw, DisplayName: u.name, Database: "Mailbox Database 01"}); err != nil {
			t.Fatal(err)
		}
	}
	bob, err := d.Lookup(ctx, "bob@mail.test")
	if err != nil {
		t.Fatal(err)
	}
	m, err := config.LoadCASMailbox(bob.CAS)
	if err != nil {
		t.Fatal(err)
	}
	m.PopEnabled = false
	doc, _ := json.Marshal(m)
	if err := d.SetCAS(ctx, bob.ID, doc); err != nil {
		t.Fatal(err)
	}
	return d
}

// testSite is a Handler behind a real TLS listener on 127.0.0.1.
type testSite struct {
	t   *testing.T
	h   *Handler
	srv *httptest.Server
	dir *directory.Directory
}

// startSite serves a Handler with o (Accounts filled in) over TLS.
func startSite(t *testing.T, o Options) *testSite {
	t.Helper()
	d := testDirectory(t)
	o.Accounts = d
	if o.ServerName == "" {
		o.ServerName = "mail.test"
	}
	if o.FailureDelay == 0 {
		o.FailureDelay = time.Millisecond
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	h, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return &testSite{t: t, h: h, srv: srv, dir: d}
}

// browser returns a client with its own cookie jar that does not follow
// redirects (the tests look at them).
func (s *testSite) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	tr := s.srv.Client().Transport.(*http.Transport).Clone()
	tr.TLSClientConfig.MinVersion = tls.VersionTLS12
	return &http.Client{Transport: tr, Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// get fetches a path and returns the response with its body read.
func (s *testSite) get(c *http.Client, path string) (*http.Response, string) {
	s.t.Helper()
	resp, err := c.Get(s.srv.URL + path)
	if err != nil {
		s.t.Fatal(err)
	}
	return resp, readBody(s.t, resp)
}

// post sends a form.
func (s *testSite) post(c *http.Client, path string, form url.Values) (*http.Response, string) {
	s.t.Helper()
	resp, err := c.PostForm(s.srv.URL+path, form)
	if err != nil {
		s.t.Fatal(err)
	}
	return resp, readBody(s.t, resp)
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrfOf returns the CSRF token of the form on a page.
func csrfOf(t *testing.T, page string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF field in:\n%s", page)
	}
	return m[1]
}

// signIn opens the sign-in page and posts the form; it returns the answer.
func (s *testSite) signIn(c *http.Client, address, password string) (*http.Response, string) {
	s.t.Helper()
	_, page := s.get(c, "/signin")
	return s.post(c, "/signin", url.Values{"csrf": {csrfOf(s.t, page)}, "address": {address}, "password": {password}})
}

// settingsPage signs in and returns the settings page.
func (s *testSite) settingsPage(address, password string) (*http.Client, string) {
	s.t.Helper()
	c := s.browser()
	resp, body := s.signIn(c, address, password)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		s.t.Fatalf("sign-in as %s: %s\n%s", address, resp.Status, body)
	}
	resp, page := s.get(c, "/")
	if resp.StatusCode != http.StatusOK {
		s.t.Fatalf("settings page: %s", resp.Status)
	}
	return c, page
}

// section returns the part of the settings page about one protocol.
func section(t *testing.T, page, name string) string {
	t.Helper()
	start := strings.Index(page, `<section class="card" id="`+name+`"`)
	if start < 0 {
		t.Fatalf("no %s section in:\n%s", name, page)
	}
	end := strings.Index(page[start:], "</section>")
	return page[start : start+end]
}

// cs parses a connection setting.
func cs(t *testing.T, text string) config.ConnectionSetting {
	t.Helper()
	c, err := config.ParseConnectionSetting(text)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func css(t *testing.T, texts ...string) []config.ConnectionSetting {
	var out []config.ConnectionSetting
	for _, s := range texts {
		out = append(out, cs(t, s))
	}
	return out
}

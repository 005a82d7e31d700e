package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/postern/postern/internal/admin/api"
	"github.com/postern/postern/internal/server"
	"github.com/postern/postern/internal/testkit"
)

func fetch(t *testing.T, c *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestWebService: the web service serves HTTPS with the server's
// certificate, shows what was published when it started (a restart
// applies changes, spec §7), and advertises the Client Frontend connector
// only with AdvertiseClientSettings $true, at the port it listens on.
func TestWebService(t *testing.T) {
	t.Parallel()
	s := testkit.Start(t, testkit.Options{NoPOP3: true, NoIMAP: true})
	ctx := context.Background()
	st, err := s.Service(ctx, "MSExchangeOWA")
	if err != nil || st.Name != "web" || st.DisplayName != "Postern Web" || st.StartupType != api.Automatic || st.Status != api.Running {
		t.Fatalf("service %+v %v", st, err)
	}
	c := s.WebClient()
	doc := "https://" + s.Web + "/mail/config-v1.1.xml?emailaddress=alice%40mail.test"
	if code, _ := fetch(t, c, doc); code != http.StatusNotFound {
		t.Fatalf("nothing published yet: %d", code)
	}
	s.SetPop(map[string]string{"ExternalConnectionSettings": "mail.test:995:SSL,mail.test:110:TLS"})
	if code, _ := fetch(t, c, doc); code != http.StatusNotFound {
		t.Errorf("a change showed before the web service restarted: %d", code)
	}
	s.RestartWeb()
	code, body := fetch(t, c, "https://"+s.Web+"/mail/config-v1.1.xml?emailaddress=alice%40mail.test")
	if code != http.StatusOK || !strings.Contains(body, "<port>995</port>") || strings.Contains(body, "outgoingServer") {
		t.Fatalf("%d\n%s", code, body)
	}

	s.SetConnector("Client Frontend "+s.Name(), map[string]string{"AdvertiseClientSettings": "$true", "Fqdn": "smtp.mail.test"})
	s.RestartSMTP()
	s.RestartWeb()
	_, body = fetch(t, c, "https://"+s.Web+"/mail/config-v1.1.xml?emailaddress=alice%40mail.test")
	_, sub, _ := strings.Cut(s.Submission, ":")
	want := "<outgoingServer type=\"smtp\">\n      <hostname>smtp.mail.test</hostname>\n      <port>" + sub + "</port>\n      <socketType>STARTTLS</socketType>"
	if !strings.Contains(body, want) {
		t.Errorf("advertised connector: want %q in\n%s", want, body)
	}

	// Sign in through the service with a mailbox password (argon2id in
	// the real directory).
	s.AddUser("alice@mail.test", "secret1")
	_, page := fetch(t, c, "https://"+s.Web+"/signin")
	token := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if token == nil {
		t.Fatalf("no form:\n%s", page)
	}
	req, _ := http.NewRequest("POST", "https://"+s.Web+"/signin", strings.NewReader(url.Values{"csrf": {token[1]}, "address": {"alice@mail.test"}, "password": {"secret1"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: "__Host-postern-signin", Value: token[1]})
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Errorf("sign-in: %s", resp.Status)
	}
}

// TestWebDefaults: a fresh server's web settings are [::]:443 and
// 0.0.0.0:443, on 127.0.0.1 with Local, shifted by PortOffset; the CLI's
// settings are validated.
func TestWebDefaults(t *testing.T) {
	t.Parallel()
	s, err := server.Open(context.Background(), server.Options{
		DataDir: filepath.Join(t.TempDir(), "data"), FQDN: "mail.test", Local: true, PortOffset: 31000,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), HashParams: server.HashParams{MemoryKiB: 1024, Time: 1, Threads: 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	ws, err := s.Web(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ws.Bindings) != 1 || ws.Bindings[0].String() != "127.0.0.1:31443" || ws.X509CertificateName != "mail.test" {
		t.Errorf("defaults %+v", ws)
	}
	for _, bad := range []map[string]string{{"Bindings": "nonsense"}, {"Bindings": ""}, {"Bindings": "127.0.0.1:0"}, {"Colour": "blue"}} {
		if _, err := s.SetWeb(ctx, bad); err == nil {
			t.Errorf("SetWeb(%v) accepted", bad)
		}
	}
	if ws2, _ := s.Web(ctx); ws2.Bindings[0] != ws.Bindings[0] {
		t.Error("a refused change was stored")
	}
	ws, err = s.SetWeb(ctx, map[string]string{"bindings": "[::1]:8443,127.0.0.1:8443", "X509CertificateName": "web.mail.test"})
	if err != nil || len(ws.Bindings) != 2 || ws.X509CertificateName != "web.mail.test" {
		t.Errorf("%+v %v", ws, err)
	}
	// The transport's LmtpBindings refuse port 0 too, storing nothing.
	tr, err := s.Transport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetTransportBindings(ctx, []string{"127.0.0.1:2424", "127.0.0.1:0"}); err == nil ||
		!strings.Contains(err.Error(), "parameter 'LmtpBindings'. The value 127.0.0.1:0 is not in the valid range 1-65535 for the port") {
		t.Errorf("SetTransportBindings(127.0.0.1:0) = %v", err)
	}
	if tr2, _ := s.Transport(ctx); !reflect.DeepEqual(tr2, tr) {
		t.Errorf("a refused transport change was stored: %+v", tr2)
	}
}

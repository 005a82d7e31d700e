package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// browser is headless Chromium driven through chromedriver's W3C WebDriver
// HTTP API (plain JSON over loopback: no Go dependency).
type browser struct {
	t         *testing.T
	base      string // http://127.0.0.1:PORT/session/ID
	artifacts string
}

// w3cElement is the key WebDriver names an element reference with.
const w3cElement = "element-6066-11e4-a52e-4f735466cecf"

// startBrowser starts chromedriver on a free loopback port and opens a
// Chromium session with a fresh profile; both end with the test.
func startBrowser(t *testing.T) *browser {
	t.Helper()
	need(t, "chromium")
	need(t, "chromedriver")
	addr := freeLoopbackAddr(t)
	drv := command(nil, t, "", "chromedriver", "--port="+port(addr), "--allowed-ips=127.0.0.1")
	var drvLog bytes.Buffer
	drv.Stdout, drv.Stderr = &drvLog, &drvLog
	if err := drv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		drv.Process.Kill()
		drv.Wait()
		if t.Failed() {
			t.Logf("chromedriver log:\n%s", drvLog.String())
		}
	})
	root := "http://" + addr
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(root + "/status")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("chromedriver did not start: %v\n%s", err, drvLog.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	profile := t.TempDir()
	caps := map[string]any{"capabilities": map[string]any{"alwaysMatch": map[string]any{
		"browserName":         "chrome",
		"acceptInsecureCerts": true,
		"goog:chromeOptions": map[string]any{
			"binary": "/usr/bin/chromium",
			"args": []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
				"--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-proxy-server",
				"--ignore-certificate-errors", "--user-data-dir=" + profile, "--window-size=1024,900"},
		},
	}}}
	var sess struct {
		SessionID string `json:"sessionId"`
	}
	b := &browser{t: t, base: root}
	b.call("POST", "/session", caps, &sess)
	if sess.SessionID == "" {
		t.Fatal("chromedriver gave no session")
	}
	b.base = root + "/session/" + sess.SessionID
	t.Cleanup(func() { b.call("DELETE", "", nil, nil) })
	b.call("POST", "/timeouts", map[string]any{"implicit": 5000, "pageLoad": 20000}, nil)
	b.artifacts = os.Getenv("POSTERN_ARTIFACTS")
	if b.artifacts == "" {
		dir, err := os.MkdirTemp("", "postern-web-artifacts-")
		if err != nil {
			t.Fatal(err)
		}
		b.artifacts = dir
	}
	return b
}

// call sends one WebDriver command and decodes its "value" into out.
func (b *browser) call(method, path string, body, out any) {
	b.t.Helper()
	var rd io.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		rd = bytes.NewReader(j)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, method, b.base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.t.Fatalf("webdriver %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var env struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(raw, &env); err != nil || resp.StatusCode != http.StatusOK {
		b.t.Fatalf("webdriver %s %s: %s %s", method, path, resp.Status, raw)
	}
	if out != nil {
		if err := json.Unmarshal(env.Value, out); err != nil {
			b.t.Fatalf("webdriver %s %s: %v: %s", method, path, err, raw)
		}
	}
}

func (b *browser) open(url string) { b.call("POST", "/url", map[string]string{"url": url}, nil) }

func (b *browser) url() string {
	var u string
	b.call("GET", "/url", nil, &u)
	return u
}

func (b *browser) title() string {
	var s string
	b.call("GET", "/title", nil, &s)
	return s
}

// find returns the element a CSS selector names (waiting up to the
// implicit timeout).
func (b *browser) find(css string) string {
	b.t.Helper()
	var el map[string]string
	b.call("POST", "/element", map[string]string{"using": "css selector", "value": css}, &el)
	if el[w3cElement] == "" {
		b.t.Fatalf("element %s: %v", css, el)
	}
	return el[w3cElement]
}

// count returns how many elements a selector names, without waiting.
func (b *browser) count(css string) int {
	b.call("POST", "/timeouts", map[string]any{"implicit": 0}, nil)
	defer b.call("POST", "/timeouts", map[string]any{"implicit": 5000}, nil)
	var els []map[string]string
	b.call("POST", "/elements", map[string]string{"using": "css selector", "value": css}, &els)
	return len(els)
}

func (b *browser) text(css string) string {
	var s string
	b.call("GET", "/element/"+b.find(css)+"/text", nil, &s)
	return strings.TrimSpace(s)
}

func (b *browser) typeInto(css, text string) {
	el := b.find(css)
	b.call("POST", "/element/"+el+"/clear", map[string]any{}, nil)
	b.call("POST", "/element/"+el+"/value", map[string]string{"text": text}, nil)
}

func (b *browser) click(css string) {
	b.call("POST", "/element/"+b.find(css)+"/click", map[string]any{}, nil)
}

// resize sets the window's size.
func (b *browser) resize(w, h int) {
	b.call("POST", "/window/rect", map[string]int{"width": w, "height": h}, nil)
}

// screenshot saves the visible page as a PNG artifact and logs its path.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	var data string
	b.call("GET", "/screenshot", nil, &data)
	png, err := base64.StdEncoding.DecodeString(data)
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		b.t.Fatalf("screenshot %s: not a PNG (%v)", name, err)
	}
	path := filepath.Join(b.artifacts, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot: %s", path)
}

// waitURL waits until the page's URL ends with suffix.
func (b *browser) waitURL(suffix string) {
	b.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.HasSuffix(b.url(), suffix) {
		if time.Now().After(deadline) {
			b.t.Fatalf("page is %s, want …%s", b.url(), suffix)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

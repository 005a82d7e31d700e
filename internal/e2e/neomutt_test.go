package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestNeomutt opens the Inbox in a real MUA, in tmux: the index lists
// every message with its RFC 2047 subject decoded, and a whole-folder copy
// lands in a local mbox.
func TestNeomutt(t *testing.T) {
	need(t, "neomutt")
	need(t, "tmux")
	in := serve(t, "")
	in.setup()
	in.setupIMAP()
	in.deliver(2)
	utf8Subject := "From: bob@mail.test\r\nTo: alice@mail.test\r\nSubject: =?UTF-8?B?R3LDvMOfZSBhdXMgWsO8cmljaA==?=\r\n\r\nhallo\r\n"
	if out := in.cli(utf8Subject, "deliver", "--to", "alice@mail.test"); !strings.Contains(out, "delivered") {
		t.Fatal(out)
	}
	dir := t.TempDir()
	mbox := filepath.Join(dir, "copy.mbox")
	rc := fmt.Sprintf(`set imap_user="alice@mail.test"
set imap_pass="secret1"
set certificate_file="%s"
set ssl_verify_host=no
set ssl_force_tls=yes
set header_cache=""
set message_cachedir=""
set confirmappend=no
set confirmcreate=no
set quit=yes
set mbox_type=mbox
set charset="utf-8"
set sort=date-sent
`, filepath.Join(dir, "certs"))
	// neomutt trusts certificates in its certificate_file.
	ca, err := os.ReadFile(in.ca())
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "certs"), ca, 0o600)
	os.WriteFile(filepath.Join(dir, "neomuttrc"), []byte(rc), 0o600)
	session := fmt.Sprintf("postern-nm-%d", os.Getpid())
	url := "imaps://127.0.0.1:" + port(in.IMAPS) + "/INBOX"
	cmd := fmt.Sprintf(`neomutt -n -F %s -f %s -e 'set auto_tag=yes' -e 'push "<tag-pattern>~A<enter><copy-message>%s<enter>"'`,
		filepath.Join(dir, "neomuttrc"), url, mbox)
	run(t, dir, "tmux", "new-session", "-d", "-x", "200", "-y", "50", "-s", session, "env LANG=C.UTF-8 TERM=xterm "+cmd)
	defer exec.Command("tmux", "kill-session", "-t", session).Run()
	var screen string
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		out, _ := exec.Command("tmux", "capture-pane", "-p", "-t", session).CombinedOutput()
		screen = string(out)
		if strings.Contains(screen, "Grüße aus Zürich") && strings.Contains(screen, "e2e message 2") {
			if b, err := os.ReadFile(mbox); err == nil && strings.Count(string(b), "\nFrom ") >= 2 {
				break
			}
		}
		time.Sleep(300 * time.Millisecond)
	}
	if !strings.Contains(screen, "Grüße aus Zürich") || !strings.Contains(screen, "e2e message 1") {
		t.Fatalf("neomutt index:\n%s", screen)
	}
	b, _ := os.ReadFile(mbox)
	if n := strings.Count(string(b), "Subject: "); n != 3 {
		t.Errorf("the copied mbox holds %d messages, want 3:\n%s", n, screen)
	}
}

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestNeomutt opens the Inbox in a real MUA, in tmux: the index lists
// every message with its RFC 2047 subject decoded, and a whole-folder copy
// lands in a local mbox.
// unexpectedPrompt matches the questions a terminal client asks and waits
// on: yes/no, reject/accept, and "does not exist. Create it?".
var unexpectedPrompt = regexp.MustCompile(`\(\[?yes\]?/\[?no\]?\)|\(\[?no\]?/\[?yes\]?\)|\(r\)eject|Create it\?`)

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
	// Every folder neomutt would otherwise look for in the home is named
	// here, under the test's folder.
	mail := filepath.Join(dir, "Mail")
	if err := os.MkdirAll(mail, 0o700); err != nil {
		t.Fatal(err)
	}
	rc := fmt.Sprintf(`set imap_user="alice@mail.test"
set imap_pass="secret1"
set certificate_file="%s"
set ssl_verify_host=no
set ssl_force_tls=yes
set folder="%s"
set spool_file="%s"
set record=""
set postponed="%s"
set header_cache=""
set message_cachedir=""
set confirmappend=no
set confirmcreate=no
set quit=yes
set mbox_type=mbox
set charset="utf-8"
set sort=date-sent
`, filepath.Join(dir, "certs"), mail, filepath.Join(mail, "inbox"), filepath.Join(mail, "postponed"))
	// neomutt trusts certificates in its certificate_file.
	ca, err := os.ReadFile(in.ca())
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "certs"), ca, 0o600)
	os.WriteFile(filepath.Join(dir, "neomuttrc"), []byte(rc), 0o600)
	os.WriteFile(filepath.Join(mail, "inbox"), nil, 0o600)
	// tmux runs its own server (its socket under the private home), so
	// the session gets this test's environment, not a running server's.
	tmux := func(args ...string) *exec.Cmd { return command(nil, t, dir, "tmux", args...) }
	const session = "postern-nm"
	url := "imaps://127.0.0.1:" + port(in.IMAPS) + "/INBOX"
	cmd := fmt.Sprintf(`neomutt -n -F %s -f %s`, filepath.Join(dir, "neomuttrc"), url)
	if out, err := tmux("new-session", "-d", "-x", "200", "-y", "50", "-s", session, "env LANG=C.UTF-8 TERM=xterm "+cmd).CombinedOutput(); err != nil {
		t.Fatalf("tmux: %v\n%s", err, out)
	}
	defer tmux("kill-server").Run()
	screen := func() string {
		out, _ := tmux("capture-pane", "-p", "-t", session).CombinedOutput()
		return string(out)
	}
	keys := func(k ...string) {
		t.Helper()
		if out, err := tmux(append([]string{"send-keys", "-t", session}, k...)...).CombinedOutput(); err != nil {
			t.Fatalf("tmux send-keys: %v\n%s", err, out)
		}
	}
	// waitFor polls until ok holds, as a user waits for the screen; a
	// question the test does not expect fails it at once, with the screen.
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
			if ok() {
				return
			}
			if s := screen(); unexpectedPrompt.MatchString(s) {
				t.Fatalf("neomutt stopped at a question while waiting for %s:\n%s", what, s)
			}
		}
		t.Fatalf("neomutt: no %s:\n%s", what, screen())
	}
	// The index shows every message, the RFC 2047 subject decoded.
	waitFor("index of 3 messages", func() bool {
		s := screen()
		return strings.Contains(s, "Grüße aus Zürich") && strings.Contains(s, "e2e message 1") && strings.Contains(s, "e2e message 2")
	})
	// Tag all (T ~A), then copy the tagged messages (;C) to a local mbox.
	keys("T")
	waitFor("tag prompt", func() bool { return strings.Contains(screen(), "Tag messages matching") })
	keys("~A", "Enter")
	waitFor("3 tagged messages", func() bool { return strings.Contains(screen(), "Tag:3") })
	keys("-l", ";C")
	waitFor("copy prompt", func() bool { return strings.Contains(screen(), "Copy tagged") })
	keys("C-u", mbox, "Enter")
	var b []byte
	waitFor("mbox of 3 messages", func() bool {
		b, _ = os.ReadFile(mbox)
		return strings.Count(string(b), "Subject: ") == 3
	})
	for _, want := range []string{"e2e message 1", "e2e message 2", "=?UTF-8?B?R3LDvMOfZSBhdXMgWsO8cmljaA==?="} {
		if !strings.Contains(string(b), want) {
			t.Errorf("the copied mbox lacks %q", want)
		}
	}
}

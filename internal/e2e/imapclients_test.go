package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// setupIMAP starts the IMAP4 services on free loopback ports, with the CLI.
func (in *instance) setupIMAP() {
	in.t.Helper()
	in.cli("", "imap", "set", "SSLBindings="+freeLoopbackAddr(in.t), "UnencryptedOrTLSBindings="+freeLoopbackAddr(in.t))
	in.cli("", "service", "start", "imap4-backend")
	in.cli("", "service", "start", "imap4")
	in.listeners()
}

func TestPythonImaplib(t *testing.T) {
	need(t, "python3")
	in := serve(t, "")
	in.setup()
	in.setupIMAP()
	in.deliver(3)
	script := `
import imaplib, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[1])
def check(m):
    typ, caps = m.capability()
    assert typ == 'OK' and b'IDLE' in caps[0] and b'UIDPLUS' in caps[0], caps
    assert m.login('alice@mail.test', 'secret1')[0] == 'OK'
    typ, boxes = m.list()
    names = [b.split(b' "/" ')[1] for b in boxes]
    assert names[0] == b'"INBOX"' and b'"Sent Items"' in names, names
    typ, data = m.select('INBOX', readonly=True)
    assert data == [b'3'], data
    typ, data = m.uid('SEARCH', None, 'ALL')
    uids = data[0].split()
    assert len(uids) == 3, data
    for i, uid in enumerate(uids, 1):
        typ, data = m.uid('FETCH', uid, '(BODY.PEEK[])')
        body = data[0][1]
        assert ('Subject: e2e message %d' % i).encode() in body, body
    typ, data = m.search(None, 'SUBJECT', '"message 2"')
    assert data == [b'2'], data
    m.close()
    # APPEND, then find it again.
    typ, data = m.append('Drafts', '(\\Draft)', None, b'Subject: draft\r\n\r\nhi\r\n')
    assert typ == 'OK' and b'APPENDUID' in data[0], data
    typ, data = m.status('Drafts', '(MESSAGES)')
    m.delete('Drafts') if False else None
    m.logout()
# 993, implicit TLS
check(imaplib.IMAP4_SSL('127.0.0.1', int(sys.argv[2]), ssl_context=ctx))
# 143 with STARTTLS; LOGIN is refused before it under SecureLogin.
m = imaplib.IMAP4('127.0.0.1', int(sys.argv[3]))
try:
    m.login('alice@mail.test', 'secret1')
    raise SystemExit('LOGIN accepted before STARTTLS')
except imaplib.IMAP4.error as e:
    assert 'Invalid state' in str(e), e
m.starttls(ssl_context=ctx)
check(m)
print('imaplib ok')
`
	out := run(t, "", "python3", "-c", script, in.ca(), port(in.IMAPS), port(in.IMAP))
	if !strings.Contains(out, "imaplib ok") {
		t.Fatal(out)
	}
}

func TestCurlIMAP(t *testing.T) {
	need(t, "curl")
	in := serve(t, "")
	in.setup()
	in.setupIMAP()
	in.deliver(2)
	base := "imaps://127.0.0.1:" + port(in.IMAPS)
	auth := []string{"-sS", "--cacert", in.ca(), "-u", "alice@mail.test:secret1"}
	list := run(t, "", "curl", append(auth, base+"/")...)
	if !strings.Contains(list, `"INBOX"`) || !strings.Contains(list, `"Junk Email"`) {
		t.Errorf("LIST: %s", list)
	}
	search := run(t, "", "curl", append(auth, base+"/INBOX", "-X", "UID SEARCH ALL")...)
	if strings.TrimSpace(search) != "* SEARCH 1 2" {
		t.Errorf("UID SEARCH: %q", search)
	}
	body := run(t, "", "curl", append(auth, base+"/INBOX;UID=2")...)
	if !strings.HasSuffix(body, testMessage(2)) {
		t.Errorf("UID=2: %q", body)
	}
}

// TestMbsync pulls every folder; a second run transfers nothing.
func TestMbsync(t *testing.T) {
	need(t, "mbsync")
	in := serve(t, "")
	in.setup()
	in.setupIMAP()
	in.deliver(3)
	dir := t.TempDir()
	local := filepath.Join(dir, "mail")
	os.MkdirAll(local, 0o700)
	rc := fmt.Sprintf(`IMAPAccount eco
Host localhost
Port %s
User alice@mail.test
Pass secret1
SSLType IMAPS
CertificateFile %s

IMAPStore eco-remote
Account eco

MaildirStore eco-local
Path %s/
Inbox %s/INBOX
SubFolders Verbatim

Channel eco
Far :eco-remote:
Near :eco-local:
Patterns *
Create Near
Sync Pull
SyncState *
`, port(in.IMAPS), in.ca(), local, local)
	rcPath := filepath.Join(dir, "mbsyncrc")
	os.WriteFile(rcPath, []byte(rc), 0o600)
	out := run(t, dir, "mbsync", "-c", rcPath, "-V", "eco")
	if n := countFiles(t, filepath.Join(local, "INBOX", "new")) + countFiles(t, filepath.Join(local, "INBOX", "cur")); n != 3 {
		t.Fatalf("mbsync pulled %d messages:\n%s", n, out)
	}
	for _, f := range []string{"Drafts", "Sent Items", "Deleted Items", "Junk Email"} {
		if _, err := os.Stat(filepath.Join(local, f)); err != nil {
			t.Errorf("folder %s not created: %v", f, err)
		}
	}
	if strings.Contains(strings.ToLower(out), "warning") {
		t.Errorf("mbsync warned:\n%s", out)
	}
	out = run(t, dir, "mbsync", "-c", rcPath, "-V", "eco")
	if !strings.Contains(out, "far side: 3 messages") && strings.Contains(out, "pulling") {
		t.Logf("second run:\n%s", out)
	}
	if n := countFiles(t, filepath.Join(local, "INBOX", "new")) + countFiles(t, filepath.Join(local, "INBOX", "cur")); n != 3 {
		t.Fatalf("second run changed the count to %d", n)
	}
}

func TestFetchmailIMAP(t *testing.T) {
	need(t, "fetchmail")
	in := serve(t, "")
	in.setup()
	in.setupIMAP()
	in.deliver(2)
	dir := t.TempDir()
	mbox := filepath.Join(dir, "fetchmail.mbox")
	rc := fmt.Sprintf("set no bouncemail\npoll 127.0.0.1 with proto IMAP service %s\n  user \"alice@mail.test\" there with password \"secret1\" is \"root\" here\n  folder INBOX\n  ssl sslcertck sslcommonname \"mail.test\" sslcertfile \"%s\"\n  keep\n  mda \"sh -c 'cat >> %s'\"\n",
		port(in.IMAPS), in.ca(), mbox)
	rcPath := filepath.Join(dir, "fetchmailrc")
	os.WriteFile(rcPath, []byte(rc), 0o600)
	run(t, dir, "fetchmail", "-f", rcPath, "--nodetach")
	got, _ := os.ReadFile(mbox)
	if n := strings.Count(string(got), "Subject: e2e message"); n != 2 {
		t.Fatalf("fetchmail over IMAP fetched %d:\n%s", n, got)
	}
	// fetchmail marks what it fetched \Seen: a second run finds nothing.
	fetchmailAgain(t, dir, []string{"-f", rcPath, "--nodetach"})
	got, _ = os.ReadFile(mbox)
	if n := strings.Count(string(got), "Subject: e2e message"); n != 2 {
		t.Fatalf("second run fetched again: %d", n)
	}
}

func TestGetmailIMAP(t *testing.T) {
	need(t, "getmail")
	in := serve(t, "")
	in.setup()
	in.setupIMAP()
	in.deliver(3)
	newGetmail(t, in, "type = SimpleIMAPSSLRetriever\nport = "+port(in.IMAPS)+"\nmailboxes = ALL").runTwice(3)
}

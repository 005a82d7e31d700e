package e2e

import (
	"strings"
	"testing"
)

// TestDelegateLogonImaplib: an administrator gives alice full access to a
// shared mailbox with the CLI, and python3 imaplib logs on as
// alice@mail.test/shared@mail.test with alice's password and reads the
// shared Inbox; after `user access ... revoke` the logon fails.
func TestDelegateLogonImaplib(t *testing.T) {
	need(t, "python3")
	in := serve(t, "")
	in.setup()
	in.setupIMAP()
	in.cli("shared-pw\n", "user", "add", "shared@mail.test")
	in.cli("Subject: for the team\r\n\r\nhello\r\n", "deliver", "--to", "shared@mail.test")
	script := `
import imaplib, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[1])
m = imaplib.IMAP4_SSL('127.0.0.1', int(sys.argv[2]), ssl_context=ctx)
try:
    m.login(sys.argv[3], 'secret1')
except imaplib.IMAP4.error as e:
    print('refused:', e)
    raise SystemExit(0)
typ, data = m.select('INBOX', readonly=True)
typ, body = m.fetch('1', '(BODY.PEEK[HEADER.FIELDS (SUBJECT)])')
print('opened', data[0].decode(), body[0][1].decode().strip())
m.logout()
`
	login := func(user string) string {
		return run(t, "", "python3", "-c", script, in.ca(), port(in.IMAPS), user)
	}
	if out := login("alice@mail.test/shared@mail.test"); !strings.Contains(out, "refused") {
		t.Fatalf("without access: %s", out)
	}
	if out := in.cli("", "user", "access", "shared@mail.test", "grant", "alice@mail.test"); !strings.Contains(out, "alice@mail.test now has full access to shared@mail.test") {
		t.Fatalf("grant: %s", out)
	}
	if out := in.cli("", "user", "access", "shared@mail.test"); !strings.Contains(out, "alice@mail.test\tFullAccess") {
		t.Errorf("list: %s", out)
	}
	for _, user := range []string{"alice@mail.test/shared@mail.test", "mail/alice/shared"} {
		if out := login(user); !strings.Contains(out, "opened 1 Subject: for the team") {
			t.Errorf("%s: %s", user, out)
		}
	}
	in.cli("", "user", "access", "shared@mail.test", "revoke", "alice@mail.test")
	if out := login("alice@mail.test/shared@mail.test"); !strings.Contains(out, "refused") {
		t.Errorf("after revoke: %s", out)
	}
}

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// messageFile finds the stored file of the message whose text contains
// marker, in the first mailbox database.
func (in *instance) messageFile(marker string) string {
	in.t.Helper()
	files, _ := filepath.Glob(filepath.Join(in.data, "databases", "db01", "blobs", "??", "*"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err == nil && strings.Contains(string(b), marker) {
			return f
		}
	}
	in.t.Fatalf("no message file holds %q among %d", marker, len(files))
	return ""
}

// TestDamagedMessageFile is issue 13's items 3 and 4: a message file that
// is truncated, or missing, is an error for that message alone, never a
// complete message and never an expunge. POP3 answers -ERR for it and goes
// on; IMAP answers NO [SERVERBUG] naming it after the other messages'
// data, and SEARCH answers for the rest; one log line names the mailbox,
// the UID and the file.
func TestDamagedMessageFile(t *testing.T) {
	need(t, "python3")
	in := serve(t, "")
	in.setup()
	in.setupIMAP()
	in.deliver(3)
	truncated := in.messageFile("e2e message 2")
	if err := os.Truncate(truncated, 40); err != nil {
		t.Fatal(err)
	}
	missing := in.messageFile("e2e message 3")
	if err := os.Remove(missing); err != nil {
		t.Fatal(err)
	}
	script := `
import imaplib, poplib, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[1])
p = poplib.POP3_SSL('127.0.0.1', int(sys.argv[2]), context=ctx)
p.user('alice@mail.test'); p.pass_('secret1')
assert len(p.list()[1]) == 3, p.list()
assert b'e2e message 1' in b'\n'.join(p.retr(1)[1])
for n in (2, 3):
    try:
        p.retr(n)
        raise SystemExit('RETR %d of a damaged message answered +OK' % n)
    except poplib.error_proto as e:
        assert b'damaged' in e.args[0], e
assert b'e2e message 1' in b'\n'.join(p.top(1, 0)[1]), 'the session did not go on'
p.quit()
m = imaplib.IMAP4_SSL('127.0.0.1', int(sys.argv[3]), ssl_context=ctx)
m.login('alice@mail.test', 'secret1')
assert m.select('INBOX')[1] == [b'3']
typ, data = m.fetch('1:3', '(UID BODY.PEEK[])')
assert typ == 'NO' and b'[SERVERBUG]' in data[0] and b'UID 2,3' in data[0], (typ, data)
typ, fetched = m.response('FETCH')
got = b''.join(x[1] for x in fetched if isinstance(x, tuple))
assert b'e2e message 1' in got and b'e2e message 2' not in got, fetched
typ, data = m.search(None, 'BODY', 'Hello')
assert typ == 'OK' and data == [b'1'], (typ, data)
typ, data = m.fetch('2', '(FLAGS RFC822.SIZE)')
assert typ == 'OK', (typ, data)
typ, data = m.fetch('3', '(BODY[])')
assert typ == 'NO', (typ, data)
assert m.noop()[0] == 'OK'
m.logout()
print('ok')
`
	out := run(t, "", "python3", "-c", script, in.ca(), port(in.POP3S), port(in.IMAPS))
	if !strings.Contains(out, "ok") {
		t.Fatal(out)
	}
	in.stop()
	log := in.log.String()
	for _, want := range []string{filepath.Base(truncated), filepath.Base(missing), "holds 40 bytes", "is missing"} {
		if !strings.Contains(log, want) {
			t.Errorf("the log does not name %q", want)
		}
	}
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, "damaged message") && (!strings.Contains(line, "uid=") || !strings.Contains(line, "folder=")) {
			t.Errorf("a damaged-message line without the folder or UID: %s", line)
		}
	}
}

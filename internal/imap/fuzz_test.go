package imap_test

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/internal/testkit"
)

// FuzzSession feeds arbitrary client input to a logged-on session with a
// selected Inbox, over a real listener: the session must answer or close,
// never panic (testkit fails the test on a recovered panic), and the server
// must go on serving.
func FuzzSession(f *testing.F) {
	for _, seed := range []string{
		"c FETCH 1:* (FLAGS BODY[1.MIME] BODY.PEEK[HEADER.FIELDS (From)]<0.10>)\r\n",
		"c SEARCH OR (FROM a) NOT SUBJECT b\r\n",
		"c SEARCH FROM user-from@domain.org\r\nd UID SEARCH OR TO \"smith, dave\" NOT BCC \"team\"\r\ne SEARCH CC \"\"\r\n",
		"c APPEND INBOX {5+}\r\nhello\r\n",
		"c STORE 1 +FLAGS (\\Deleted)\r\nd EXPUNGE\r\n",
		"c STORE 1 +FLAGS.SILENT (\\Deleted)\r\nd EXPUNGE\r\ne SEARCH HEADER Subject \"st\"\r\nf UID SEARCH ALL\r\n",
		"c UID MOVE 1:* Drafts\r\nd IDLE\r\nDONE\r\n",
		"c MOVE 1 INBOX\r\nd UID MOVE 1:* INBOX\r\ne FETCH 1:* UID\r\n",
		"c LIST \"\" *\r\nd RENAME INBOX x\r\n",
		"c CREATE p/q/r\r\nd SUBSCRIBE p/q/r\r\ne LSUB \"\" p/%\r\nf UNSUBSCRIBE p/q/r\r\ng LSUB \"\" %\r\n",
		"c {99999999999}\r\n", "c FETCH 1 (((((((((\r\n", "\xff\xfe\r\n",
		// Transcripts of the defects fixed (rfc_test.go).
		"c SELECT &\r\nd STATUS a&Jjo (MESSAGES)\r\ne RENAME INBOX &AGE-\r\nf APPEND & {3+}\r\nabc\r\ng UID MOVE 1 &\r\n",
		"c STORE 1 +FLAGS (\\Deleted)\r\nd LOGOUT\r\n",
		"c ID " + idArgs(false) + "\r\nd ID " + idArgs(true) + "\r\n",
		"c SEARCH NEW OLD RECENT\r\nd STORE 1 +FLAGS (Work $Junk)\r\ne FETCH 1:* FLAGS\r\nf STATUS INBOX (RECENT)\r\ng EXAMINE INBOX\r\nh SELECT INBOX\r\n",
	} {
		f.Add([]byte(seed))
	}
	s := testkit.Start(f, testkit.Options{NoPOP3: true, FastLogons: true, Imap: map[string]string{"LoginType": "PlainTextLogin"}})
	s.AddUser("alice@mail.test", "secret1")
	s.Deliver(message(1), "alice@mail.test")
	f.Fuzz(func(t *testing.T, input []byte) {
		feed(t, s.IMAP, "a LOGIN alice@mail.test secret1\r\nb SELECT INBOX\r\n", input)
		buf := make([]byte, 64<<10)
		// The server goes on.
		c2, err := net.DialTimeout("tcp", s.IMAP, time.Second)
		if err != nil {
			t.Fatalf("server gone: %v", err)
		}
		c2.SetDeadline(time.Now().Add(2 * time.Second))
		if n, err := c2.Read(buf); err != nil || string(buf[:4]) != "* OK" {
			t.Fatalf("no greeting after the fuzzed session: %q %v", buf[:n], err)
		}
		c2.Close()
	})
}

// FuzzPreLogon feeds arbitrary client input from the greeting on: the
// not-authenticated state (CAPABILITY, STARTTLS, LOGIN, AUTHENTICATE and
// its SASL exchange, literals, over-long lines) must answer or close,
// never panic, and the server must go on serving.
func FuzzPreLogon(f *testing.F) {
	for _, seed := range []string{
		"a CAPABILITY\r\nb LOGIN alice@mail.test wrong\r\n",
		"a LOGIN {15}\r\nalice@mail.test {7}\r\nsecret1\r\nb SELECT INBOX\r\n",
		"a AUTHENTICATE PLAIN\r\nAGFsaWNlQG1haWwudGVzdABzZWNyZXQx\r\n",
		"a AUTHENTICATE PLAIN AGFsaWNlAHdyb25n\r\nb AUTHENTICATE LOGIN\r\n*\r\n",
		"a AUTHENTICATE PLAIN\r\n!!!!\r\n", "a STARTTLS\r\nb LOGIN x y\r\n",
		"a ID (\"name\" \"x\")\r\n", "a LOGIN \"mail/alice/shared\" secret1\r\n",
		"a NOOP " + string(make([]byte, 2000)) + "\r\n", "* LOGIN\r\n", "a LOGIN {99999999}\r\n",
		"a ID " + idArgs(false) + "\r\nb ID " + idArgs(true) + "\r\nc NOOP " + strings.Repeat("x", 2000) + "\r\n",
	} {
		f.Add([]byte(seed))
	}
	s := testkit.Start(f, testkit.Options{NoPOP3: true, FastLogons: true, Imap: map[string]string{"LoginType": "PlainTextLogin", "MaxCommandSize": "1024"}})
	s.AddUser("alice@mail.test", "secret1")
	f.Fuzz(func(t *testing.T, input []byte) {
		feed(t, s.IMAP, "", input)
		c2 := testkit.Dial(t, s.IMAP, nil)
		c2.Expect("* OK *")
		c2.Cmd("a LOGIN alice@mail.test secret1", "a OK LOGIN completed.")
	})
}

// feed sends prefix, the fuzzed input and a LOGOUT on a new connection,
// half-closes it (a session waiting for more, in an unfinished literal
// say, ends now instead of at the deadline) and reads until the server
// closes.
func feed(t *testing.T, addr, prefix string, input []byte) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	c.Write([]byte(prefix))
	c.Write(input)
	c.Write([]byte("\r\nz LOGOUT\r\n"))
	c.(*net.TCPConn).CloseWrite()
	buf := make([]byte, 64<<10)
	for {
		if _, err := c.Read(buf); err != nil {
			return
		}
	}
}

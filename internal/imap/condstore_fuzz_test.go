package imap_test

import (
	"net"
	"testing"
	"time"

	"github.com/postern/postern/internal/testkit"
)

// FuzzCondStoreSession feeds arbitrary input to a session that has
// enabled QRESYNC and selected its Inbox, from seeds that use every
// CONDSTORE and QRESYNC form: the server must go on serving.
func FuzzCondStoreSession(f *testing.F) {
	for _, seed := range []string{
		"c FETCH 1:* (FLAGS MODSEQ) (CHANGEDSINCE 1)\r\nd UID FETCH 1:* FLAGS (CHANGEDSINCE 1 VANISHED)\r\n",
		"c STORE 1 (UNCHANGEDSINCE 0) +FLAGS.SILENT (\\Deleted)\r\nd UID STORE 1:* (UNCHANGEDSINCE 99) FLAGS (\\Seen)\r\ne EXPUNGE\r\n",
		"c SEARCH MODSEQ \"/flags/\\\\seen\" all 1\r\nd STATUS INBOX (HIGHESTMODSEQ UIDNEXT)\r\n",
		"c SELECT INBOX (QRESYNC (1 1 1:9 (1:3 1:3)))\r\nd EXAMINE Drafts (CONDSTORE)\r\ne UNSELECT\r\nf ENABLE CONDSTORE QRESYNC\r\n",
		"c SELECT INBOX (QRESYNC (4294967295 9223372036854775807 1:4294967295 (1:4294967295 1:4294967295)))\r\n",
	} {
		f.Add([]byte(seed))
	}
	s := testkit.Start(f, testkit.Options{NoPOP3: true, FastLogons: true, Imap: map[string]string{"LoginType": "PlainTextLogin"}})
	s.AddUser("alice@mail.test", "secret1")
	s.Deliver(message(1), "alice@mail.test")
	s.Deliver(message(2), "alice@mail.test")
	f.Fuzz(func(t *testing.T, input []byte) {
		feed(t, s.IMAP, "a LOGIN alice@mail.test secret1\r\na2 ENABLE QRESYNC\r\nb SELECT INBOX\r\n", input)
		c2, err := net.DialTimeout("tcp", s.IMAP, time.Second)
		if err != nil {
			t.Fatalf("server gone: %v", err)
		}
		defer c2.Close()
		c2.SetDeadline(time.Now().Add(2 * time.Second))
		buf := make([]byte, 512)
		if n, err := c2.Read(buf); err != nil || string(buf[:4]) != "* OK" {
			t.Fatalf("no greeting after the fuzzed session: %q %v", buf[:n], err)
		}
	})
}

package imap_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/postern/postern/internal/testkit"
)

const greeting = "* OK The Postern IMAP4 service is ready."

func message(n int) string {
	return fmt.Sprintf("From: Bob <bob@mail.test>\r\nTo: alice@mail.test\r\nSubject: test %d\r\nDate: Sun, 22 Nov 2026 10:00:00 +0000\r\nMessage-ID: <m%d@mail.test>\r\n\r\nbody of message %d\r\n", n, n, n)
}

func setup(t *testing.T, o testkit.Options, n int) *testkit.Server {
	t.Helper()
	o.NoPOP3 = true
	s := testkit.Start(t, o)
	s.AddUser("alice@mail.test", "secret1")
	for i := 1; i <= n; i++ {
		s.Deliver(message(i), "alice@mail.test")
	}
	return s
}

func loginTLS(t *testing.T, s *testkit.Server) *testkit.Client {
	t.Helper()
	c := testkit.Dial(t, s.IMAPS, s.ClientTLS("localhost"))
	c.Expect(greeting)
	c.Cmd("a LOGIN alice@mail.test secret1", "a OK LOGIN completed.")
	return c
}

// untilTagged reads untagged lines until the tagged reply and returns them.
func untilTagged(t *testing.T, c *testkit.Client, tag, want string) []string {
	t.Helper()
	var out []string
	for {
		l := c.Line()
		if strings.HasPrefix(l, tag+" ") {
			if p, ok := strings.CutSuffix(want, "*"); (ok && !strings.HasPrefix(l, p)) || (!ok && l != want) {
				t.Fatalf("got %q, want %q (after %q)", l, want, out)
			}
			return out
		}
		out = append(out, l)
	}
}

func TestCapabilityAndLoginType(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{}, 0)
	// 993: every Exchange token, no IMAP4rev2, no STARTTLS (spec §11 item 15).
	c := testkit.Dial(t, s.IMAPS, s.ClientTLS("localhost"))
	c.Expect(greeting)
	c.Send("a CAPABILITY\r\n")
	caps := c.Expect("* CAPABILITY *")
	c.Expect("a OK CAPABILITY completed.")
	for _, want := range strings.Fields("IMAP4 IMAP4rev1 AUTH=PLAIN SASL-IR UIDPLUS MOVE ID UNSELECT CHILDREN IDLE NAMESPACE LITERAL+") {
		if !strings.Contains(caps+" ", " "+want+" ") {
			t.Errorf("993 CAPABILITY lacks %s: %q", want, caps)
		}
	}
	for _, not := range []string{"IMAP4rev2", "STARTTLS", "LOGINDISABLED"} {
		if strings.Contains(caps, not) {
			t.Errorf("993 CAPABILITY has %s: %q", not, caps)
		}
	}
	// 143 under SecureLogin (spec §11 item 7).
	c = testkit.Dial(t, s.IMAP, nil)
	c.Expect(greeting)
	c.Send("a CAPABILITY\r\n")
	caps = c.Expect("* CAPABILITY *")
	c.Expect("a OK CAPABILITY completed.")
	if !strings.Contains(caps, "STARTTLS") || !strings.Contains(caps, "LOGINDISABLED") || strings.Contains(caps, "AUTH=PLAIN") {
		t.Errorf("143 CAPABILITY: %q", caps)
	}
	c.Cmd("b LOGIN alice@mail.test secret1", "b BAD Command received in Invalid state.")
	c.Cmd("c AUTHENTICATE PLAIN AGFsaWNlQG1haWwudGVzdABzZWNyZXQx", "c BAD Command received in Invalid state.")
	c.Cmd("d SELECT INBOX", "d BAD Command is not valid in this state.")
	// STARTTLS with a pipelined command: the command is discarded.
	c.Send("e STARTTLS\r\nf LOGIN alice@mail.test secret1\r\n")
	c.Expect("e OK Begin TLS negotiation now.")
	c.StartTLS(s.ClientTLS("localhost"))
	c.Send("g CAPABILITY\r\n")
	caps = c.Expect("* CAPABILITY *")
	c.Expect("g OK CAPABILITY completed.")
	if strings.Contains(caps, "STARTTLS") || strings.Contains(caps, "LOGINDISABLED") || !strings.Contains(caps, "AUTH=PLAIN") {
		t.Errorf("after STARTTLS: %q", caps)
	}
	c.Cmd("h STARTTLS", "h BAD Command is not valid in this state.")
	// No CAPABILITY code after LOGIN (spec §11 item 14).
	c.Cmd("i LOGIN alice@mail.test secret1", "i OK LOGIN completed.")
	c.Cmd("j STARTTLS", "j BAD Command is not valid in this state.")
	c.Send("k LOGOUT\r\n")
	c.Expect("* BYE Postern IMAP4 server signing off.")
	c.Expect("k OK LOGOUT completed.")
}

func TestLoginFailuresAndBlocked(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{}, 0)
	s.AddUser("administrator@mail.test", "right")
	c := testkit.Dial(t, s.IMAPS, s.ClientTLS("localhost"))
	c.Expect(greeting)
	c.Cmd("a LOGIN alice@mail.test wrong", "a NO LOGIN failed.")
	c.Cmd("b LOGIN Administrator right", "b NO LOGIN failed.")
	c.Cmd(`c LOGIN "MAIL\\administrator" right`, "c NO LOGIN failed.")
	c.Cmd("d AUTHENTICATE PLAIN", "+ ")
	c.Cmd("AGFsaWNlQG1haWwudGVzdABzZWNyZXQx", "d OK AUTHENTICATE completed.")
}

func TestSelectFetchStore(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{}, 3)
	// Another session saw the messages first: none is \Recent here.
	first := loginTLS(t, s)
	first.Send("a SELECT INBOX\r\n")
	untilTagged(t, first, "a", "a OK [READ-WRITE] SELECT completed.")
	c := loginTLS(t, s)
	c.Send("a SELECT INBOX\r\n")
	got := untilTagged(t, c, "a", "a OK [READ-WRITE] SELECT completed.")
	joined := strings.Join(got, "\n")
	for _, want := range []string{"* 3 EXISTS", "* 0 RECENT", `* FLAGS (\Seen \Answered \Flagged \Deleted \Draft $MDNSent)`, "* OK [UIDVALIDITY ", "* OK [UIDNEXT 4]", "* OK [UNSEEN 1]"} {
		if !strings.Contains(joined, want) {
			t.Errorf("SELECT lacks %q:\n%s", want, joined)
		}
	}
	c.Send("b FETCH 1:* (UID FLAGS RFC822.SIZE)\r\n")
	got = untilTagged(t, c, "b", "b OK FETCH completed.")
	if len(got) != 3 || !strings.HasPrefix(got[0], "* 1 FETCH (UID 1 FLAGS () RFC822.SIZE ") {
		t.Fatalf("FETCH: %q", got)
	}
	c.Send("c FETCH 2 (ENVELOPE BODYSTRUCTURE)\r\n")
	got = untilTagged(t, c, "c", "c OK FETCH completed.")
	if len(got) != 1 || !strings.Contains(got[0], `"test 2"`) || !strings.Contains(got[0], `("TEXT" "PLAIN"`) {
		t.Fatalf("ENVELOPE/BODYSTRUCTURE: %q", got)
	}
	c.Send("d FETCH 2 (BODY.PEEK[HEADER.FIELDS (Subject)] FLAGS)\r\n")
	c.Expect(`* 2 FETCH (BODY[HEADER.FIELDS (Subject)] {19}`)
	c.Expect("Subject: test 2")
	c.Expect("")
	c.Expect(" FLAGS ())")
	c.Expect("d OK FETCH completed.")
	c.Send("e FETCH 2 BODY[TEXT]\r\n")
	c.Expect("* 2 FETCH (BODY[TEXT] {19}")
	c.Expect("body of message 2")
	c.Expect(` FLAGS (\Seen))`)
	c.Expect("e OK FETCH completed.")
	// A new keyword: FLAGS and PERMANENTFLAGS name it before the FETCH.
	c.Cmd(`f STORE 1 +FLAGS (\Deleted $Label)`, `* FLAGS (\Seen \Answered \Flagged \Deleted \Draft $MDNSent $Label)`)
	c.Expect(`* OK [PERMANENTFLAGS (\Seen \Answered \Flagged \Deleted \Draft $MDNSent $Label \*)] Permanent flags`)
	c.Expect(`* 1 FETCH (FLAGS (\Deleted $Label))`)
	c.Expect("f OK STORE completed.")
	c.Cmd(`g UID STORE 3 +FLAGS.SILENT (\Flagged)`, "g OK STORE completed.")
	c.Send("h SEARCH FLAGGED\r\n")
	c.Expect("* SEARCH 3")
	c.Expect("h OK SEARCH completed.")
	c.Send("i UID SEARCH UNSEEN SUBJECT \"test\"\r\n")
	c.Expect("* SEARCH 1 3")
	c.Expect("i OK SEARCH completed.")
	c.Send("j EXPUNGE\r\n")
	c.Expect("* 1 EXPUNGE")
	c.Expect("j OK EXPUNGE completed.")
	c.Send("k FETCH 1:* UID\r\n")
	got = untilTagged(t, c, "k", "k OK FETCH completed.")
	if strings.Join(got, "|") != "* 1 FETCH (UID 2)|* 2 FETCH (UID 3)" {
		t.Fatalf("after EXPUNGE: %q", got)
	}
	c.Cmd("l FETCH 5 UID", "l BAD Invalid sequence number.")
}

// TestDelegateLogon is spec §11 item 37: LOGIN as "dom/alice/shared" (and
// the other forms, and AUTHENTICATE PLAIN with shared as the
// authorization identity) with alice's password opens shared's mailbox
// when alice has full access to it, and fails otherwise.
func TestDelegateLogon(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{}, 1) // alice has one message
	s.AddUser("shared@mail.test", "shared-pw")
	s.AddUser("carol@mail.test", "carol-pw")
	s.Deliver(message(7), "shared@mail.test")
	s.Deliver(message(8), "shared@mail.test")
	ctx := context.Background()
	d := s.Directory()
	sh, _ := d.Lookup(ctx, "shared@mail.test")
	al, _ := d.Lookup(ctx, "alice@mail.test")
	c := testkit.Dial(t, s.IMAPS, s.ClientTLS("localhost"))
	c.Expect(greeting)
	c.Cmd("a LOGIN mail/alice/shared secret1", "a NO LOGIN failed.") // no full access yet
	if err := d.SetFullAccess(ctx, sh.ID, al.ID, true); err != nil {
		t.Fatal(err)
	}
	c.Cmd("b LOGIN carol@mail.test/shared carol-pw", "b NO LOGIN failed.")
	c.Cmd("c LOGIN alice@mail.test/shared shared-pw", "c NO LOGIN failed.") // the delegate's password is asked
	for i, user := range []string{"mail/alice/shared", "alice@mail.test/shared@mail.test", `"MAIL\\alice\\shared"`} {
		c := testkit.Dial(t, s.IMAPS, s.ClientTLS("localhost"))
		c.Expect(greeting)
		c.Cmd("a LOGIN "+user+" secret1", "a OK LOGIN completed.")
		c.Send("b SELECT INBOX\r\n")
		if got := untilTagged(t, c, "b", "b OK [READ-WRITE] SELECT completed."); got[0] != "* 2 EXISTS" {
			t.Errorf("form %d: %q", i, got)
		}
	}
	// AUTHENTICATE PLAIN: authzid shared, authcid alice.
	c2 := testkit.Dial(t, s.IMAPS, s.ClientTLS("localhost"))
	c2.Expect(greeting)
	ir := base64.StdEncoding.EncodeToString([]byte("shared@mail.test\x00alice@mail.test\x00secret1"))
	c2.Cmd("a AUTHENTICATE PLAIN "+ir, "a OK AUTHENTICATE completed.")
	c2.Send("b SELECT INBOX\r\n")
	if got := untilTagged(t, c2, "b", "b OK [READ-WRITE] SELECT completed."); got[0] != "* 2 EXISTS" {
		t.Errorf("AUTHENTICATE PLAIN as shared: %q", got)
	}
	// Revoked: refused again.
	d.SetFullAccess(ctx, sh.ID, al.ID, false)
	c.Cmd("d LOGIN mail/alice/shared secret1", "d NO LOGIN failed.")
}

package pop3_test

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/postern/postern/internal/testkit"
)

const (
	banner   = "+OK The Postern POP3 service is ready."
	badState = "-ERR Command is not valid in this state."
	logonOK  = "+OK User successfully logged on."
	logonBad = "-ERR Logon failure: unknown user name or bad password."
	signOff  = "+OK Postern POP3 server signing off."
)

func message(n int) string {
	return fmt.Sprintf("From: bob@mail.test\r\nTo: alice@mail.test\r\nSubject: test %d\r\n\r\nbody of message %d\r\n.leading dot\r\n", n, n)
}

// setup starts a server with alice and n messages in her Inbox.
func setup(t *testing.T, o testkit.Options, n int) *testkit.Server {
	t.Helper()
	s := testkit.Start(t, o)
	s.AddUser("alice@mail.test", "secret1")
	for i := 1; i <= n; i++ {
		s.Deliver(message(i), "alice@mail.test")
	}
	return s
}

func loginTLS(t *testing.T, s *testkit.Server) *testkit.Client {
	t.Helper()
	c := testkit.Dial(t, s.POP3S, s.ClientTLS("localhost"))
	c.Expect(banner)
	c.Cmd("USER alice@mail.test", "+OK")
	c.Cmd("PASS secret1", logonOK)
	return c
}

func capa(c *testkit.Client) string {
	c.Cmd("CAPA", "+OK*")
	return strings.Join(c.Lines(), "|")
}

func TestCapaAndGreeting(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{}, 0)
	c := testkit.Dial(t, s.POP3S, s.ClientTLS("localhost"))
	c.Expect(banner)
	if got := capa(c); got != "TOP|UIDL|USER|SASL PLAIN LOGIN" {
		t.Errorf("CAPA on 995: %q", got)
	}
	c.Cmd("STLS", badState) // already TLS (spec §11 item 12)
	c.Cmd("QUIT", signOff)

	c = testkit.Dial(t, s.POP3, nil)
	c.Expect(banner)
	if got := capa(c); got != "TOP|UIDL|STLS" {
		t.Errorf("CAPA on 110 under SecureLogin: %q", got)
	}
}

// TestSecureLoginClear is spec §11 item 6: nothing that carries a
// credential is accepted in clear, and no credential is checked.
func TestSecureLoginClear(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{}, 1)
	c := testkit.Dial(t, s.POP3, nil)
	c.Expect(banner)
	c.Cmd("USER alice@mail.test", badState)
	c.Cmd("PASS secret1", badState)
	c.Cmd("AUTH PLAIN "+plain("alice@mail.test", "secret1"), badState)
	c.Cmd("AUTH LOGIN", badState)
	c.Cmd("STAT", badState)
	c.Cmd("STLS", "+OK Begin TLS negotiation.")
	c.StartTLS(s.ClientTLS("localhost"))
	if got := capa(c); got != "TOP|UIDL|USER|SASL PLAIN LOGIN" {
		t.Errorf("CAPA after STLS: %q", got)
	}
	c.Cmd("STLS", badState)
	c.Cmd("USER alice@mail.test", "+OK")
	c.Cmd("PASS secret1", logonOK)
	c.Cmd("STAT", "+OK 1 *")
	c.Cmd("STLS", badState) // TRANSACTION state
	c.Cmd("QUIT", signOff)
}

// TestSTLSInjection is spec §11 item 13: commands pipelined before the
// handshake are discarded, never executed.
func TestSTLSInjection(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{Pop: map[string]string{"LoginType": "PlainTextLogin"}}, 1)
	c := testkit.Dial(t, s.POP3, nil)
	c.Expect(banner)
	c.Send("STLS\r\nUSER alice@mail.test\r\n")
	c.Expect("+OK Begin TLS negotiation.")
	c.StartTLS(s.ClientTLS("localhost"))
	// Had USER run, PASS would log on; it must be refused for want of USER.
	c.Cmd("PASS secret1", badState)
	c.Cmd("NOOP", badState)
}

func TestLoginTypeMatrix(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		loginType string
		clearOK   bool
	}{{"PlainTextLogin", true}, {"PlainTextAuthentication", false}, {"SecureLogin", false}, {"1", true}, {"3", false}} {
		t.Run(tc.loginType, func(t *testing.T) {
			t.Parallel()
			s := setup(t, testkit.Options{Pop: map[string]string{"LoginType": tc.loginType}}, 0)
			c := testkit.Dial(t, s.POP3, nil)
			c.Expect(banner)
			if tc.clearOK {
				if got := capa(c); got != "TOP|UIDL|USER|SASL PLAIN LOGIN|STLS" {
					t.Errorf("CAPA: %q", got)
				}
				c.Cmd("USER alice@mail.test", "+OK")
				c.Cmd("PASS secret1", logonOK)
			} else {
				c.Cmd("USER alice@mail.test", badState)
				c.Cmd("AUTH PLAIN "+plain("alice@mail.test", "secret1"), badState)
			}
			// Under TLS every LoginType allows plain text (spec §11 item 8).
			c = testkit.Dial(t, s.POP3S, s.ClientTLS("localhost"))
			c.Expect(banner)
			c.Cmd("AUTH PLAIN "+plain("alice@mail.test", "secret1"), logonOK)
		})
	}
}

func plain(user, pass string) string {
	return base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00" + pass))
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestAuthMechanisms(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{}, 0)
	c := testkit.Dial(t, s.POP3S, s.ClientTLS("localhost"))
	c.Expect(banner)
	c.Cmd("AUTH", "+OK")
	if got := strings.Join(c.Lines(), " "); got != "PLAIN LOGIN" {
		t.Errorf("AUTH list: %q", got)
	}
	c.Cmd("AUTH CRAM-MD5", "-ERR Unrecognized authentication type.")
	c.Cmd("AUTH PLAIN", "+ ")
	c.Cmd("*", "-ERR Authentication cancelled.")
	c.Cmd("AUTH PLAIN", "+ ")
	c.Cmd(plain("alice@mail.test", "wrong"), logonBad)
	c.Cmd("AUTH LOGIN", "+ "+b64("Username:"))
	c.Cmd(b64("alice@mail.test"), "+ "+b64("Password:"))
	c.Cmd(b64("secret1"), logonOK)
	c.Cmd("QUIT", signOff)

	c = testkit.Dial(t, s.POP3S, s.ClientTLS("localhost"))
	c.Expect(banner)
	c.Cmd("AUTH LOGIN "+b64("alice@mail.test"), "+ "+b64("Password:"))
	c.Cmd(b64("secret1"), logonOK)
	c.Cmd("STAT", "+OK 0 0")
}

func TestTransaction(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{Pop: map[string]string{"EnableExactRFC822Size": "$true"}}, 3)
	c := loginTLS(t, s)
	c.Cmd("LIST 1", "+OK 1 *")
	c.Send("LIST 1\r\n")
	var size int // every test message has the same length
	if _, err := fmt.Sscanf(c.Line(), "+OK 1 %d", &size); err != nil || size <= len(message(1)) {
		t.Fatalf("LIST 1: size %d, %v", size, err)
	}
	c.Cmd("STAT", fmt.Sprintf("+OK 3 %d", 3*size))
	c.Cmd("LIST", "+OK")
	if got := c.Lines(); len(got) != 3 || got[2] != fmt.Sprintf("3 %d", size) {
		t.Fatalf("LIST: %q", got)
	}
	c.Cmd("LIST 2", fmt.Sprintf("+OK 2 %d", size))
	c.Cmd("UIDL", "+OK")
	uidls := c.Lines()
	if len(uidls) != 3 {
		t.Fatalf("UIDL: %q", uidls)
	}
	for _, u := range uidls {
		_, id, _ := strings.Cut(u, " ")
		if len(id) < 1 || len(id) > 70 || strings.ContainsFunc(id, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
			t.Errorf("bad UIDL %q", u)
		}
	}
	c.Cmd("RETR 1", "+OK")
	got := strings.Join(c.Lines(), "\r\n") + "\r\n"
	if !strings.HasPrefix(got, "Received: ") || !strings.HasSuffix(got, message(1)) || len(got) != size {
		t.Errorf("RETR 1 = %q (%d bytes, LIST said %d)", got, len(got), size)
	}
	c.Cmd("TOP 2 0", "+OK")
	if got := c.Lines(); len(got) != 6 || got[5] != "" || got[4] != "Subject: test 2" {
		t.Errorf("TOP 2 0 = %q", got)
	}
	c.Cmd("TOP 2 1", "+OK")
	if got := c.Lines(); len(got) != 7 || got[6] != "body of message 2" {
		t.Errorf("TOP 2 1 = %q", got)
	}
	c.Cmd("DELE 1", "+OK*")
	c.Cmd("DELE 1", "-ERR The specified message has been deleted.")
	c.Cmd("RETR 1", "-ERR The specified message has been deleted.")
	c.Cmd("STAT", fmt.Sprintf("+OK 2 %d", 2*size))
	c.Cmd("RSET", "+OK")
	c.Cmd("STAT", fmt.Sprintf("+OK 3 %d", 3*size))
	c.Cmd("DELE 2", "+OK*")
	c.Cmd("NOOP", "+OK")
	c.Cmd("QUIT", signOff)
	c.Closed()

	c = loginTLS(t, s)
	c.Cmd("STAT", fmt.Sprintf("+OK 2 %d", 2*size))
	c.Cmd("UIDL", "+OK")
	if got := c.Lines(); len(got) != 2 || uidOf(got[0]) != uidOf(uidls[0]) || uidOf(got[1]) != uidOf(uidls[2]) {
		t.Errorf("UIDLs not stable: before %q, after %q", uidls, got)
	}
}

func uidOf(line string) string { _, id, _ := strings.Cut(line, " "); return id }

// TestDropDeletesNothing is spec §11 item 26: DELE then a dropped
// connection leaves the message.
func TestDropDeletesNothing(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{}, 2)
	c := loginTLS(t, s)
	c.Cmd("DELE 1", "+OK*")
	c.Cmd("DELE 2", "+OK*")
	c.Conn().Close()
	c = loginTLS(t, s)
	c.Cmd("STAT", "+OK 2 *")
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{}, 2)
	c := loginTLS(t, s)
	for _, arg := range []string{"0", "3", "-1", "+1", "99999999999", "abc", "1a", "0x1"} {
		c.Cmd("RETR "+arg, "-ERR The specified message is out of range.")
		c.Cmd("DELE "+arg, "-ERR The specified message is out of range.")
	}
	c.Cmd("TOP 1 x", "-ERR Protocol error.")
	c.Cmd("TOP 1", "-ERR Protocol error.")
	c.Cmd("RETR", "-ERR Protocol error.")
	c.Cmd("STAT 1", "-ERR Protocol error.")
	c.Cmd("XYZZY", "-ERR Protocol error.")
	c.Cmd("USER alice", badState)
	c.Cmd("PASS x", badState)
	c.Cmd("APOP alice 0123", badState)
	c.Cmd("RETR "+strings.Repeat("1", 600), "-ERR Command is too long.")
	c.Cmd("\x01\x02", "-ERR Protocol error.")
	c.Cmd("STAT", "+OK 2 *")
	// A flood of bad commands ends the session after a bounded count,
	// without UPDATE.
	c.Cmd("DELE 1", "+OK*")
	c.Send(strings.Repeat("BOGUS\r\n", 100))
	rest := c.Closed()
	if len(rest) == 0 || rest[len(rest)-1] != "-ERR Too many errors. Closing connection." {
		t.Fatalf("flood ended with %q", rest[max(0, len(rest)-2):])
	}
	c = loginTLS(t, s)
	c.Cmd("STAT", "+OK 2 *")
}

func TestPreLoginFlood(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{}, 0)
	c := testkit.Dial(t, s.POP3, nil)
	c.Expect(banner)
	c.Send(strings.Repeat("BOGUS\r\n", 30))
	if rest := c.Closed(); len(rest) > 10 || rest[len(rest)-1] != "-ERR Too many errors. Closing connection." {
		t.Fatalf("pre-login flood: %q", rest)
	}
	// The server goes on.
	c = testkit.Dial(t, s.POP3, nil)
	c.Expect(banner)
}

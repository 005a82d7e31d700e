package pop3_test

import (
	"net"
	"testing"
	"time"

	"github.com/postern/postern/internal/testkit"
)

// FuzzSession feeds arbitrary client input to a POP3 session, before and
// after logon, over a real listener: it must answer or close, never panic
// (testkit fails the test on a recovered panic), delete nothing without
// QUIT, and the server must go on serving.
func FuzzSession(f *testing.F) {
	for _, seed := range []string{"STAT\r\nLIST\r\nUIDL 1\r\nTOP 1 0\r\nRETR 1\r\n", "DELE 1\r\nRSET\r\n", "AUTH PLAIN\r\n*\r\n",
		"TOP 1 999999999\r\n", "LIST 0\r\nRETR -1\r\n", "\xff\r\n", "STLS\r\n", "DELE 1\r\n"} {
		f.Add([]byte(seed))
	}
	s := testkit.Start(f, testkit.Options{Pop: map[string]string{"LoginType": "PlainTextLogin"}, NoIMAP: true, FastLogons: true})
	s.AddUser("alice@mail.test", "secret1")
	s.Deliver(message(1), "alice@mail.test")
	stat := func(t *testing.T) string {
		p := testkit.Dial(t, s.POP3, nil)
		p.Expect("+OK*")
		p.Cmd("USER alice@mail.test", "+OK")
		p.Cmd("PASS secret1", "+OK*")
		st := p.Cmd("STAT", "+OK*")
		p.Cmd("QUIT", "+OK*")
		return st
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		before := stat(t)
		if before == "+OK 0 0" { // an earlier input deleted it with QUIT
			s.Deliver(message(1), "alice@mail.test")
			before = stat(t)
		}
		c, err := net.DialTimeout("tcp", s.POP3, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(2 * time.Second))
		c.Write([]byte("USER alice@mail.test\r\nPASS secret1\r\n"))
		c.Write(input)
		buf := make([]byte, 64<<10)
		c.Write([]byte("\r\n"))
		c.(*net.TCPConn).CloseWrite() // a drop, never a QUIT from us
		for {
			if _, err := c.Read(buf); err != nil {
				break
			}
		}
		// The server goes on, and without a QUIT in the input nothing
		// was deleted.
		if after := stat(t); !containsQuit(input) && after != before {
			t.Fatalf("STAT %q before, %q after a session without QUIT", before, after)
		}
	})
}

// containsQuit reports whether the input may have sent QUIT (then a
// DELE before it legitimately removed the message).
func containsQuit(b []byte) bool {
	for i := 0; i+4 <= len(b); i++ {
		if (b[i]|0x20) == 'q' && (b[i+1]|0x20) == 'u' && (b[i+2]|0x20) == 'i' && (b[i+3]|0x20) == 't' {
			return true
		}
	}
	return false
}

// FuzzPreLogon feeds arbitrary client input from the greeting on: the
// AUTHORIZATION state (CAPA, STLS, USER/PASS, AUTH and its SASL exchange,
// over-long lines) must answer or close, never panic, and the server must
// go on serving.
func FuzzPreLogon(f *testing.F) {
	for _, seed := range []string{
		"CAPA\r\nUSER alice@mail.test\r\nPASS wrong\r\n", "PASS secret1\r\nUSER\r\n",
		"AUTH PLAIN\r\nAGFsaWNlQG1haWwudGVzdABzZWNyZXQx\r\nSTAT\r\n", "AUTH\r\nAUTH LOGIN\r\n*\r\n",
		"AUTH PLAIN AGFsaWNlAHdyb25n\r\nAUTH PLAIN =\r\n", "AUTH PLAIN\r\n!!!!\r\n", "STLS\r\nUSER x\r\n",
		"USER " + string(make([]byte, 2000)) + "\r\n", "APOP alice 0123\r\n", "\xff\r\n",
	} {
		f.Add([]byte(seed))
	}
	s := testkit.Start(f, testkit.Options{Pop: map[string]string{"LoginType": "PlainTextLogin"}, NoIMAP: true, FastLogons: true})
	s.AddUser("alice@mail.test", "secret1")
	f.Fuzz(func(t *testing.T, input []byte) {
		c, err := net.DialTimeout("tcp", s.POP3, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(2 * time.Second))
		c.Write(input)
		c.Write([]byte("\r\n"))
		c.(*net.TCPConn).CloseWrite()
		buf := make([]byte, 64<<10)
		for {
			if _, err := c.Read(buf); err != nil {
				break
			}
		}
		p := testkit.Dial(t, s.POP3, nil)
		p.Expect("+OK*")
		p.Cmd("USER alice@mail.test", "+OK")
		p.Cmd("PASS secret1", "+OK*")
		p.Cmd("QUIT", "+OK*")
	})
}

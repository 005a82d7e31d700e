package smtp

import (
	"errors"
	"strings"
	"testing"

	"github.com/postern/postern/internal/smtp/wire"
)

func TestClient(t *testing.T) {
	t.Parallel()
	for _, pipelining := range []bool{true, false} {
		name := "pipelining"
		if !pipelining {
			name = "lockstep"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ts := startServer(t, nil)
			c, err := Dial(t.Context(), "tcp", ts.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if err := c.LHLO("client.test"); err != nil {
				t.Fatal(err)
			}
			if size, ok := c.Extension("size"); !ok || size != "37748736" {
				t.Errorf("SIZE = %q, %v", size, ok)
			}
			if !pipelining {
				delete(c.ext, "PIPELINING")
			}
			testClientSend(t, ts, c)
			if err := c.Quit(); err != nil {
				t.Errorf("Quit: %v", err)
			}
			ts.expectNoPanics(t)
		})
	}
}

func testClientSend(t *testing.T, ts *testServer, c *Client) {
	body := ".leading dot\nbare LF\r\n..two\rbare CR\n.\nno final newline"
	want := ".leading dot\r\nbare LF\r\n..two\r\nbare CR\r\n.\r\nno final newline\r\n"
	per, err := c.Send("s@example.org", []string{"a@mx.test", "nobody@mx.test", "fail@mx.test", "b@mx.test"}, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if per[0] != nil || per[3] != nil {
		t.Errorf("accepted recipients failed: %v", per)
	}
	var re *ReplyError
	if !errors.As(per[1], &re) || re.Reply.Code != wire.CodeMailboxUnavail || re.Temporary() {
		t.Errorf("unknown recipient: %v", per[1])
	}
	if !errors.As(per[2], &re) || re.Reply.Code != wire.CodeLocalError || !re.Temporary() {
		t.Errorf("failing recipient: %v", per[2])
	}
	// The server un-stuffs what the client stuffed: the body arrives
	// with CRLF endings, byte for byte.
	if got := messageBody(t, ts.d.deliveries()[0]); got != want {
		t.Errorf("body %q", got)
	}

	// Every recipient refused: no error for the transaction as such.
	per, err = c.Send("s@example.org", []string{"nobody@mx.test"}, strings.NewReader("x"))
	if err != nil || len(per) != 1 || per[0] == nil {
		t.Errorf("all refused: %v, %v", per, err)
	}
	// MAIL refused.
	if _, err = c.Send("ü@example.org", []string{"a@mx.test"}, strings.NewReader("x")); !errors.As(err, &re) || re.Reply.Code != wire.CodeMailboxNameBad {
		t.Errorf("MAIL refused: %v", err)
	}
	if _, err = c.Send("s@example.org", []string{"a@mx.test>\r\nRSET"}, strings.NewReader("x")); err == nil {
		t.Error("address with CRLF accepted")
	}
	// The session is still in step.
	per, err = c.Send("", []string{"a@mx.test"}, strings.NewReader(""))
	if err != nil || per[0] != nil {
		t.Errorf("after failures: %v, %v", per, err)
	}
	if got := ts.d.deliveries(); len(got) != 2 || messageBody(t, got[1]) != "" {
		t.Errorf("deliveries %+v", got)
	}
}

package queue_test

import (
	"bufio"
	"context"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/postern/postern/internal/queue"
	"github.com/postern/postern/internal/testkit"
)

const msg = "From: <alice@other.test>\r\nSubject: relayed\r\n\r\nhello\r\n.dot line\r\n"

func envelope(rcpts ...string) queue.Envelope {
	return queue.Envelope{From: "alice@other.test", Rcpts: rcpts, Size: int64(len(msg))}
}

func routeTo(addr string) func(context.Context, string) (queue.Route, bool, error) {
	return func(context.Context, string) (queue.Route, bool, error) {
		return queue.Route{Hosts: []string{addr}}, true, nil
	}
}

// popMessages reads every message of a mailbox over POP3S.
func popMessages(t *testing.T, s *testkit.Server, user string) []string {
	t.Helper()
	p := testkit.Dial(t, s.POP3S, s.ClientTLS("mail.test"))
	p.Expect("+OK*")
	p.Cmd("USER "+user, "+OK")
	p.Cmd("PASS secret1", "+OK*")
	stat := p.Cmd("STAT", "+OK *")
	n, _ := strconv.Atoi(strings.Fields(stat)[1])
	var out []string
	for i := 1; i <= n; i++ {
		p.Cmd("RETR "+strconv.Itoa(i), "+OK*")
		out = append(out, strings.Join(p.Lines(), "\r\n"))
	}
	p.Cmd("QUIT", "+OK*")
	return out
}

// TestSMTPSenderToPostern delivers over real SMTP with STARTTLS to a
// second Postern's Default Frontend: one recipient accepted, one refused
// for good.
func TestSMTPSenderToPostern(t *testing.T) {
	t.Parallel()
	remote := testkit.Start(t, testkit.Options{NoIMAP: true})
	remote.AddUser("bob@mail.test", "secret1")
	snd := queue.NewSMTPSender(queue.SenderOptions{Hostname: "sender.test", Route: routeTo(remote.SMTP), LoopbackOnly: true})
	res := snd.Send(context.Background(), "mail.test", envelope("bob@mail.test", "nobody@mail.test"), strings.NewReader(msg))
	if len(res) != 2 || res[0].Err != nil {
		t.Fatalf("results %+v", res)
	}
	if r := res[1]; r.Err == nil || !r.Permanent || r.Status != "5.1.1" || !strings.HasPrefix(r.Diagnostic, "smtp; 550 5.1.1") {
		t.Errorf("unknown recipient: %+v", r)
	}
	// A non-ASCII sender: the remote Postern offers SMTPUTF8.
	utf8 := queue.Envelope{From: "jürgen@other.test", Rcpts: []string{"bob@mail.test"}, Size: int64(len(msg))}
	if r := snd.Send(context.Background(), "mail.test", utf8, strings.NewReader(msg)); r[0].Err != nil {
		t.Fatalf("SMTPUTF8 relay: %+v", r[0])
	}
	got := popMessages(t, remote, "bob@mail.test")
	if len(got) != 2 || !strings.Contains(got[1], "Return-Path: <jürgen@other.test>") || !strings.Contains(got[1], "with UTF8SMTPS id") {
		t.Fatalf("bob has %d messages: %q", len(got), got)
	}
	for _, want := range []string{"from sender.test", "with ESMTPS", "Subject: relayed", "\r\n.dot line"} {
		if !strings.Contains(got[0], want) {
			t.Errorf("delivered message lacks %q:\n%s", want, got[0])
		}
	}
}

// scripted is a tiny SMTP server that answers RCPT with a fixed reply,
// and greets with greeting; it serves one connection at a time.
func scripted(t *testing.T, greeting, rcptReply string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			r := bufio.NewReader(c)
			c.Write([]byte(greeting + "\r\n"))
			for {
				line, err := r.ReadString('\n')
				if err != nil {
					break
				}
				switch cmd := strings.ToUpper(strings.TrimSpace(line)); {
				case strings.HasPrefix(cmd, "EHLO") && greeting == "220 old":
					c.Write([]byte("502 5.5.1 EHLO not known\r\n"))
				case strings.HasPrefix(cmd, "EHLO"):
					c.Write([]byte("250-sink\r\n250 ENHANCEDSTATUSCODES\r\n"))
				case strings.HasPrefix(cmd, "RCPT"):
					c.Write([]byte(rcptReply + "\r\n"))
				case cmd == "DATA":
					c.Write([]byte("354 go on\r\n"))
					for line != ".\r\n" && err == nil {
						line, err = r.ReadString('\n')
					}
					c.Write([]byte("250 2.0.0 queued\r\n"))
				case cmd == "QUIT":
					c.Write([]byte("221 bye\r\n"))
				default:
					c.Write([]byte("250 ok\r\n"))
				}
			}
			c.Close()
		}
	}()
	return l.Addr().String()
}

func TestSMTPSenderTemporaryAndRefusedHosts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// 451 on RCPT: temporary, with the server's words.
	snd := queue.NewSMTPSender(queue.SenderOptions{Hostname: "sender.test", Route: routeTo(scripted(t, "220 sink", "451 4.3.0 try later")), LoopbackOnly: true})
	res := snd.Send(ctx, "remote.test", envelope("bob@remote.test"), strings.NewReader(msg))
	if r := res[0]; r.Err == nil || r.Permanent || r.Status != "4.3.0" || !strings.Contains(r.Diagnostic, "451 4.3.0 try later") {
		t.Errorf("451: %+v", r)
	}
	// A non-ASCII address to a server without SMTPUTF8: refused for good.
	utf8 := queue.Envelope{From: "jürgen@other.test", Rcpts: []string{"bob@remote.test"}, Size: int64(len(msg))}
	if r := snd.Send(ctx, "remote.test", utf8, strings.NewReader(msg))[0]; !r.Permanent || r.Status != "5.6.7" {
		t.Errorf("SMTPUTF8 needed: %+v", r)
	}
	// A host that refuses service is skipped for the next one.
	busy := scripted(t, "554 no service", "250 ok")
	good := scripted(t, "220 sink", "250 2.1.5 ok")
	snd = queue.NewSMTPSender(queue.SenderOptions{Hostname: "sender.test", LoopbackOnly: true,
		Route: func(context.Context, string) (queue.Route, bool, error) {
			return queue.Route{Hosts: []string{busy, good}}, true, nil
		}})
	if res := snd.Send(ctx, "remote.test", envelope("bob@remote.test"), strings.NewReader(msg)); res[0].Err != nil {
		t.Errorf("second host: %+v", res[0])
	}
	// A server that knows only HELO.
	snd = queue.NewSMTPSender(queue.SenderOptions{Hostname: "sender.test", Route: routeTo(scripted(t, "220 old", "250 ok")), LoopbackOnly: true})
	if r := snd.Send(ctx, "remote.test", envelope("bob@remote.test"), strings.NewReader(msg))[0]; r.Err != nil {
		t.Errorf("HELO fallback: %+v", r)
	}
	// Nothing listening: temporary.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := l.Addr().String()
	l.Close()
	snd = queue.NewSMTPSender(queue.SenderOptions{Hostname: "sender.test", Route: routeTo(closed), LoopbackOnly: true})
	if r := snd.Send(ctx, "remote.test", envelope("bob@remote.test"), strings.NewReader(msg))[0]; r.Err == nil || r.Permanent {
		t.Errorf("no listener: %+v", r)
	}
}

// TestSMTPSenderLoopbackOnly: a loopback-only sender neither connects
// outside loopback nor asks DNS.
func TestSMTPSenderLoopbackOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	snd := queue.NewSMTPSender(queue.SenderOptions{Hostname: "sender.test", Route: routeTo("192.0.2.1:25"), LoopbackOnly: true})
	if r := snd.Send(ctx, "remote.test", envelope("bob@remote.test"), strings.NewReader(msg))[0]; r.Err == nil || r.Permanent || !strings.Contains(r.Err.Error(), "loopback") {
		t.Errorf("non-loopback route: %+v", r)
	}
	snd = queue.NewSMTPSender(queue.SenderOptions{Hostname: "sender.test", LoopbackOnly: true})
	if r := snd.Send(ctx, "example.com", envelope("bob@example.com"), strings.NewReader(msg))[0]; r.Err == nil || !strings.Contains(r.Err.Error(), "loopback-only") {
		t.Errorf("no route: %+v", r)
	}
}

package loadgen

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net"
	"strings"
	"testing"
	"time"
)

// startSubmit starts a Postern with n users and returns options aimed at
// its submission connector (587, STARTTLS).
func startSubmit(t *testing.T, n int) (*Options, func(u User) [][]byte) {
	t.Helper()
	s, o := start(t, n)
	if s.Submission == "" {
		t.Fatal("the submission connector does not listen")
	}
	o.Workload, o.Addr, o.TLS = "smtp-submit", s.Submission, TLSStartTLS
	return &o, func(u User) [][]byte { return truth(t, s, u) }
}

// TestSubmitDeliversEveryMessage: every submitted message reaches each
// of its recipients' Inboxes, as the transcript client reads them, whole
// (its body digest verifies) and from its sender.
func TestSubmitDeliversEveryMessage(t *testing.T) {
	t.Parallel()
	o, truthOf := startSubmit(t, 3)
	o.Ops, o.Clients, o.Recipients, o.MessageSize = 12, 3, 2, 4096
	res := mustRun(t, *o)
	if res.Errors != 0 || res.Ops != 12 || res.Messages != 12 || res.Metric != "messages/s" || res.Bytes < 12*4096 {
		t.Fatalf("got %v", res)
	}
	senders := map[string]bool{}
	for _, u := range o.Users {
		senders["From: <"+u.Address+">"] = true
	}
	total := 0
	for _, u := range o.Users {
		for i, m := range truthOf(u) {
			total++
			head, body, ok := bytes.Cut(m, []byte("\r\n\r\n"))
			if !ok {
				t.Fatalf("%s message %d has no header", u.Address, i+1)
			}
			sum := sha256.Sum256(body)
			if !bytes.Contains(head, []byte(BodyDigestHeader+": "+hex.EncodeToString(sum[:]))) {
				t.Errorf("%s message %d: body digest does not verify", u.Address, i+1)
			}
			from := false
			for _, l := range strings.Split(string(head), "\r\n") {
				from = from || senders[l]
			}
			if !from {
				t.Errorf("%s message %d: From is not a user", u.Address, i+1)
			}
		}
	}
	if total != 24 {
		t.Errorf("%d messages delivered, want 24 (12 × 2 recipients)", total)
	}
}

// TestSubmitSessions: several messages per session, and a duration.
func TestSubmitSessions(t *testing.T) {
	t.Parallel()
	o, truthOf := startSubmit(t, 2)
	o.Ops, o.Clients, o.PerSession, o.MessageSize = 10, 2, 4, 1024
	if res := mustRun(t, *o); res.Errors != 0 || res.Ops != 10 || res.P99ms < res.P50ms {
		t.Fatalf("4 per session: %v", res)
	}
	if n := len(truthOf(o.Users[0])) + len(truthOf(o.Users[1])); n != 10 {
		t.Fatalf("%d messages delivered, want 10", n)
	}
	o.Ops, o.Duration = 0, 500*time.Millisecond
	if res := mustRun(t, *o); res.Errors != 0 || res.Ops == 0 {
		t.Fatalf("duration: %v", res)
	}
}

// TestSubmitRefusalsAreErrors: a wrong password (535), and a clear
// connection on which Postern offers no AUTH, are errors, not speed.
func TestSubmitRefusalsAreErrors(t *testing.T) {
	t.Parallel()
	o, _ := startSubmit(t, 1)
	bad := *o
	bad.Users = []User{{Address: o.Users[0].Address, Password: "wrong"}}
	bad.Ops = 2
	res := mustRun(t, bad)
	if res.Errors != 2 || res.Ops != 0 || !strings.Contains(res.ErrorSamples[0].Text, "AUTH PLAIN") ||
		!strings.Contains(res.ErrorSamples[0].Text, "535") {
		t.Fatalf("wrong password: %v %+v", res, res.ErrorSamples)
	}
	clear := *o
	clear.TLS, clear.Ops = TLSNone, 1
	res = mustRun(t, clear)
	if res.Errors != 1 || !strings.Contains(res.ErrorSamples[0].Text, "does not offer AUTH PLAIN") {
		t.Fatalf("no TLS: %v %+v", res, res.ErrorSamples)
	}
}

// smtpScript maps a command line to the raw reply of a scripted server;
// "." is the reply to the message after DATA's 354.
type smtpScript map[string]string

// goodSMTP is a correct script for user u@mail.test, password pw,
// sending to r@mail.test.
func goodSMTP() smtpScript {
	return smtpScript{
		"EHLO loadgen.mail.test": "250-fake\r\n250-SIZE 100000\r\n250 AUTH LOGIN PLAIN\r\n",
		"AUTH PLAIN " + base64.StdEncoding.EncodeToString([]byte("\x00u@mail.test\x00pw")): "235 2.7.0 ok\r\n",
		"MAIL FROM:<u@mail.test> SIZE=": "250 ok\r\n", // matched by prefix
		"RCPT TO:<r@mail.test>":         "250 ok\r\n",
		"DATA":                          "354 go\r\n",
		".":                             "250 queued\r\n",
		"QUIT":                          "221 bye\r\n",
	}
}

// serveSMTP runs a scripted SMTP server: it greets, answers each command
// from s (by exact line, else by a key that prefixes it, else "500"),
// and after a 354 reads the message to its "." line, checking the
// dot-stuffing of lines that start with ".", and answers s["."]. data
// receives each message as the server read it (un-stuffed).
func serveSMTP(t *testing.T, s smtpScript, data chan<- string) string {
	t.Helper()
	return serveLoopback(t, func(c net.Conn) {
		c.SetDeadline(time.Now().Add(10 * time.Second))
		serveSMTPConn(c, s, data)
	})
}

func serveSMTPConn(c net.Conn, s smtpScript, data chan<- string) {
	r := bufio.NewReader(c)
	c.Write([]byte("220 fake ESMTP\r\n"))
	for range 100 {
		l, err := r.ReadString('\n')
		if err != nil {
			return
		}
		l = strings.TrimSuffix(l, "\r\n")
		reply, ok := s[l]
		for k, v := range s {
			if !ok && strings.HasSuffix(k, "=") && strings.HasPrefix(l, k) {
				reply, ok = v, true
			}
		}
		if !ok {
			reply = "500 unknown\r\n"
		}
		c.Write([]byte(reply))
		if l == "QUIT" {
			return
		}
		if strings.HasPrefix(reply, "354") {
			var msg strings.Builder
			for {
				d, err := r.ReadString('\n')
				if err != nil || d == ".\r\n" {
					break
				}
				msg.WriteString(strings.TrimPrefix(d, "."))
			}
			if data != nil {
				data <- msg.String()
			}
			c.Write([]byte(s["."]))
		}
	}
}

func runSMTPScript(t *testing.T, s smtpScript, data chan<- string) *Result {
	t.Helper()
	o := Options{
		Workload: "smtp-submit", Addr: serveSMTP(t, s, data), TLS: TLSNone, Ops: 1, MessageSize: 2048,
		Users:   []User{{Address: "u@mail.test", Password: "pw"}, {Address: "r@mail.test", Password: "x"}},
		Timeout: 2 * time.Second,
	}
	o.Clients = 1
	return mustRun(t, o)
}

// TestSMTPScriptCorrect: a correct server is a success, and the message
// arrives whole after dot-stuffing.
func TestSMTPScriptCorrect(t *testing.T) {
	t.Parallel()
	data := make(chan string, 1)
	s := goodSMTP()
	// Client 0 sends from u@mail.test to users[k % 2]: k = 0 is u itself.
	s["RCPT TO:<u@mail.test>"] = "250 ok\r\n"
	if res := runSMTPScript(t, s, data); res.Errors != 0 || res.Ops != 1 || res.Messages != 1 {
		t.Fatalf("got %v %+v", res, res.ErrorSamples)
	}
	got := <-data
	want := string(sizedMessageFrom(0^0x5b17, 0, 2048, "<u@mail.test>", "undisclosed-recipients@mail.test"))
	if got != want {
		t.Errorf("the server read %d octets, want the %d generated", len(got), len(want))
	}
}

// TestSMTPScriptBrokenServersAreCaught: each wrong reply is an error.
func TestSMTPScriptBrokenServersAreCaught(t *testing.T) {
	t.Parallel()
	for name, c := range map[string]struct {
		key, reply, want string
	}{
		"no AUTH PLAIN":          {"EHLO loadgen.mail.test", "250-fake\r\n250 AUTH LOGIN\r\n", "does not offer AUTH PLAIN"},
		"code changes":           {"EHLO loadgen.mail.test", "250-fake\r\n251 AUTH PLAIN\r\n", "changes the code"},
		"malformed":              {"EHLO loadgen.mail.test", "250fake\r\n", "malformed reply line"},
		"bare LF":                {"MAIL FROM:<u@mail.test> SIZE=", "250 ok\n", "does not end in CRLF"},
		"auth refused":           {"AUTH PLAIN " + base64.StdEncoding.EncodeToString([]byte("\x00u@mail.test\x00pw")), "535 5.7.3 no\r\n", "AUTH PLAIN"},
		"recipient refused":      {"RCPT TO:<u@mail.test>", "550 5.1.1 unknown\r\n", "RCPT u@mail.test"},
		"DATA not 354":           {"DATA", "250 what\r\n", "DATA: "},
		"message refused":        {".", "554 5.6.0 no\r\n", "end of data"},
		"QUIT not 221":           {"QUIT", "250 bye\r\n", "QUIT"},
		"SIZE exceeded":          {"EHLO loadgen.mail.test", "250-fake\r\n250-SIZE 1000\r\n250 AUTH PLAIN\r\n", "exceeds the server's SIZE"},
		"reply never ends":       {"DATA", "354-go\r\n", "i/o timeout"},
		"too many lines":         {"EHLO loadgen.mail.test", strings.Repeat("250-x\r\n", 200) + "250 AUTH PLAIN\r\n", "more than 100 lines"},
		"greeting not 220 (554)": {"", "", "greeting"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := goodSMTP()
			s["RCPT TO:<u@mail.test>"] = "250 ok\r\n"
			if c.key != "" {
				s[c.key] = c.reply
			}
			var res *Result
			if c.key == "" {
				res = runSMTPGreeting(t, "554 go away\r\n")
			} else {
				res = runSMTPScript(t, s, nil)
			}
			if res.Errors != 1 || res.Ops != 0 || len(res.ErrorSamples) != 1 || !strings.Contains(res.ErrorSamples[0].Text, c.want) {
				t.Fatalf("got %v, samples %+v; want one error with %q", res, res.ErrorSamples, c.want)
			}
		})
	}
}

// runSMTPGreeting runs one operation against a server that only greets.
func runSMTPGreeting(t *testing.T, greeting string) *Result {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err == nil {
			c.Write([]byte(greeting))
			c.Close()
		}
	}()
	o := Options{Workload: "smtp-submit", Addr: ln.Addr().String(), TLS: TLSNone, Ops: 1,
		Users: []User{{Address: "u@mail.test", Password: "pw"}}, Timeout: 2 * time.Second}
	return mustRun(t, o)
}

// FuzzSMTPReply feeds arbitrary server output to the reply reader: it
// must return a reply or an error, never hang or panic, and a reply it
// accepts keeps one code.
func FuzzSMTPReply(f *testing.F) {
	f.Add([]byte("250-fake\r\n250-SIZE 100\r\n250 AUTH PLAIN\r\n"))
	f.Add([]byte("220\r\n"))
	f.Add([]byte("250-a\r\n251 b\r\n"))
	f.Add([]byte("2x0 a\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		client, server := net.Pipe()
		defer client.Close()
		go func() {
			server.Write(data)
			server.Close()
		}()
		c := &SMTP{lc: newLineConn(t.Context(), client, time.Second)}
		r, err := c.reply()
		if err != nil {
			return
		}
		if r.code < 200 || r.code > 599 || len(r.lines) == 0 || len(r.lines) > maxReplyLines {
			t.Fatalf("accepted %+v", r)
		}
	})
}

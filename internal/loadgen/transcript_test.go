package loadgen

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// These tests point the generator at a scripted POP3 server on loopback
// whose replies are crafted to be wrong in one way each: a broken server
// must show up as errors, never as throughput.

// script maps a command line to the raw reply the fake server sends.
type script map[string]string

// serveScript runs a POP3 server that greets, then answers each command
// from s ("-ERR unknown" otherwise) and closes after QUIT or a reply of
// "" (an empty reply hangs up, to cut a reply short).
func serveScript(t *testing.T, s script) string {
	t.Helper()
	return serveLoopback(t, func(c net.Conn) {
		c.SetDeadline(time.Now().Add(10 * time.Second))
		r := bufio.NewReader(c)
		c.Write([]byte("+OK fake\r\n"))
		for i := 0; i < 100; i++ {
			l, err := r.ReadString('\n')
			if err != nil {
				return
			}
			l = strings.TrimRight(l, "\r\n")
			reply, ok := s[l]
			if !ok {
				reply = "-ERR unknown\r\n"
			}
			if reply == "" {
				return
			}
			if slow, ok := strings.CutPrefix(reply, "\x00slow"); ok {
				for i := 0; i < len(slow); i++ {
					c.Write([]byte{slow[i]})
				}
			} else {
				c.Write([]byte(reply))
			}
			if l == "QUIT" {
				return
			}
		}
	})
}

// serveLoopback runs a server on a free loopback port that serves each
// connection with handle (which need not close it) until the test ends.
func serveLoopback(t *testing.T, handle func(c net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				handle(c)
			}()
		}
	}()
	return ln.Addr().String()
}

// digestMessage builds a message with a correct BodyDigestHeader.
func digestMessage(body string) string {
	sum := sha256.Sum256([]byte(body))
	return "Subject: t\r\n" + BodyDigestHeader + ": " + hex.EncodeToString(sum[:]) + "\r\n\r\n" + body
}

// stuff byte-stuffs a message for a multi-line reply and terminates it.
func stuff(m string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(m, "\r\n") {
		if strings.HasPrefix(l, ".") {
			b.WriteByte('.')
		}
		b.WriteString(l)
	}
	return b.String() + ".\r\n"
}

// mailbox is a correct script for a mailbox holding msgs.
func mailbox(msgs ...string) script {
	s := script{"USER u@mail.test": "+OK\r\n", "PASS pw": "+OK\r\n", "QUIT": "+OK bye\r\n"}
	var total int
	list, uidl := "+OK\r\n", "+OK\r\n"
	for i, m := range msgs {
		total += len(m)
		list += fmt.Sprintf("%d %d\r\n", i+1, len(m))
		uidl += fmt.Sprintf("%d uid-%d\r\n", i+1, i+1)
		s[fmt.Sprintf("RETR %d", i+1)] = "+OK\r\n" + stuff(m)
	}
	s["STAT"] = fmt.Sprintf("+OK %d %d\r\n", len(msgs), total)
	s["LIST"], s["UIDL"] = list+".\r\n", uidl+".\r\n"
	return s
}

// fetchOnce runs one pop3-fetch operation against s.
func fetchOnce(t *testing.T, s script, exact bool) *Result {
	t.Helper()
	o := Options{
		Workload: "pop3-fetch", Addr: serveScript(t, s), TLS: TLSNone, Ops: 1,
		Users: []User{{Address: "u@mail.test", Password: "pw"}}, ExactSizes: exact, Timeout: 2 * time.Second,
	}
	return mustRun(t, o)
}

var (
	msgA = digestMessage("hello\r\n.leading dot\r\n..two dots\r\n.\r\nend\r\n")
	msgB = digestMessage(strings.Repeat("x", 100<<10) + "\r\n.\r\n") // one line longer than the reader's buffer
)

func TestScriptCorrectMailbox(t *testing.T) {
	t.Parallel()
	res := fetchOnce(t, mailbox(msgA, msgB), true)
	if res.Errors != 0 || res.Messages != 2 || res.Bytes != int64(len(msgA)+len(msgB)) {
		t.Fatalf("a correct server was reported as %v", res)
	}
}

func TestScriptBrokenServersAreCaught(t *testing.T) {
	t.Parallel()
	corrupt := strings.Replace(msgA, "hello", "HELLO", 1)
	cases := map[string]struct {
		edit  func(s script)
		exact bool
		want  string
	}{
		"STAT count":    {func(s script) { s["STAT"] = fmt.Sprintf("+OK 3 %d\r\n", len(msgA)+len(msgB)) }, true, "LIST lists 2"},
		"STAT size":     {func(s script) { s["STAT"] = "+OK 2 10\r\n" }, true, "LIST sizes add up"},
		"LIST gap":      {func(s script) { s["LIST"] = "+OK\r\n1 5\r\n3 5\r\n.\r\n" }, true, "want message 2"},
		"UIDL repeated": {func(s script) { s["UIDL"] = "+OK\r\n1 a\r\n2 a\r\n.\r\n" }, true, "repeated"},
		"UIDL short":    {func(s script) { s["UIDL"] = "+OK\r\n1 a\r\n.\r\n" }, true, "UIDL 1"},
		"UIDL bad id":   {func(s script) { s["UIDL"] = "+OK\r\n1 a\x01\r\n2 b\r\n.\r\n" }, true, "unique-id"},
		"RETR short":    {func(s script) { s["RETR 1"] = "+OK\r\n" + stuff(msgA[:len(msgA)-5]+"\r\n") }, false, "body digest"},
		"LIST size off": {func(s script) {
			s["LIST"] = fmt.Sprintf("+OK\r\n1 %d\r\n2 %d\r\n.\r\n", len(msgA)+1, len(msgB))
			s["STAT"] = fmt.Sprintf("+OK 2 %d\r\n", len(msgA)+len(msgB)+1)
		}, true, "LIST said"},
		"RETR corrupt":      {func(s script) { s["RETR 1"] = "+OK\r\n" + stuff(corrupt) }, false, "body digest"},
		"RETR empty":        {func(s script) { s["RETR 1"] = "+OK\r\n.\r\n" }, false, "empty message"},
		"RETR bare LF":      {func(s script) { s["RETR 1"] = "+OK\r\nSubject: t\n\r\n.\r\n" }, false, "CRLF"},
		"RETR cut":          {func(s script) { s["RETR 2"] = "+OK\r\n" + msgB[:1000] }, false, "RETR 2 body"},
		"RETR deleted":      {func(s script) { s["RETR 2"] = "-ERR no such message\r\n" }, false, "server refused"},
		"RETR no status":    {func(s script) { s["RETR 1"] = "hello\r\n" }, false, "neither +OK nor -ERR"},
		"status over limit": {func(s script) { s["STAT"] = "+OK " + strings.Repeat("9", maxLine) + "\r\n" }, false, "over"},
		"QUIT refused":      {func(s script) { s["QUIT"] = "-ERR cannot delete\r\n" }, false, "QUIT"},
		"PASS refused":      {func(s script) { s["PASS pw"] = "-ERR [AUTH] no\r\n" }, false, "PASS"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := mailbox(msgA, msgB)
			c.edit(s)
			res := fetchOnce(t, s, c.exact)
			if res.Errors != 1 || res.Ops != 0 || res.Messages != 0 {
				t.Fatalf("broken server reported as %v", res)
			}
			if got := res.ErrorSamples[0].Text; !strings.Contains(got, c.want) {
				t.Errorf("error %q, want it to mention %q", got, c.want)
			}
		})
	}
}

func TestScriptInexactSizesAllowedOnRequest(t *testing.T) {
	t.Parallel()
	s := mailbox(msgA)
	s["LIST"] = fmt.Sprintf("+OK\r\n1 %d\r\n.\r\n", len(msgA)+7)
	s["STAT"] = fmt.Sprintf("+OK 1 %d\r\n", len(msgA)+7)
	if res := fetchOnce(t, s, false); res.Errors != 0 || res.Bytes != int64(len(msgA)) {
		t.Fatalf("approximate sizes without -exact-sizes: %v", res)
	}
	if res := fetchOnce(t, s, true); res.Errors != 1 {
		t.Fatalf("approximate sizes with -exact-sizes: %v", res)
	}
}

func TestScriptByteAtATime(t *testing.T) {
	t.Parallel()
	s := mailbox(msgA, msgB)
	for k, v := range s {
		s[k] = "\x00slow" + v // serveScript writes such replies one octet at a time
	}
	res := fetchOnce(t, s, true)
	if res.Errors != 0 || res.Messages != 2 || res.Bytes != int64(len(msgA)+len(msgB)) {
		t.Fatalf("byte-at-a-time server reported as %v", res)
	}
}

// FuzzFetchSession feeds arbitrary server output to a whole pop3-fetch
// session: the client must return (an error or counts) without
// panicking, and whatever it counts must be backed by +OK replies.
func FuzzFetchSession(f *testing.F) {
	s := mailbox(msgA)
	f.Add("+OK hi\r\n+OK\r\n+OK\r\n" + s["STAT"] + s["LIST"] + s["UIDL"] + s["RETR 1"] + "+OK bye\r\n")
	f.Add("+OK\r\n+OK\r\n+OK\r\n+OK 1 5\r\n+OK\r\n1 5\r\n.\r\n+OK\r\n1 a\r\n.\r\n+OK\r\n.x\r\n..\r\n.\r\n+OK\r\n")
	f.Add("-ERR no\r\n")
	f.Add("+OK\n")
	f.Fuzz(func(t *testing.T, server string) {
		cc, sc := net.Pipe()
		go func() {
			go io.Copy(io.Discard, sc) // the client's commands
			sc.Write([]byte(server))
			sc.Close()
		}()
		o := &Options{TLS: TLSNone, Timeout: time.Second, ExactSizes: true}
		c, err := newPOP3(context.Background(), newLineConn(context.Background(), cc, time.Second), o)
		if err != nil {
			return
		}
		defer c.Close()
		cnt, err := FetchAll(c, User{Address: "u", Password: "p"}, o)
		if err == nil && cnt.Messages > int64(strings.Count(server, "+OK")) {
			t.Fatalf("%d messages counted from %d +OK replies", cnt.Messages, strings.Count(server, "+OK"))
		}
	})
}

package loadgen

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// These tests point the IMAP workloads at a scripted server on loopback
// whose answers are wrong in one way each: a broken server must show up
// as errors, never as throughput.

// imapScript maps a command, without its tag and with any literal
// replaced by "{}", to the raw answer; "$T" in the answer stands for the
// command's tag. A missing command gets BAD; an empty answer hangs up.
type imapScript map[string]string

// literalSpec matches a literal announced at the end of a command line.
var literalSpec = regexp.MustCompile(`\{(\d+)(\+?)\}$`)

// serveIMAPScript runs the scripted server and returns its address.
// The greeting is the "greeting" entry ("* OK fake" if absent). Answers
// starting with "\x00slow" are written one octet at a time.
func serveIMAPScript(t *testing.T, s imapScript) string {
	t.Helper()
	return serveIMAP(t, s, nil)
}

// serveIMAP is serveIMAPScript with dynamic answers: dyn, if not nil, is
// asked first, with the command as the script keys it.
func serveIMAP(t *testing.T, s imapScript, dyn func(cmd string) (string, bool)) string {
	t.Helper()
	return serveLoopback(t, func(c net.Conn) { serveIMAPConn(c, s, dyn) })
}

func serveIMAPConn(c net.Conn, s imapScript, dyn func(string) (string, bool)) {
	c.SetDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReader(c)
	greeting, ok := s["greeting"]
	if !ok {
		greeting = "* OK fake\r\n"
	}
	writeAnswer(c, greeting)
	for i := 0; i < 100; i++ {
		l, err := r.ReadString('\n')
		if err != nil {
			return
		}
		l = strings.TrimRight(l, "\r\n")
		tag, cmd, _ := strings.Cut(l, " ")
		if m := literalSpec.FindStringSubmatch(cmd); m != nil {
			n, _ := strconv.Atoi(m[1])
			if m[2] == "" {
				c.Write([]byte("+ go on\r\n"))
			}
			if _, err := io.CopyN(io.Discard, r, int64(n)); err != nil {
				return
			}
			if rest, _ := r.ReadString('\n'); rest != "\r\n" {
				return
			}
			cmd = literalSpec.ReplaceAllString(cmd, "{}")
		}
		answer, ok := "", false
		if dyn != nil {
			answer, ok = dyn(cmd)
		}
		if !ok {
			answer, ok = s[cmd]
		}
		if !ok {
			answer = "$T BAD unknown command\r\n"
		}
		if answer == "" {
			return
		}
		writeAnswer(c, strings.ReplaceAll(answer, "$T", tag))
		if cmd == "LOGOUT" {
			return
		}
	}
}

func writeAnswer(c net.Conn, a string) {
	if slow, ok := strings.CutPrefix(a, "\x00slow"); ok {
		for i := 0; i < len(slow); i++ {
			c.Write([]byte{slow[i]})
		}
		return
	}
	c.Write([]byte(a))
}

// fetchItem is one FETCH response of a whole message.
func fetchItem(seq, uid int, msg string) string {
	return fmt.Sprintf("* %d FETCH (UID %d FLAGS (\\Seen) RFC822.SIZE %d BODY[] {%d}\r\n%s)\r\n", seq, uid, len(msg), len(msg), msg)
}

// imapMailbox is a correct script of an Inbox holding msgs, for
// imap-fetch.
func imapMailbox(msgs ...string) imapScript {
	fetch := ""
	for i, m := range msgs {
		fetch += fetchItem(i+1, 10+i, m)
	}
	return imapScript{
		`LOGIN "u@mail.test" "pw"`: "$T OK [CAPABILITY IMAP4rev1 UIDPLUS LITERAL+ IDLE] LOGIN completed\r\n",
		`SELECT "INBOX"`: fmt.Sprintf("* %d EXISTS\r\n* 0 RECENT\r\n* FLAGS (\\Seen \\Deleted)\r\n"+
			"* OK [UIDVALIDITY 7] ok\r\n* OK [UIDNEXT %d] ok\r\n$T OK [READ-WRITE] done\r\n", len(msgs), 10+len(msgs)),
		"UID FETCH 1:* (FLAGS RFC822.SIZE BODY.PEEK[])": fetch + "$T OK done\r\n",
		"LOGOUT": "* BYE bye\r\n$T OK done\r\n",
	}
}

// runScript runs ops operations of a workload against s.
func runScript(t *testing.T, workload string, s imapScript, ops int64, edit func(o *Options)) *Result {
	t.Helper()
	o := Options{
		Workload: workload, Addr: serveIMAPScript(t, s), TLS: TLSNone, Ops: ops,
		Users: []User{{Address: "u@mail.test", Password: "pw"}}, Timeout: 2 * time.Second,
	}
	if edit != nil {
		edit(&o)
	}
	return mustRun(t, o)
}

func TestIMAPScriptCorrectMailbox(t *testing.T) {
	t.Parallel()
	res := runScript(t, "imap-fetch", imapMailbox(msgA, msgB), 2, nil)
	if res.Errors != 0 || res.Messages != 4 || res.Bytes != 2*int64(len(msgA)+len(msgB)) {
		t.Fatalf("a correct server was reported as %v", res)
	}
}

func TestIMAPScriptByteAtATime(t *testing.T) {
	t.Parallel()
	s := imapMailbox(msgA, msgB)
	for k, v := range s {
		s[k] = "\x00slow" + v
	}
	s["greeting"] = "\x00slow* OK [CAPABILITY IMAP4rev1] slow\r\n"
	// 100 KB in single octets is slow under the race detector: the
	// deadline (per response and per 64 KB of literal) must not end it.
	res := runScript(t, "imap-fetch", s, 1, func(o *Options) { o.Timeout = 30 * time.Second })
	if res.Errors != 0 || res.Messages != 2 || res.Bytes != int64(len(msgA)+len(msgB)) {
		t.Fatalf("byte-at-a-time server reported as %v", res)
	}
}

func TestIMAPScriptBrokenServersAreCaught(t *testing.T) {
	t.Parallel()
	const fetchCmd = "UID FETCH 1:* (FLAGS RFC822.SIZE BODY.PEEK[])"
	corrupt := strings.Replace(msgA, "hello", "HELLO", 1)
	bareLF := strings.Replace(msgA, "hello\r\n", "hello\n", 1)
	ok := "$T OK done\r\n"
	cases := map[string]struct {
		edit func(s imapScript)
		want string
	}{
		"size off by one": {func(s imapScript) {
			s[fetchCmd] = strings.Replace(fetchItem(1, 10, msgA), fmt.Sprintf("RFC822.SIZE %d", len(msgA)), fmt.Sprintf("RFC822.SIZE %d", len(msgA)+1), 1) +
				fetchItem(2, 11, msgB) + ok
		}, "RFC822.SIZE"},
		"one FETCH missing":  {func(s imapScript) { s[fetchCmd] = fetchItem(1, 10, msgA) + ok }, "gave 1 messages, EXISTS said 2"},
		"same message twice": {func(s imapScript) { s[fetchCmd] = fetchItem(1, 10, msgA) + fetchItem(1, 10, msgA) + ok }, "two FETCH responses"},
		"message 3 of 2":     {func(s imapScript) { s[fetchCmd] = fetchItem(1, 10, msgA) + fetchItem(3, 11, msgB) + ok }, "FETCH for message 3 of 2"},
		"UIDs not ascending": {func(s imapScript) { s[fetchCmd] = fetchItem(1, 11, msgA) + fetchItem(2, 10, msgB) + ok }, "not above"},
		"corrupt body":       {func(s imapScript) { s[fetchCmd] = fetchItem(1, 10, corrupt) + fetchItem(2, 11, msgB) + ok }, "body digest"},
		"bare LF":            {func(s imapScript) { s[fetchCmd] = fetchItem(1, 10, bareLF) + fetchItem(2, 11, msgB) + ok }, "bare LF"},
		"literal cut short": {func(s imapScript) {
			s[fetchCmd] = fmt.Sprintf("* 1 FETCH (UID 10 FLAGS () RFC822.SIZE %d BODY[] {%d}\r\n%s", len(msgA), len(msgA), msgA[:40])
		}, "timeout"}, // the server stays silent: the deadline ends it
		"literal longer than said": {func(s imapScript) {
			s[fetchCmd] = fmt.Sprintf("* 1 FETCH (UID 10 FLAGS () RFC822.SIZE %d BODY[] {%d}\r\n%sxx)\r\n", len(msgA), len(msgA), msgA) + ok
		}, "FETCH"},
		"no BODY[]": {func(s imapScript) {
			s[fetchCmd] = "* 1 FETCH (UID 10 FLAGS () RFC822.SIZE 5 BODY[] NIL)\r\n" + fetchItem(2, 11, msgB) + ok
		}, "lacks"},
		"EXISTS drops": {func(s imapScript) {
			s[fetchCmd] = "* 1 EXISTS\r\n" + fetchItem(1, 10, msgA) + ok
		}, "EXISTS 1 after 2 without EXPUNGE"},
		"wrong tag":         {func(s imapScript) { s[fetchCmd] = fetchItem(1, 10, msgA) + fetchItem(2, 11, msgB) + "x9 OK done\r\n" }, "tagged response"},
		"FETCH refused":     {func(s imapScript) { s[fetchCmd] = "$T NO [SERVERBUG] oops\r\n" }, "server refused: NO"},
		"no UIDVALIDITY":    {func(s imapScript) { s[`SELECT "INBOX"`] = "* 2 EXISTS\r\n$T OK done\r\n" }, "UIDVALIDITY"},
		"no BYE at LOGOUT":  {func(s imapScript) { s["LOGOUT"] = "$T OK done\r\n" }, "no untagged BYE"},
		"greeting BYE":      {func(s imapScript) { s["greeting"] = "* BYE too busy\r\n" }, "greeting"},
		"LOGIN refused":     {func(s imapScript) { s[`LOGIN "u@mail.test" "pw"`] = "$T NO [AUTHENTICATIONFAILED] no\r\n" }, "LOGIN: server refused"},
		"BYE amid FETCH":    {func(s imapScript) { s[fetchCmd] = fetchItem(1, 10, msgA) + "* BYE shutting down\r\n" }, "server closing"},
		"bad status word":   {func(s imapScript) { s[fetchCmd] = "$T MAYBE done\r\n" }, "is not OK, NO or BAD"},
		"unclosed FETCH":    {func(s imapScript) { s[fetchCmd] = "* 1 FETCH (UID 10 FLAGS ()\r\n" + ok }, "FETCH"},
		"continuation":      {func(s imapScript) { s[fetchCmd] = "+ more please\r\n" }, "unexpected continuation"},
		"status line LF":    {func(s imapScript) { s[fetchCmd] = "$T OK done\n" }, "CRLF"},
		"status over limit": {func(s imapScript) { s[fetchCmd] = "$T OK " + strings.Repeat("x", maxLine) + "\r\n" }, "over"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := imapMailbox(msgA, msgB)
			c.edit(s)
			res := runScript(t, "imap-fetch", s, 1, nil)
			if res.Errors != 1 || res.Ops != 0 || res.Messages != 0 {
				t.Fatalf("broken server reported as %v", res)
			}
			if got := res.ErrorSamples[0].Text; !strings.Contains(got, c.want) {
				t.Errorf("error %q, want it to mention %q", got, c.want)
			}
		})
	}
}

// appendScript is a correct script for append without the APPEND
// answers, and with the read-back of the last of ops messages of size
// octets as UID last.
func appendScript(size, ops, last int, literalPlus bool) imapScript {
	caps := "IMAP4rev1 UIDPLUS IDLE"
	if literalPlus {
		caps += " LITERAL+"
	}
	s := imapMailbox()
	s[`LOGIN "u@mail.test" "pw"`] = "$T OK LOGIN completed\r\n"
	s["CAPABILITY"] = "* CAPABILITY " + caps + "\r\n$T OK done\r\n"
	s[`SELECT "INBOX"`] = "* 1 EXISTS\r\n* OK [UIDVALIDITY 5] ok\r\n$T OK done\r\n"
	msg := string(SizedMessage(1^0xa99e, (ops-1)%appendPool, size, "append@mail.test"))
	s[fmt.Sprintf("UID FETCH %d (RFC822.SIZE BODY.PEEK[])", last)] = fmt.Sprintf(
		"* 1 FETCH (UID %d RFC822.SIZE %d BODY[] {%d}\r\n%s)\r\n$T OK done\r\n", last, len(msg), len(msg), msg)
	return s
}

// runAppend runs 3 appends of 1000 octets, one client (so operation k
// appends pool message k and the script knows the last one), against a
// server answering the k-th APPEND (from 1) with answer(k).
func runAppend(t *testing.T, s imapScript, answer func(k int) string) *Result {
	t.Helper()
	var mu sync.Mutex
	k := 0
	addr := serveIMAP(t, s, func(cmd string) (string, bool) {
		if cmd != `APPEND "INBOX" {}` {
			return "", false
		}
		mu.Lock()
		defer mu.Unlock()
		k++
		return answer(k), true
	})
	o := Options{Workload: "append", Addr: addr, TLS: TLSNone, Ops: 3, MessageSize: 1000, Seed: 1,
		Users: []User{{Address: "u@mail.test", Password: "pw"}}, Timeout: 2 * time.Second}
	return mustRun(t, o)
}

func TestAppendScript(t *testing.T) {
	t.Parallel()
	good := func(k int) string { return fmt.Sprintf("$T OK [APPENDUID 5 %d] done\r\n", 8+k) }
	for _, plus := range []bool{true, false} { // non-synchronizing and synchronizing literals
		if res := runAppend(t, appendScript(1000, 3, 11, plus), good); res.Errors != 0 || res.Messages != 3 || res.Bytes != 3000 {
			t.Fatalf("LITERAL+ %v: correct server reported as %v", plus, res)
		}
	}
	broken := map[string]struct {
		edit   func(s imapScript)
		answer func(k int) string
		want   string
	}{
		"no APPENDUID": {nil, func(int) string { return "$T OK done\r\n" }, "UIDPLUS advertised"},
		"UID repeated": {nil, func(int) string { return "$T OK [APPENDUID 5 9] done\r\n" }, "APPENDUID UID 9 after 9"},
		"new validity": {nil, func(k int) string { return fmt.Sprintf("$T OK [APPENDUID %d %d] done\r\n", k, 8+k) }, "UIDVALIDITY"},
		"refused":      {nil, func(int) string { return "$T NO [OVERQUOTA] full\r\n" }, "server refused: NO"},
		"garbled code": {nil, func(int) string { return "$T OK [APPENDUID five 9] done\r\n" }, "APPENDUID"},
		"stored wrong": {func(s imapScript) {
			s["UID FETCH 11 (RFC822.SIZE BODY.PEEK[])"] = "* 1 FETCH (UID 11 RFC822.SIZE 3 BODY[] {3}\r\nabc)\r\n$T OK done\r\n"
		}, good, "does not hold the 1000 octets"},
		"not there": {func(s imapScript) {
			s["UID FETCH 11 (RFC822.SIZE BODY.PEEK[])"] = "$T OK done\r\n"
		}, good, "is not there"},
	}
	for name, c := range broken {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := appendScript(1000, 3, 11, true)
			if c.edit != nil {
				c.edit(s)
			}
			res := runAppend(t, s, c.answer)
			found := false
			for _, e := range res.ErrorSamples {
				found = found || strings.Contains(e.Text, c.want)
			}
			if res.Errors == 0 || !found {
				t.Errorf("got %v, want an error mentioning %q", res, c.want)
			}
		})
	}
}

// mixedScript is a correct script for one imap-mixed round on an Inbox
// of one message (UID 1); the appended message gets UID 2.
func mixedScript() imapScript {
	hdr := "From: a@b\r\nSubject: hi\r\n\r\n"
	s := imapScript{
		`LOGIN "u@mail.test" "pw"`: "$T OK [CAPABILITY IMAP4rev1 UIDPLUS LITERAL+] done\r\n",
		`SELECT "INBOX"`:           "* 1 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n* OK [UIDNEXT 2] ok\r\n$T OK done\r\n",
		"FETCH 1:* (UID FLAGS RFC822.SIZE INTERNALDATE " + mixedHeaders + ")": fmt.Sprintf(
			"* 1 FETCH (UID 1 FLAGS (\\Seen) RFC822.SIZE %d INTERNALDATE \"01-Jan-2025 10:00:00 +0000\" "+
				"BODY[HEADER.FIELDS (FROM TO CC SUBJECT DATE MESSAGE-ID CONTENT-TYPE)] {%d}\r\n%s)\r\n$T OK done\r\n", len(msgA), len(hdr), hdr),
		"UID FETCH 1 (BODY.PEEK[])":            fmt.Sprintf("* 1 FETCH (UID 1 BODY[] {%d}\r\n%s)\r\n$T OK done\r\n", len(msgA), msgA),
		`APPEND "INBOX" {}`:                    "$T OK [APPENDUID 7 2] done\r\n",
		"NOOP":                                 "* 2 EXISTS\r\n* 1 RECENT\r\n$T OK done\r\n",
		`UID STORE 2 +FLAGS (\Seen)`:           "* 2 FETCH (UID 2 FLAGS (\\Seen \\Recent))\r\n$T OK done\r\n",
		"UID SEARCH UNSEEN":                    "* SEARCH\r\n$T OK done\r\n",
		`UID STORE 2 +FLAGS.SILENT (\Deleted)`: "$T OK done\r\n",
		"UID EXPUNGE 2":                        "* 2 EXPUNGE\r\n$T OK done\r\n",
		"LOGOUT":                               "* BYE bye\r\n$T OK done\r\n",
	}
	return s
}

func TestIMAPMixedScript(t *testing.T) {
	t.Parallel()
	if res := runScript(t, "imap-mixed", mixedScript(), 1, nil); res.Errors != 0 || res.Ops != 1 {
		t.Fatalf("a correct server was reported as %v", res)
	}
	cases := map[string]struct {
		key, answer, want string
	}{
		"SEARCH lists the seen one":  {"UID SEARCH UNSEEN", "* SEARCH 2\r\n$T OK done\r\n", "just marked"},
		"SEARCH lists a ghost":       {"UID SEARCH UNSEEN", "* SEARCH 5\r\n$T OK done\r\n", "does not exist"},
		"SEARCH not a UID":           {"UID SEARCH UNSEEN", "* SEARCH x\r\n$T OK done\r\n", "not a UID"},
		"no SEARCH response":         {"UID SEARCH UNSEEN", "$T OK done\r\n", "0 SEARCH responses"},
		"NOOP silent":                {"NOOP", "$T OK done\r\n", "announces 1 messages, 2 expected"},
		"STORE without flags":        {`UID STORE 2 +FLAGS (\Seen)`, "$T OK done\r\n", `no FETCH response for UID 2 with \Seen`},
		"EXPUNGE silent":             {"UID EXPUNGE 2", "$T OK done\r\n", "0 EXPUNGE responses"},
		"APPENDUID old":              {`APPEND "INBOX" {}`, "$T OK [APPENDUID 7 1] done\r\n", "APPENDUID 7 1"},
		"APPENDUID other validity":   {`APPEND "INBOX" {}`, "$T OK [APPENDUID 8 2] done\r\n", "APPENDUID 8 2"},
		"body size differs":          {"UID FETCH 1 (BODY.PEEK[])", "* 1 FETCH (UID 1 BODY[] {6}\r\nab\r\n\r\n)\r\n$T OK done\r\n", "RFC822.SIZE said"},
		"header without blank line":  {"FETCH 1:* (UID FLAGS RFC822.SIZE INTERNALDATE " + mixedHeaders + ")", "* 1 FETCH (UID 1 FLAGS () RFC822.SIZE 5 INTERNALDATE \"x\" BODY[HEADER.FIELDS (SUBJECT)] {13}\r\nSubject: hi\r\n)\r\n$T OK done\r\n", "blank line"},
		"header fetch lacks an item": {"FETCH 1:* (UID FLAGS RFC822.SIZE INTERNALDATE " + mixedHeaders + ")", "* 1 FETCH (UID 1 FLAGS () INTERNALDATE \"x\" BODY[HEADER.FIELDS (SUBJECT)] {15}\r\nSubject: hi\r\n\r\n)\r\n$T OK done\r\n", "lacks"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := mixedScript()
			s[c.key] = c.answer
			res := runScript(t, "imap-mixed", s, 1, nil)
			if res.Errors != 1 || res.Ops != 0 {
				t.Fatalf("broken server reported as %v", res)
			}
			if got := res.ErrorSamples[0].Text; !strings.Contains(got, c.want) {
				t.Errorf("error %q, want it to mention %q", got, c.want)
			}
		})
	}
}

// FuzzIMAPFetchSession feeds arbitrary server output to a whole
// imap-fetch session: the client must return (an error or counts)
// without panicking or hanging, and whatever it counts must be backed by
// FETCH responses.
func FuzzIMAPFetchSession(f *testing.F) {
	s := imapMailbox(msgA)
	for _, k := range []string{`SELECT "INBOX"`, "UID FETCH 1:* (FLAGS RFC822.SIZE BODY.PEEK[])", "LOGOUT"} {
		s[k] = strings.ReplaceAll(s[k], "$T", "a2")
	}
	f.Add("* OK hi\r\na1 OK\r\n" + s[`SELECT "INBOX"`] + strings.ReplaceAll(s["UID FETCH 1:* (FLAGS RFC822.SIZE BODY.PEEK[])"], "a2", "a3") + strings.ReplaceAll(s["LOGOUT"], "a2", "a4"))
	f.Add("* OK\r\na1 OK\r\n* 1 EXISTS\r\n* OK [UIDVALIDITY 1]\r\na2 OK\r\n* 1 FETCH (UID 1 FLAGS () RFC822.SIZE 2 BODY[] {2}\r\nab)\r\na3 OK\r\n* BYE\r\na4 OK\r\n")
	f.Add("* OK\r\na1 OK\r\n* 1 FETCH (BODY[HEADER.FIELDS (A)] \"q\\\"\" ENVELOPE (NIL (\"a\" {1}\r\nx)) X ((((()))))) \r\n")
	f.Add("* PREAUTH\r\n")
	f.Fuzz(func(t *testing.T, server string) {
		cc, sc := net.Pipe()
		go func() {
			go io.Copy(io.Discard, sc) // the client's commands
			sc.Write([]byte(server))
			sc.Close()
		}()
		o := &Options{TLS: TLSNone, Timeout: time.Second}
		c, err := newIMAP(context.Background(), newLineConn(context.Background(), cc, time.Second), o)
		if err != nil {
			return
		}
		defer c.Close()
		cnt, err := FetchMailbox(c, User{Address: "u", Password: "p"}, o)
		if err == nil && cnt.Messages > int64(strings.Count(server, "FETCH")) {
			t.Fatalf("%d messages counted from %d FETCH responses", cnt.Messages, strings.Count(server, "FETCH"))
		}
	})
}

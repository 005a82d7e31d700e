package protolog

import (
	"bytes"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestHeaderAndRecords(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c := newClock(time.Date(2026, 11, 22, 10, 15, 30, 123_000_000, time.UTC))
	l := open(t, testOptions(dir, c))

	s := l.Session("08DD0A1B2C3D4E5F", serverEP, netip.MustParseAddrPort("[::ffff:127.0.0.1]:50123"))
	s.Command("CAPA", "", "R=OK", 6, 80, 0)
	s.Command("USER", "alice@mail.test", "R=OK", 22, 5, time.Millisecond)
	c.Add(1500 * time.Millisecond)
	s.Command("PASS", "secret1", `R="-ERR Logon failure: unknown user name or bad password."`, 14, 60, 1234*time.Millisecond)
	s.SetUser("alice@mail.test")
	s.Command("RETR", "1", "R=OK, size=1,234", 8, 1234, 2*time.Millisecond)
	s.Command("xyz", "a\r\nb\x00c\"d", "", 12, 10, 0)
	s.Close()
	s.Command("noop", "", "R=OK", 6, 5, 0) // after Close: not logged
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	files := readLogs(t, dir)
	if len(files) != 1 || files[0].name != "POP3BE2026112210-1.LOG" {
		t.Fatalf("files = %v", names(files))
	}
	f := files[0]
	wantHeaders := []string{
		"#Software: Postern",
		"#Version: 15.0.0.0",
		"#Log-type: POP3 Protocol Log",
		"#Date: 2026-11-22T10:15:30.123Z",
		"#Fields: dateTime,sessionId,seqNumber,sIp,cIp,user,duration,rqsize,rpsize,command,parameters,context",
	}
	if !slices.Equal(f.headers, wantHeaders) {
		t.Errorf("headers:\n%q\nwant\n%q", f.headers, wantHeaders)
	}
	want := [][]string{
		{"2026-11-22T10:15:30.123Z", "08DD0A1B2C3D4E5F", "0", "127.0.0.1:995", "127.0.0.1:50123", "", "0", "0", "0", "OpenSession", "", ""},
		{"2026-11-22T10:15:30.123Z", "08DD0A1B2C3D4E5F", "1", "127.0.0.1:995", "127.0.0.1:50123", "", "0", "6", "80", "capa", "", "R=OK"},
		{"2026-11-22T10:15:30.123Z", "08DD0A1B2C3D4E5F", "2", "127.0.0.1:995", "127.0.0.1:50123", "", "1", "22", "5", "user", "alice@mail.test", "R=OK"},
		{"2026-11-22T10:15:31.623Z", "08DD0A1B2C3D4E5F", "3", "127.0.0.1:995", "127.0.0.1:50123", "", "1234", "14", "60", "pass", "*****", `R="-ERR Logon failure: unknown user name or bad password."`},
		{"2026-11-22T10:15:31.623Z", "08DD0A1B2C3D4E5F", "4", "127.0.0.1:995", "127.0.0.1:50123", "alice@mail.test", "2", "8", "1234", "retr", "1", "R=OK, size=1,234"},
		{"2026-11-22T10:15:31.623Z", "08DD0A1B2C3D4E5F", "5", "127.0.0.1:995", "127.0.0.1:50123", "alice@mail.test", "0", "12", "10", "xyz", `a\r\nb\x00c"d`, ""},
		{"2026-11-22T10:15:31.623Z", "08DD0A1B2C3D4E5F", "6", "127.0.0.1:995", "127.0.0.1:50123", "alice@mail.test", "1500", "0", "0", "CloseSession", "", ""},
	}
	if len(f.records) != len(want) {
		t.Fatalf("%d records, want %d:\n%s", len(f.records), len(want), f.raw)
	}
	for i := range want {
		if !slices.Equal(f.records[i], want[i]) {
			t.Errorf("record %d:\n got %q\nwant %q", i, f.records[i], want[i])
		}
	}
	// The quoting is RFC 4180's, byte for byte.
	if !bytes.Contains(f.raw, []byte(`,"R=""-ERR Logon failure: unknown user name or bad password."""`+"\r\n")) {
		t.Errorf("context not quoted as RFC 4180 says:\n%s", f.raw)
	}
}

func TestNilLoggerAndSession(t *testing.T) {
	t.Parallel()
	var l *Logger
	s := l.Session("x", serverEP, clientEP)
	if s != nil {
		t.Fatal("nil Logger returned a Session")
	}
	s.SetUser("u")
	s.Command("user", "u", "R=OK", 1, 1, 0)
	s.SASLResponse("auth", "", 1, 1, 0)
	s.Close()
	if l.Dropped() != 0 || l.Close() != nil {
		t.Fatal("nil Logger misbehaves")
	}
}

func TestOpenValidates(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := []Options{
		{LogType: "POP3 Protocol Log"},
		{Dir: dir},
		{Dir: dir, LogType: "x\r\n#Fields: evil"},
		{Dir: dir, LogType: "x", FilePrefix: "../up"},
		{Dir: dir, LogType: "x", RollOver: 5},
		{Dir: dir, LogType: "x", MaxFileSize: -2},
	}
	for _, o := range bad {
		if l, err := Open(o); err == nil {
			l.Close()
			t.Errorf("Open(%+v) succeeded", o)
		}
	}
}

func TestFlushesWithinASecond(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	l := open(t, Options{Dir: dir, LogType: "IMAP4 Protocol Log", FilePrefix: "IMAP4"})
	defer l.Close()
	s := l.Session("1", serverEP, clientEP)
	s.Command("capability", "", "R=OK", 14, 200, 0)
	deadline := time.Now().Add(3 * time.Second)
	for {
		files := readLogs(t, dir)
		if len(files) == 1 && len(files[0].records) == 2 {
			if !slices.Contains(files[0].headers, "#Log-type: IMAP4 Protocol Log") {
				t.Errorf("headers %q", files[0].headers)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("lines not flushed: %v", files)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestConcurrentSessions(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	l := open(t, Options{Dir: dir, LogType: "IMAP4 Protocol Log", FilePrefix: "IMAP4", MaxFileSize: 64 << 10})
	const sessions, commands = 40, 100
	var wg sync.WaitGroup
	for i := range sessions {
		wg.Go(func() {
			s := l.Session(strings.Repeat(string(rune('A'+i%26)), 4)+string(rune('a'+i/26)), serverEP, clientEP)
			s.SetUser("user@mail.test")
			for j := range commands {
				s.Command("noop", "", "R=OK", j, 20, 0)
				if j%10 == 0 {
					s.Command("login", "user@mail.test hunter2", "R=OK", 30, 20, 0)
				}
			}
			s.Close()
		})
	}
	wg.Wait()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if l.Dropped() != 0 {
		t.Errorf("dropped %d lines", l.Dropped())
	}
	files := readLogs(t, dir)
	if len(files) < 2 {
		t.Errorf("expected size rollover, got %v", names(files))
	}
	next := map[string]int{}
	total := 0
	for _, rec := range allRecords(files) {
		total++
		id := rec[fSession]
		if got := atoi(t, rec[fSeq]); got != next[id] {
			t.Fatalf("session %s: seqNumber %d, want %d", id, got, next[id])
		}
		next[id]++
		if rec[fParams] != "" && rec[fParams] != "user@mail.test *****" {
			t.Fatalf("params %q", rec[fParams])
		}
	}
	if want := sessions * (commands + commands/10 + 2); total != want {
		t.Errorf("%d records, want %d", total, want)
	}
	if len(next) != sessions {
		t.Errorf("%d sessions, want %d", len(next), sessions)
	}
}

func TestDiskFailureDropsAndCounts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c := newClock(time.Date(2026, 11, 22, 10, 59, 0, 0, time.UTC))
	var errs bytes.Buffer
	opts := testOptions(dir, c)
	opts.ErrorLog = slog.New(slog.NewTextHandler(&errs, nil))
	l := open(t, opts)
	// The next hour's file is a full disk.
	if err := os.Symlink("/dev/full", filepath.Join(dir, "POP3BE2026112211-1.LOG")); err != nil {
		t.Skip("no /dev/full:", err)
	}
	s := l.Session("1", serverEP, clientEP)
	c.Set(time.Date(2026, 11, 22, 11, 0, 1, 0, time.UTC))
	start := time.Now()
	for range 100 {
		s.Command("noop", "", "R=OK", 6, 5, 0)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("logging blocked for %v", d)
	}
	s.Close()
	l.Close() // the error is counted, whatever Close reports
	if got := l.Dropped(); got != 101 {
		t.Errorf("Dropped = %d, want 101", got)
	}
	if n := strings.Count(errs.String(), "cannot write protocol log"); n != 1 {
		t.Errorf("%d error reports, want 1:\n%s", n, errs.String())
	}
}

package probe

import (
	"bufio"
	"bytes"
	"errors"
	"net"
	"strings"
	"testing"
	"testing/iotest"
)

// sinkConn is a net.Conn that discards what a probe sends.
type sinkConn struct{ net.Conn }

func (sinkConn) Write(b []byte) (int, error) { return len(b), nil }

func fuzzProbe(data []byte) *probe {
	return &probe{conn: sinkConn{}, r: bufio.NewReader(bytes.NewReader(data))}
}

// FuzzProbeReplies feeds arbitrary server replies to the connectivity
// test's POP3 and IMAP4 readers (its SMTP client is internal/smtp's): they return an error or a result,
// never panic, and never keep more than their limits.
func FuzzProbeReplies(f *testing.F) {
	f.Add([]byte("+OK 2 300\r\n+OK\r\nSubject: Postern connectivity test M\r\n.\r\n+OK\r\n"))
	f.Add([]byte("* 2 EXISTS\r\nb1 OK\r\n* SEARCH 4 5\r\nb2 OK\r\nb3 OK\r\nb4 OK\r\n"))
	f.Add([]byte("25\r\n2500 x\r\n* SEARCH x\r\nb2 OK\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		popProbe{}.findDelete(fuzzProbe(data), "M")
		imapProbe{}.findDelete(fuzzProbe(data), "M")
		if kept, err := imapReplies(fuzzProbe(data), "b2", "* SEARCH"); err == nil && len(kept) > maxProbeReplies {
			t.Fatalf("%d replies kept", len(kept))
		}
	})
}

func TestScanOrder(t *testing.T) {
	for _, c := range []struct {
		n, max int
		want   []int
	}{{0, 5, nil}, {1, 5, []int{1}}, {4, 10, []int{4, 1, 3, 2}}, {5, 10, []int{5, 1, 4, 2, 3}}, {10, 3, []int{10, 1, 9}}} {
		got := scanOrder(c.n, c.max)
		if len(got) != len(c.want) {
			t.Errorf("scanOrder(%d, %d) = %v, want %v", c.n, c.max, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("scanOrder(%d, %d) = %v, want %v", c.n, c.max, got, c.want)
				break
			}
		}
	}
}

// TestProbeRepliesByteAtATime reads the replies of a whole round trip
// when the server's bytes arrive one at a time.
func TestProbeRepliesByteAtATime(t *testing.T) {
	slow := func(s string) *probe {
		return &probe{conn: sinkConn{}, r: bufio.NewReader(iotest.OneByteReader(strings.NewReader(s)))}
	}
	pop := "+OK 2 500\r\n" + // STAT
		"+OK\r\nSubject: other\r\n.\r\n" + // TOP 2 0 (the newest first)
		"+OK\r\nFrom: a\r\nSubject: Postern connectivity test M1\r\n.\r\n" + // TOP 1 0
		"+OK\r\n" // DELE 1
	if err := (popProbe{}).findDelete(slow(pop), "M1"); err != nil {
		t.Errorf("POP3 findDelete: %v", err)
	}
	if err := (popProbe{}).findDelete(slow("+OK 0 0\r\n"), "M1"); !errors.Is(err, errNotYet) {
		t.Errorf("POP3 findDelete on an empty Inbox: %v", err)
	}
	imap := "* 3 EXISTS\r\nb1 OK [READ-WRITE] SELECT completed.\r\n* SEARCH 7\r\nb2 OK\r\nb3 OK\r\n* 3 EXPUNGE\r\nb4 OK\r\n"
	if err := (imapProbe{}).findDelete(slow(imap), "M1"); err != nil {
		t.Errorf("IMAP4 findDelete: %v", err)
	}
	if err := (imapProbe{}).findDelete(slow("b1 OK\r\n* SEARCH\r\nb2 OK\r\n"), "M1"); !errors.Is(err, errNotYet) {
		t.Errorf("IMAP4 findDelete, nothing found: %v", err)
	}
	if err := (imapProbe{}).findDelete(slow("b1 NO no such folder\r\n"), "M1"); err == nil || !strings.Contains(err.Error(), "SELECT") {
		t.Errorf("IMAP4 findDelete, SELECT refused: %v", err)
	}
}

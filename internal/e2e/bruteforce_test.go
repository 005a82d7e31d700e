package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestPasswordGuessing is issue 12's brute-force check, against the real
// binary with its default logon budgets: from 127.0.0.2-7, 10 and 50
// connections per protocol guess alice's password over IMAP4, POP3 and
// SMTP submission for a minute (each connection guessing again as soon as
// it is answered, reconnecting when dropped), and python's imaplib,
// poplib and smtplib do the same from 127.0.0.8-10. Meanwhile and after,
// the owner logs on from 127.0.0.1 over each protocol, with Go and with
// the python clients, at once. The server's log then shows, per source,
// how many guesses were checked in any minute: at most LogonsPerMinute.
func TestPasswordGuessing(t *testing.T) {
	need(t, "python3")
	dur := time.Minute
	if testing.Short() {
		dur = 15 * time.Second
	}
	in := serve(t, "")
	addrs := in.logonAddrs(t)
	roots := in.roots()
	if out := in.cli("", "login", "show"); !strings.Contains(out, "LogonsPerMinute") || !strings.Contains(out, ": 20") {
		t.Fatalf("login show:\n%s", out)
	}
	type attack struct {
		proto, src string
		conns      int
	}
	attacks := []attack{
		{"imap", "127.0.0.2", 10}, {"imap", "127.0.0.3", 50},
		{"pop3", "127.0.0.4", 10}, {"pop3", "127.0.0.5", 50},
		{"smtp", "127.0.0.6", 10}, {"smtp", "127.0.0.7", 50},
	}
	// The owner, from 127.0.0.1, every 3 seconds over each protocol; a
	// first time before the attack, as a mail client that is set up has.
	var slowest time.Duration
	owner := func(when string) {
		for _, proto := range []string{"imap", "pop3", "smtp"} {
			t0 := time.Now()
			c, err := dialLogon(proto, "127.0.0.1", addrs[proto], roots)
			if err != nil {
				t.Errorf("%s: the owner could not connect over %s: %v", when, proto, err)
				continue
			}
			r, line, err := c.logon("alice@mail.test", "secret1")
			c.close()
			took := time.Since(t0)
			slowest = max(slowest, took)
			if testing.Verbose() {
				t.Logf("%s: the owner's %s logon took %v", when, proto, took)
			}
			if err != nil || r != replyOK || took > 2*time.Second {
				t.Errorf("%s: the owner's %s logon: %q %v after %v", when, proto, line, err, took)
			}
		}
	}
	owner("before the attack")
	start := time.Now()
	deadline := start.Add(dur)
	var wg sync.WaitGroup
	for _, a := range attacks {
		for i := range a.conns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n := 0
				for time.Now().Before(deadline) {
					c, err := dialLogon(a.proto, a.src, addrs[a.proto], roots)
					if err != nil {
						time.Sleep(500 * time.Millisecond)
						continue
					}
					// An answer still awaited at the end is not waited for.
					c.conn.SetDeadline(deadline.Add(time.Second))
					for time.Now().Before(deadline) {
						n++
						r, _, err := c.logon("alice@mail.test", fmt.Sprintf("guess-%d-%d", i, n))
						if err != nil || r == replyClosed || r == replyOK {
							break
						}
					}
					c.close()
				}
			}()
		}
	}
	// The python clients guess from their own addresses and log the
	// owner on from 127.0.0.1 throughout; they report as JSON.
	script := filepath.Join(t.TempDir(), "guess.py")
	if err := os.WriteFile(script, []byte(pythonGuesser), 0o600); err != nil {
		t.Fatal(err)
	}
	var pyOut string
	wg.Add(1)
	go func() {
		defer wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), dur+2*time.Minute)
		defer cancel()
		out, err := command(ctx, t, "", "python3", script, in.ca(), addrs["imap"], addrs["pop3"], addrs["smtp"], fmt.Sprint(int(dur.Seconds()))).CombinedOutput()
		if err != nil {
			t.Errorf("python: %v\n%s", err, out)
		}
		pyOut = string(out)
	}()
	for time.Now().Before(deadline) {
		owner("during the attack")
		time.Sleep(3 * time.Second)
	}
	wg.Wait()
	owner("after the attack")
	t.Logf("the owner's slowest logon (connect, TLS, logon): %v", slowest)

	var py struct {
		Owner   map[string]float64 `json:"owner_slowest"`
		Refused []string           `json:"owner_refused"`
		Guesses map[string]int     `json:"guesses"`
	}
	if err := json.Unmarshal([]byte(lastLine(pyOut)), &py); err != nil {
		t.Fatalf("python: %v\n%s", err, pyOut)
	}
	t.Logf("python: owner's slowest logon per protocol %v s, guesses sent %v", py.Owner, py.Guesses)
	if len(py.Refused) > 0 {
		t.Errorf("python: the owner was refused: %v", py.Refused)
	}
	for proto, s := range py.Owner {
		if s > 2 {
			t.Errorf("python: the owner's %s logon took %.2f s", proto, s)
		}
	}

	// Count the checked guesses per source in the server's log.
	in.stop()
	checked := failuresBySource(in.log.String())
	sources := append([]string{}, "127.0.0.8", "127.0.0.9", "127.0.0.10")
	for _, a := range attacks {
		sources = append(sources, a.src)
	}
	for _, src := range sources {
		times := checked[src]
		most := mostInAMinute(times)
		t.Logf("%s: %d guesses checked in %v, at most %d in a minute", src, len(times), dur, most)
		if len(times) == 0 {
			t.Errorf("%s: no guess was checked: the attack did not run", src)
		}
		if most > 20 {
			t.Errorf("%s: %d guesses checked in one minute, want at most 20", src, most)
		}
	}
	if n := len(checked["127.0.0.1"]); n != 0 {
		t.Errorf("the owner's address has %d failures", n)
	}
}

// logLine matches a failed logon in the server's log: its time and the
// client's address.
var logLine = regexp.MustCompile(`^time=(\S+) .*msg="logon failed".* remote=(\d+\.\d+\.\d+\.\d+):\d+`)

// failuresBySource reads the times of the failed logons of each source.
func failuresBySource(log string) map[string][]time.Time {
	out := map[string][]time.Time{}
	sc := bufio.NewScanner(strings.NewReader(log))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		m := logLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		at, err := time.Parse(time.RFC3339Nano, m[1])
		if err == nil {
			out[m[2]] = append(out[m[2]], at)
		}
	}
	return out
}

// mostInAMinute is the most times within any 60 s.
func mostInAMinute(times []time.Time) int {
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	most := 0
	for i := range times {
		n := 0
		for j := i; j < len(times) && times[j].Sub(times[i]) < time.Minute; j++ {
			n++
		}
		most = max(most, n)
	}
	return most
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// pythonGuesser guesses with imaplib, poplib and smtplib from 127.0.0.8,
// .9 and .10 (5 threads each), and logs the owner on from 127.0.0.1 every
// 3 seconds, for the given seconds; it prints one JSON line.
const pythonGuesser = `
import imaplib, poplib, smtplib, socket, ssl, sys, threading, time, json
ca, imap_addr, pop_addr, smtp_addr, secs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
ctx = ssl.create_default_context(cafile=ca)
def hp(a):
    h, p = a.rsplit(':', 1)
    return h, int(p)

class IMAP(imaplib.IMAP4_SSL):
    def __init__(self, src, *a, **k):
        self.src = src
        super().__init__(*a, **k)
    def _create_socket(self, timeout):
        sock = socket.create_connection((self.host, self.port), timeout, source_address=(self.src, 0))
        return self.ssl_context.wrap_socket(sock, server_hostname='mail.test')

class POP(poplib.POP3_SSL):
    def __init__(self, src, *a, **k):
        self.src = src
        super().__init__(*a, **k)
    def _create_socket(self, timeout):
        sock = socket.create_connection((self.host, self.port), timeout, source_address=(self.src, 0))
        return self.context.wrap_socket(sock, server_hostname='mail.test')

def left():
    # An answer still awaited at the end is not waited for.
    return max(2.0, end - time.time() + 1)

def imap_logon(src, pw):
    m = IMAP(src, hp(imap_addr)[0], hp(imap_addr)[1], ssl_context=ctx, timeout=left())
    try:
        m.login('alice@mail.test', pw)
        m.logout()
        return True
    except imaplib.IMAP4.error:
        return False

def pop_logon(src, pw):
    m = POP(src, hp(pop_addr)[0], hp(pop_addr)[1], context=ctx, timeout=left())
    try:
        m.user('alice@mail.test')
        m.pass_(pw)
        m.quit()
        return True
    except poplib.error_proto:
        return False

def smtp_logon(src, pw):
    s = smtplib.SMTP(hp(smtp_addr)[0], hp(smtp_addr)[1], timeout=left(), source_address=(src, 0))
    try:
        s.starttls(context=ctx)
        s.login('alice@mail.test', pw)
        s.quit()
        return True
    except smtplib.SMTPException:
        return False

logons = {'imap': imap_logon, 'pop3': pop_logon, 'smtp': smtp_logon}
sources = {'imap': '127.0.0.8', 'pop3': '127.0.0.9', 'smtp': '127.0.0.10'}
end = time.time() + secs
guesses = {p: 0 for p in logons}
lock = threading.Lock()

def guesser(proto, n):
    i = 0
    while time.time() < end:
        i += 1
        try:
            logons[proto](sources[proto], 'py-guess-%d-%d' % (n, i))
        except (OSError, EOFError, smtplib.SMTPException, imaplib.IMAP4.error, poplib.error_proto):
            time.sleep(0.5)
        with lock:
            guesses[proto] += 1

threads = [threading.Thread(target=guesser, args=(p, n)) for p in logons for n in range(5)]
for th in threads:
    th.start()
slowest = {p: 0.0 for p in logons}
refused = []
while True:
    last = time.time() >= end
    for p, f in logons.items():
        t0 = time.time()
        if not f('127.0.0.1', 'secret1'):
            refused.append(p)
        slowest[p] = max(slowest[p], time.time() - t0)
    if last:
        break
    time.sleep(3)
for th in threads:
    th.join()
print(json.dumps({'owner_slowest': slowest, 'owner_refused': refused, 'guesses': guesses}))
`

package e2e

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	stdsmtp "net/smtp"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const smtpSink = "/usr/sbin/smtp-sink"

// sink runs Postfix's smtp-sink on addr with extra flags until stopped or
// the test ends.
type sink struct {
	cmd *exec.Cmd
	dir string
}

func startSink(t *testing.T, addr string, flags ...string) *sink {
	t.Helper()
	if _, err := os.Stat(smtpSink); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("smtp-sink is not installed (.ci/run installs postfix)")
		}
		t.Skip("smtp-sink is not installed")
	}
	// Not under t.TempDir(): its parent is private to root, and the sink
	// writes as nobody.
	dir, err := os.MkdirTemp("", "postern-sink-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	chownNobody(t, dir)
	s := &sink{dir: dir}
	args := append([]string{"-u", "nobody", "-d", filepath.Join(s.dir, "m.")}, flags...)
	s.cmd = command(nil, t, "", smtpSink, append(args, addr, "64")...)
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.stop)
	waitFor(t, "smtp-sink to listen", func() bool {
		c, err := stdsmtp.Dial(addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	return s
}

func (s *sink) stop() {
	if s.cmd.ProcessState == nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
	}
}

// messages reads what the sink stored.
func (s *sink) messages(t *testing.T) []string {
	t.Helper()
	es, err := os.ReadDir(s.dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		b, err := os.ReadFile(filepath.Join(s.dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(b))
	}
	return out
}

// TestOutboundTemporaryFailure: smtp-sink answers RCPT with a 4xx; the
// queue keeps the message with that error and tries again on its
// schedule (1 second here) until a sink that accepts it takes it.
func TestOutboundTemporaryFailure(t *testing.T) {
	need(t, "swaks")
	addr := freePort(t, "127.0.0.3")
	refusing := startSink(t, addr, "-r", "RCPT")
	a := serve(t, "")
	a.setup()
	sa := a.setupSMTP()
	a.cli("", "transport", "set", "--resolve", "remote.test="+addr, "RetryIntervals=00:00:01")
	swaksFrom(t, a, sa.Submission, "carol@remote.test", "soft")
	var list []queueMsg
	waitFor(t, "a deferred attempt", func() bool { list = queueList(t, a); return len(list) == 1 && list[0].Recipients[0].Attempts > 0 })
	if r := list[0].Recipients[0]; r.State != "Retry" || !strings.Contains(r.LastError, "said: 45") {
		t.Fatalf("after a 4xx: %+v", r)
	}
	refusing.stop()
	accepting := startSink(t, addr)
	waitFor(t, "the retried delivery", func() bool { return len(queueList(t, a)) == 0 })
	got := accepting.messages(t)
	if len(got) != 1 || !strings.Contains(got[0], "Subject: soft") || !strings.Contains(got[0], "X-Rcpt-Args: <carol@remote.test>") {
		t.Errorf("sink got %d messages: %q", len(got), got)
	}
}

// TestKillDuringOutbound submits a stream of messages to a remote domain
// from several clients and kills the server with SIGKILL mid-stream.
// After a restart the queue resumes: every acknowledged message reaches
// smtp-sink, none is lost, and any repeat is one that was in flight.
func TestKillDuringOutbound(t *testing.T) {
	addr := freePort(t, "127.0.0.3")
	sk := startSink(t, addr)
	a := serve(t, "")
	a.setup()
	sa := a.setupSMTP()
	a.cli("", "transport", "set", "--resolve", "remote.test="+addr)
	pem, err := os.ReadFile(a.ca())
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)

	var acked sync.Map
	var count atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			conn, err := net.Dial("tcp", sa.Submission)
			if err != nil {
				return
			}
			c, err := stdsmtp.NewClient(conn, "localhost") // the name PlainAuth checks
			if err != nil {
				return
			}
			defer c.Close()
			if c.StartTLS(&tls.Config{RootCAs: pool, ServerName: "localhost"}) != nil ||
				c.Auth(stdsmtp.PlainAuth("", "alice@mail.test", "secret1", "localhost")) != nil {
				return
			}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				marker := fmt.Sprintf("w%d-m%d", w, i)
				if c.Mail("alice@mail.test") != nil || c.Rcpt("carol@remote.test") != nil {
					return
				}
				d, err := c.Data()
				if err != nil {
					return
				}
				fmt.Fprintf(d, "From: alice@mail.test\r\nSubject: crash\r\nX-Marker: %s\r\n\r\nbody of %s\r\n", marker, marker)
				if d.Close() != nil {
					return // not acknowledged
				}
				acked.Store(marker, true)
				count.Add(1)
			}
		}(w)
	}
	deadline := time.Now().Add(60 * time.Second)
	for count.Load() < 60 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	a.kill()
	close(stop)
	wg.Wait()
	var want []string
	acked.Range(func(k, _ any) bool { want = append(want, k.(string)); return true })
	t.Logf("%d submissions acknowledged before SIGKILL", len(want))
	if len(want) < 60 {
		t.Fatalf("only %d submissions acknowledged", len(want))
	}

	a2 := serve(t, a.data)
	for deadline, first := time.Now().Add(60*time.Second), true; ; time.Sleep(100 * time.Millisecond) {
		left := queueList(t, a2)
		if first {
			t.Logf("%d messages queued when the server came back", len(left))
			first = false
		}
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the queue did not drain after the restart: %+v", left)
		}
	}
	seen := map[string]int{}
	for _, m := range sk.messages(t) {
		i := strings.Index(m, "X-Marker: ")
		if i < 0 {
			t.Fatalf("sink message without marker: %q", m)
		}
		seen[strings.Fields(m[i+len("X-Marker: "):])[0]]++
	}
	repeats := 0
	for _, m := range want {
		if seen[m] == 0 {
			t.Errorf("acknowledged message %s never delivered", m)
		}
	}
	for m, n := range seen {
		if n > 1 {
			repeats += n - 1
			t.Logf("message %s delivered %d times (in flight at the kill)", m, n)
		}
	}
	// Only a transaction in flight at the kill can be repeated: at most
	// one per queue worker.
	if repeats > 8 {
		t.Errorf("%d repeated deliveries", repeats)
	}
	t.Logf("%d distinct messages at the sink, %d repeats", len(seen), repeats)
}

package queue

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// scriptSender answers each Send with the next scripted results for its
// domain and records what it was given.
type scriptSender struct {
	mu     sync.Mutex
	script map[string][][]Result
	got    []sent
}

type sent struct {
	domain string
	env    Envelope
	body   string
}

func (s *scriptSender) Send(ctx context.Context, domain string, env Envelope, body io.ReadSeeker) []Result {
	b, _ := io.ReadAll(body)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = append(s.got, sent{domain, env, string(b)})
	steps := s.script[domain]
	if len(steps) == 0 {
		return make([]Result, len(env.Rcpts)) // all delivered
	}
	s.script[domain] = steps[1:]
	return steps[0]
}

// clock is a settable time for the queue.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type bounces struct {
	mu  sync.Mutex
	got map[string][]string
}

func (b *bounces) bounce(ctx context.Context, to string, dsn []byte) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.got == nil {
		b.got = map[string][]string{}
	}
	b.got[to] = append(b.got[to], string(dsn))
	return nil
}

func openTest(t *testing.T, dir string, c *clock) *Queue {
	t.Helper()
	q, err := Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	if c != nil {
		q.now = c.now
	}
	return q
}

const testMsg = "From: <alice@mail.test>\r\nSubject: hello there\r\nMessage-ID: <m1@mail.test>\r\n\r\nbody line\r\n"

func enqueue(t *testing.T, q *Queue, from string, rcpts ...string) int64 {
	t.Helper()
	id, err := q.Enqueue(context.Background(), from, rcpts, strings.NewReader(testMsg), int64(len(testMsg)))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// runOnce makes the runner deliver what is due now and waits for it.
func runOnce(r *Runner) {
	r.pass(context.Background())
	r.wg.Wait()
}

func TestEnqueueSurvivesReopen(t *testing.T) {
	dir := t.TempDir()
	q := openTest(t, dir, nil)
	id := enqueue(t, q, "alice@mail.test", "bob@remote.test", "carol@other.test")
	// An orphan, as a crash between the file and the commit leaves.
	orphan := filepath.Join(dir, "msg", "tmp-deadbeef.eml")
	os.WriteFile(orphan, []byte("x"), 0o600)
	q.Close()

	q = openTest(t, dir, nil)
	list, _, err := q.List(context.Background(), 0)
	if err != nil || len(list) != 1 {
		t.Fatalf("after reopen: %+v, %v", list, err)
	}
	m := list[0]
	if m.ID != id || m.Sender != "alice@mail.test" || m.Size != int64(len(testMsg)) || len(m.Recipients) != 2 {
		t.Fatalf("message: %+v", m)
	}
	if r := m.Recipients[1]; r.Address != "carol@other.test" || r.Domain != "other.test" || r.State != StateReady {
		t.Errorf("recipient: %+v", r)
	}
	f, err := q.open(m)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(f)
	f.Close()
	if string(b) != testMsg {
		t.Errorf("stored body %q", b)
	}
	if _, err := os.Stat(orphan); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("orphan file left: %v", err)
	}
}

func TestEnqueueRefusesBadInput(t *testing.T) {
	q := openTest(t, t.TempDir(), nil)
	ctx := context.Background()
	if _, err := q.Enqueue(ctx, "a@b", []string{"nodomain"}, strings.NewReader("x"), 1); err == nil {
		t.Error("recipient without a domain accepted")
	}
	if _, err := q.Enqueue(ctx, "a@b", []string{"x@y.test"}, strings.NewReader("xy"), 1); err == nil {
		t.Error("size mismatch accepted")
	}
	if _, err := q.Enqueue(ctx, "a@b", nil, strings.NewReader("x"), 1); err == nil {
		t.Error("no recipients accepted")
	}
	list, _, _ := q.List(ctx, 0)
	ents, _ := os.ReadDir(filepath.Join(q.dir, "msg"))
	if len(list) != 0 || len(ents) != 0 {
		t.Errorf("refused messages left %d rows, %d files", len(list), len(ents))
	}
}

func TestRunnerGroupsByDomainAndDrops(t *testing.T) {
	q := openTest(t, t.TempDir(), nil)
	id := enqueue(t, q, "alice@mail.test", "bob@remote.test", "carol@other.test", "dave@remote.test")
	s := &scriptSender{script: map[string][][]Result{}}
	b := &bounces{}
	runOnce(NewRunner(RunnerOptions{Queue: q, Sender: s, Bounce: b.bounce, Hostname: "mail.test"}))
	if len(s.got) != 2 {
		t.Fatalf("sends: %+v", s.got)
	}
	for _, g := range s.got {
		want := map[string]string{"remote.test": "bob@remote.test,dave@remote.test", "other.test": "carol@other.test"}[g.domain]
		if strings.Join(g.env.Rcpts, ",") != want || g.body != testMsg || g.env.From != "alice@mail.test" {
			t.Errorf("send to %s: %+v", g.domain, g)
		}
	}
	if _, err := q.Get(context.Background(), id); !errors.Is(err, ErrNotFound) {
		t.Errorf("delivered message still queued: %v", err)
	}
	ents, _ := os.ReadDir(filepath.Join(q.dir, "msg"))
	if len(ents) != 0 || len(b.got) != 0 {
		t.Errorf("files %d, bounces %v", len(ents), b.got)
	}
}

func TestRetryScheduleThenSuccess(t *testing.T) {
	c := &clock{t: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)}
	q := openTest(t, t.TempDir(), c)
	id := enqueue(t, q, "alice@mail.test", "bob@remote.test")
	temp := []Result{{Err: errors.New("451 try later"), Status: "4.3.0"}}
	s := &scriptSender{script: map[string][][]Result{"remote.test": {temp, temp, temp}}}
	sched := Schedule{Intervals: []time.Duration{time.Minute, 5 * time.Minute}, Expiration: time.Hour}
	r := NewRunner(RunnerOptions{Queue: q, Sender: s, Bounce: (&bounces{}).bounce, Schedule: func(context.Context) Schedule { return sched }})
	for i, wait := range []time.Duration{time.Minute, 5 * time.Minute, 5 * time.Minute} {
		runOnce(r)
		m, err := q.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		rc := m.Recipients[0]
		if rc.State != StateRetry || rc.Attempts != i+1 || !rc.NextRetry.Equal(c.now().Add(wait)) || !strings.Contains(rc.LastError, "451") {
			t.Fatalf("after attempt %d: %+v", i+1, rc)
		}
		runOnce(r) // not due yet: nothing happens
		if len(s.got) != i+1 {
			t.Fatalf("attempt before its time: %d sends", len(s.got))
		}
		c.add(wait)
	}
	runOnce(r)
	if _, err := q.Get(context.Background(), id); !errors.Is(err, ErrNotFound) || len(s.got) != 4 {
		t.Errorf("after the 4th attempt: %v, %d sends", err, len(s.got))
	}
}

func TestRetryNowAndRemove(t *testing.T) {
	c := &clock{t: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)}
	q := openTest(t, t.TempDir(), c)
	ctx := context.Background()
	id := enqueue(t, q, "alice@mail.test", "bob@remote.test")
	id2 := enqueue(t, q, "alice@mail.test", "bob@remote.test")
	temp := []Result{{Err: errors.New("451 later")}}
	s := &scriptSender{script: map[string][][]Result{"remote.test": {temp, temp}}}
	r := NewRunner(RunnerOptions{Queue: q, Sender: s, Bounce: (&bounces{}).bounce})
	runOnce(r)
	if n, err := q.Retry(ctx, id); err != nil || n != 1 {
		t.Fatalf("retry: %d, %v", n, err)
	}
	if m, _ := q.Get(ctx, id); !m.Recipients[0].NextRetry.Equal(c.now()) {
		t.Errorf("retry did not make it due: %+v", m.Recipients[0])
	}
	if err := q.Remove(ctx, id2); err != nil {
		t.Fatal(err)
	}
	if _, err := q.Retry(ctx, id2); !errors.Is(err, ErrNotFound) {
		t.Errorf("retry of a removed message: %v", err)
	}
	if err := q.Remove(ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Errorf("remove of an unknown message: %v", err)
	}
	runOnce(r)
	if list, _, _ := q.List(ctx, 0); len(list) != 0 || len(s.got) != 3 {
		t.Errorf("queue %+v after %d sends", list, len(s.got))
	}
}

func TestPermanentFailureSendsOneDSN(t *testing.T) {
	q := openTest(t, t.TempDir(), nil)
	enqueue(t, q, "alice@mail.test", "bob@remote.test", "carol@remote.test")
	s := &scriptSender{script: map[string][][]Result{"remote.test": {{
		{Err: errors.New("refused"), Permanent: true, Status: "5.1.1", Diagnostic: "smtp; 550 5.1.1 User unknown", RemoteMTA: "mx.remote.test"},
		{},
	}}}}
	b := &bounces{}
	runOnce(NewRunner(RunnerOptions{Queue: q, Sender: s, Bounce: b.bounce, Hostname: "mail.test"}))
	if len(b.got["alice@mail.test"]) != 1 {
		t.Fatalf("bounces: %v", b.got)
	}
	rep := parseReport(t, b.got["alice@mail.test"][0])
	if len(rep.recipients) != 1 {
		t.Fatalf("report recipients: %+v", rep.recipients)
	}
	f := rep.recipients[0]
	if f["final-recipient"] != "rfc822; bob@remote.test" || f["action"] != "failed" || f["status"] != "5.1.1" ||
		f["diagnostic-code"] != "smtp; 550 5.1.1 User unknown" || f["remote-mta"] != "dns; mx.remote.test" {
		t.Errorf("per-recipient fields: %v", f)
	}
	if rep.msg["reporting-mta"] != "dns; mail.test" || !strings.Contains(rep.headers, "Subject: hello there") {
		t.Errorf("report: %v, headers %q", rep.msg, rep.headers)
	}
	if list, _, _ := q.List(context.Background(), 0); len(list) != 0 {
		t.Errorf("finished message still queued: %+v", list)
	}
}

func TestExpiryAndNoDSNAboutDSN(t *testing.T) {
	c := &clock{t: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)}
	q := openTest(t, t.TempDir(), c)
	enqueue(t, q, "alice@mail.test", "bob@remote.test")
	enqueue(t, q, "", "postmaster@remote.test") // a DSN itself
	temp := []Result{{Err: errors.New("connection refused"), Status: "4.4.1"}}
	s := &scriptSender{script: map[string][][]Result{"remote.test": {temp, temp, temp, temp, temp, temp}}}
	b := &bounces{}
	sched := Schedule{Intervals: []time.Duration{time.Hour}, Expiration: 90 * time.Minute}
	r := NewRunner(RunnerOptions{Queue: q, Sender: s, Bounce: b.bounce, Hostname: "mail.test", Schedule: func(context.Context) Schedule { return sched }})
	runOnce(r) // both fail temporarily
	c.add(time.Hour)
	runOnce(r) // both again: not yet expired
	if len(b.got) != 0 {
		t.Fatalf("bounce before expiry: %v", b.got)
	}
	c.add(time.Hour)
	runOnce(r) // expired: a DSN for alice; none for the null sender
	if len(b.got) != 1 || len(b.got["alice@mail.test"]) != 1 {
		t.Fatalf("bounces: %v", b.got)
	}
	rep := parseReport(t, b.got["alice@mail.test"][0])
	if f := rep.recipients[0]; f["status"] != "4.4.7" || f["action"] != "failed" {
		t.Errorf("expiry report: %v", f)
	}
	if list, _, _ := q.List(context.Background(), 0); len(list) != 0 {
		t.Errorf("expired messages still queued: %+v", list)
	}
}

func TestScheduleAfter(t *testing.T) {
	d := DefaultSchedule()
	for n, want := range map[int]time.Duration{0: time.Minute, 1: time.Minute, 2: 5 * time.Minute, 5: time.Hour, 50: time.Hour} {
		if got := d.After(n); got != want {
			t.Errorf("After(%d) = %v, want %v", n, got, want)
		}
	}
	if d.Expiration != 48*time.Hour {
		t.Errorf("expiration %v", d.Expiration)
	}
}

func TestDSNOfLongOrOddHeader(t *testing.T) {
	orig := "Subject: =?utf-8?q?caf=C3=A9?=\r\n continued\r\nX-Bin: \x00\xff\r\n" + strings.Repeat("X-Pad: "+strings.Repeat("a", 990)+"\r\n", 80) + "\r\nbody"
	dsn := BuildDSN("mail.test", "alice@mail.test", time.Now(), time.Now(),
		[]Failure{{Recipient: "bob@remote.test", Status: "5.0.0", Diagnostic: "smtp; 550 bad\r\nInjected: yes", Reason: "r"}}, strings.NewReader(orig))
	rep := parseReport(t, string(dsn))
	if strings.Contains(string(dsn), "\r\nInjected: yes") {
		t.Error("a diagnostic broke the report's syntax")
	}
	if !strings.HasPrefix(rep.subject, "Undeliverable: =?utf-8?q?caf=C3=A9?= continued") {
		t.Errorf("subject %q", rep.subject)
	}
	if len(rep.headers) > maxQuotedHeader || strings.Contains(rep.headers, "body") {
		t.Errorf("quoted header of %d octets", len(rep.headers))
	}
	if bytes.ContainsAny(dsn, "\x00\xff") {
		t.Error("report carries raw binary from the original header")
	}
}

func TestOpenDropsFinishedMessages(t *testing.T) {
	dir := t.TempDir()
	q := openTest(t, dir, nil)
	ctx := context.Background()
	id := enqueue(t, q, "alice@mail.test", "bob@remote.test")
	keep := enqueue(t, q, "alice@mail.test", "carol@remote.test")
	m, _ := q.Get(ctx, id)
	rc := m.Recipients[0]
	rc.State = StateDelivered // as if killed between the result and the removal
	if err := q.record(ctx, id, rc); err != nil {
		t.Fatal(err)
	}
	q.Close()
	q = openTest(t, dir, nil)
	list, _, err := q.List(ctx, 0)
	if err != nil || len(list) != 1 || list[0].ID != keep {
		t.Fatalf("after reopen: %+v, %v", list, err)
	}
	if ents, _ := os.ReadDir(filepath.Join(dir, "msg")); len(ents) != 1 {
		t.Errorf("%d message files left", len(ents))
	}
}

func TestListLimit(t *testing.T) {
	q := openTest(t, t.TempDir(), nil)
	for range 3 {
		enqueue(t, q, "alice@mail.test", "bob@remote.test")
	}
	list, total, err := q.List(context.Background(), 2)
	if err != nil || total != 3 || len(list) != 2 || list[0].ID > list[1].ID {
		t.Errorf("List(2): %d messages of %d, %v", len(list), total, err)
	}
}

// TestDelayDSN: a recipient still failing after DelayNotification gets
// one "delayed" DSN, then, at expiry, the "failed" one.
func TestDelayDSN(t *testing.T) {
	c := &clock{t: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)}
	q := openTest(t, t.TempDir(), c)
	enqueue(t, q, "alice@mail.test", "bob@remote.test")
	temp := []Result{{Err: errors.New("451 later"), Status: "4.3.0", Diagnostic: "smtp; 451 4.3.0 later"}}
	s := &scriptSender{script: map[string][][]Result{"remote.test": {temp, temp, temp, temp, temp, temp}}}
	b := &bounces{}
	sched := Schedule{Intervals: []time.Duration{time.Hour}, Expiration: 5 * time.Hour, DelayNotification: 2 * time.Hour}
	r := NewRunner(RunnerOptions{Queue: q, Sender: s, Bounce: b.bounce, Hostname: "mail.test", Schedule: func(context.Context) Schedule { return sched }})
	for range 6 {
		runOnce(r)
		c.add(time.Hour)
	}
	got := b.got["alice@mail.test"]
	if len(got) != 2 {
		t.Fatalf("%d DSNs, want a delay and a failure", len(got))
	}
	delay, fail := parseReport(t, got[0]), parseReport(t, got[1])
	if f := delay.recipients[0]; f["action"] != "delayed" || f["status"] != "4.3.0" || !strings.HasPrefix(delay.subject, "Delivery delayed: hello there") {
		t.Errorf("delay DSN: %v, %q", f, delay.subject)
	}
	if f := fail.recipients[0]; f["action"] != "failed" || f["status"] != "4.4.7" || !strings.HasPrefix(fail.subject, "Undeliverable: hello there") {
		t.Errorf("failure DSN: %v, %q", f, fail.subject)
	}
	if len(s.got) != 6 {
		t.Errorf("%d attempts", len(s.got))
	}
}

package loadgen

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/internal/testkit"
)

// These tests run the generator against a real Postern (testkit) and hold
// its figures to ground truth read with testkit's own transcript client,
// a different code path from the generator's.

// start starts a server with n users user1..userN@mail.test (password
// "pw-N") and returns it with options aimed at its POP3S listener.
func start(t *testing.T, n int) (*testkit.Server, Options) {
	t.Helper()
	s := testkit.Start(t, testkit.Options{})
	users, err := ParseUsers("user%d@mail.test:pw-%d", n)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		s.AddUser(u.Address, u.Password)
	}
	o := Options{
		Addr: s.POP3S, TLS: TLSImplicit, TLSConfig: s.ClientTLS("127.0.0.1"),
		Users: users, Timeout: 10 * time.Second, Seed: 42,
	}
	return s, o
}

// seedAll runs the seed workload with per messages per user and requires
// a clean result.
func seedAll(t *testing.T, s *testkit.Server, o Options, per int) {
	t.Helper()
	o.Workload, o.Addr, o.TLS, o.MessagesPerUser, o.Clients = "seed", s.LMTP, TLSNone, per, 2
	res := mustRun(t, o)
	if res.Errors != 0 || res.Ops != int64(len(o.Users)) || res.Messages != int64(per*len(o.Users)) {
		t.Fatalf("seed: %v", res)
	}
}

func mustRun(t *testing.T, o Options) *Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := Run(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// truth retrieves a mailbox with the transcript client and returns the
// messages as the server sent them, un-stuffed.
func truth(t *testing.T, s *testkit.Server, u User) [][]byte {
	t.Helper()
	c := testkit.Dial(t, s.POP3S, s.ClientTLS("127.0.0.1"))
	c.Expect("+OK*")
	c.Cmd("USER "+u.Address, "+OK*")
	c.Cmd("PASS "+u.Password, "+OK*")
	n, err := strconv.Atoi(strings.Fields(c.Cmd("STAT", "+OK*"))[1])
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for i := 1; i <= n; i++ {
		c.Cmd(fmt.Sprintf("RETR %d", i), "+OK*")
		var m []byte
		for l := c.Line(); l != "."; l = c.Line() {
			m = append(m, strings.TrimPrefix(l, ".")+"\r\n"...)
		}
		out = append(out, m)
	}
	c.Cmd("QUIT", "+OK*")
	return out
}

func TestSeedThenFetchCountsExactly(t *testing.T) {
	t.Parallel()
	s, o := start(t, 1)
	seedAll(t, s, o, 7)
	msgs := truth(t, s, o.Users[0])
	if len(msgs) != 7 {
		t.Fatalf("mailbox holds %d messages, want 7", len(msgs))
	}
	var total int64
	for j, m := range msgs {
		// The server adds trace fields on top; the rest is the seed's bytes.
		if want := Message(42, 0, j, o.Users[0].Address); !bytes.HasSuffix(m, want) {
			t.Fatalf("message %d is not the generated one", j+1)
		}
		total += int64(len(m))
	}
	o.Workload, o.Ops, o.Clients, o.ExactSizes, o.ExpectMessages = "pop3-fetch", 3, 2, true, 7
	res := mustRun(t, o)
	if res.Errors != 0 || res.Ops != 3 || res.Messages != 21 || res.Bytes != 3*total {
		t.Fatalf("got %v, want 3 ops, 21 messages, %d bytes", res, 3*total)
	}
	if res.MsgsPerS <= 0 || res.P50ms <= 0 || res.P99ms < res.P50ms || res.Metric != "messages/s" || res.Value != res.MsgsPerS {
		t.Errorf("figures: %+v", res)
	}
}

func TestFetchWrongExpectedCountIsAnError(t *testing.T) {
	t.Parallel()
	s, o := start(t, 1)
	seedAll(t, s, o, 3)
	o.Workload, o.Ops, o.ExpectMessages = "pop3-fetch", 2, 4
	res := mustRun(t, o)
	if res.Errors != 2 || res.Ops != 0 || res.Messages != 0 || res.Bytes != 0 {
		t.Fatalf("got %v, want 2 errors and nothing counted", res)
	}
	if len(res.ErrorSamples) != 1 || !strings.Contains(res.ErrorSamples[0].Text, "STAT says 3 messages, 4 expected") {
		t.Errorf("samples: %+v", res.ErrorSamples)
	}
}

func TestFetchDurationAndClientsOwnUsers(t *testing.T) {
	t.Parallel()
	s, o := start(t, 4)
	seedAll(t, s, o, 2)
	o.Workload, o.Duration, o.Clients, o.ExpectMessages = "pop3-fetch", 700*time.Millisecond, 4, 2
	res := mustRun(t, o)
	if res.Errors != 0 || res.Ops == 0 || res.Messages != 2*res.Ops {
		t.Fatalf("got %v", res)
	}
	if res.Seconds < 0.7 || res.Seconds > 15 {
		t.Errorf("ran %.2fs for a 0.7s duration", res.Seconds)
	}
}

func TestLoginImplicitAndSTLS(t *testing.T) {
	t.Parallel()
	s, o := start(t, 2)
	o.Workload, o.Ops, o.Clients = "pop3-login", 6, 2
	if res := mustRun(t, o); res.Errors != 0 || res.Ops != 6 || res.Metric != "ops/s" {
		t.Fatalf("implicit: %v", res)
	}
	o.Addr, o.TLS = s.POP3, TLSStartTLS
	if res := mustRun(t, o); res.Errors != 0 || res.Ops != 6 {
		t.Fatalf("STLS: %v", res)
	}
	// Postern refuses credentials before TLS (LoginType SecureLogin):
	// the generator must report it, not count logins.
	o.TLS = TLSNone
	if res := mustRun(t, o); res.Errors != 6 || res.Ops != 0 {
		t.Fatalf("plaintext: %v", res)
	}
}

func TestLoginWrongPasswordIsAnError(t *testing.T) {
	t.Parallel()
	_, o := start(t, 1)
	o.Users = []User{{Address: o.Users[0].Address, Password: "wrong"}}
	o.Workload, o.Ops = "pop3-login", 2
	res := mustRun(t, o)
	if res.Errors != 2 || res.Ops != 0 {
		t.Fatalf("got %v", res)
	}
	for _, e := range res.ErrorSamples {
		if strings.Contains(e.Text, "wrong") {
			t.Errorf("the password reached an error text: %q", e.Text)
		}
	}
}

func TestDeliverMultiRecipient(t *testing.T) {
	t.Parallel()
	s, o := start(t, 3)
	o.Workload, o.Addr, o.TLS, o.Ops, o.Clients, o.Recipients = "deliver", s.LMTP, TLSNone, 9, 3, 2
	res := mustRun(t, o)
	if res.Errors != 0 || res.Ops != 9 || res.Messages != 18 {
		t.Fatalf("got %v", res)
	}
	// 18 deliveries over 3 users, round robin: 6 each.
	for _, u := range o.Users {
		if n := len(truth(t, s, u)); n != 6 {
			t.Errorf("%s holds %d messages, want 6", u.Address, n)
		}
	}
}

func TestDeliverUnknownRecipientIsAnError(t *testing.T) {
	t.Parallel()
	s, o := start(t, 1)
	o.Users = append(o.Users, User{Address: "nobody@mail.test"})
	o.Workload, o.Addr, o.TLS, o.Ops = "deliver", s.LMTP, TLSNone, 4
	res := mustRun(t, o)
	// Operations 1 and 3 go to nobody@: refused, counted, session kept.
	if res.Errors != 2 || res.Ops != 2 || res.Messages != 2 {
		t.Fatalf("got %v", res)
	}
	if !strings.Contains(res.ErrorSamples[0].Text, "nobody@mail.test") {
		t.Errorf("samples: %+v", res.ErrorSamples)
	}
}

func TestDeadServerErrorsAreBounded(t *testing.T) {
	t.Parallel()
	s, o := start(t, 1)
	addr := s.POP3S
	s.Close()
	o.Addr, o.Workload, o.Duration, o.Timeout = addr, "pop3-login", 300*time.Millisecond, time.Second
	res := mustRun(t, o)
	if res.Ops != 0 || res.Errors == 0 || res.Errors > 100 {
		t.Fatalf("got %v", res)
	}
}

func TestRunNeedsABound(t *testing.T) {
	t.Parallel()
	o := Options{Workload: "pop3-login", Addr: "127.0.0.1:1", TLS: TLSNone, Users: []User{{Address: "a"}}}
	if _, err := Run(context.Background(), o); err == nil {
		t.Fatal("a run without duration or operation count was accepted")
	}
	o.Workload = "imap-nothing"
	if _, err := Run(context.Background(), o); err == nil || !strings.Contains(err.Error(), "unknown workload") {
		t.Fatal("an unknown workload was accepted")
	}
}

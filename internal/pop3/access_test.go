package pop3_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/postern/postern/internal/config"
	"github.com/postern/postern/internal/testkit"
)

// TestBuiltinAccountsBlocked is spec §11 item 18: Administrator, Guest and
// Anonymous never log on, whatever the password and spelling.
func TestBuiltinAccountsBlocked(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{}, 0)
	for _, a := range []string{"administrator@mail.test", "guest@mail.test", "anonymous@mail.test"} {
		s.AddUser(a, "right")
	}
	// Each try from an address of its own, so that the throttle's
	// penalty for the failures before does not slow the test.
	for i, name := range []string{"Administrator", "administrator@mail.test", "ADMINISTRATOR@MAIL.TEST", `MAIL\Administrator`, " administrator", "Guest", "anonymous@Mail.Test"} {
		c := testkit.DialFrom(t, fmt.Sprintf("127.0.1.%d", 2*i+1), s.POP3S, s.ClientTLS("localhost"))
		c.Expect(banner)
		c.Cmd("USER "+name, "+OK")
		c.Cmd("PASS right", logonBad)
		c = testkit.DialFrom(t, fmt.Sprintf("127.0.1.%d", 2*i+2), s.POP3S, s.ClientTLS("localhost"))
		c.Expect(banner)
		c.Cmd("AUTH PLAIN "+plain(strings.TrimSpace(name), "right"), logonBad)
	}
}

// TestPopEnabled is spec §11 item 17.
func TestPopEnabled(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{}, 0)
	_, err := s.UpdateCASMailbox(context.Background(), "alice@mail.test", func(m *config.CASMailbox) error {
		return m.Set("PopEnabled", "$false")
	})
	if err != nil {
		t.Fatal(err)
	}
	s.RestartPOP3()
	c := testkit.Dial(t, s.POP3S, s.ClientTLS("localhost"))
	c.Expect(banner)
	c.Cmd("USER alice@mail.test", "+OK")
	// The same answer as a wrong password (only the log tells them
	// apart): the right password is not confirmed to a guesser.
	c.Cmd("PASS secret1", logonBad)
	c.Cmd("USER alice@mail.test", "+OK")
	c.Cmd("PASS wrong", logonBad)
}

// TestMaxConnectionsPerUser is spec §11 item 19.
func TestMaxConnectionsPerUser(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{Pop: map[string]string{"MaxConnectionsPerUser": "2"}}, 0)
	s.AddUser("bob@mail.test", "pw")
	loginTLS(t, s)
	loginTLS(t, s)
	c := testkit.Dial(t, s.POP3S, s.ClientTLS("localhost"))
	c.Expect(banner)
	c.Cmd("USER alice@mail.test", "+OK")
	c.Cmd("PASS secret1", "-ERR Too many concurrent connections for this user.")
	c2 := testkit.Dial(t, s.POP3S, s.ClientTLS("localhost"))
	c2.Expect(banner)
	c2.Cmd("USER bob@mail.test", "+OK")
	c2.Cmd("PASS pw", logonOK)
}

// TestConnectionLimits is spec §11 items 20 and 21.
func TestConnectionLimits(t *testing.T) {
	t.Parallel()
	for _, setting := range []string{"MaxConnectionFromSingleIP", "MaxConnections"} {
		t.Run(setting, func(t *testing.T) {
			t.Parallel()
			s := setup(t, testkit.Options{Pop: map[string]string{setting: "1"}}, 0)
			c := testkit.Dial(t, s.POP3, nil)
			c.Expect(banner)
			c2 := testkit.Dial(t, s.POP3, nil)
			if rest := c2.Closed(); len(rest) != 1 || rest[0] != "-ERR Too many connections. Try again later." {
				t.Fatalf("second connection got %q", rest)
			}
			c.Cmd("QUIT", signOff)
			c.Closed()
		})
	}
}

// TestSortOrderDescending is spec §11 item 28.
func TestSortOrderDescending(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{Pop: map[string]string{"MessageRetrievalSortOrder": "Descending"}}, 3)
	c := loginTLS(t, s)
	c.Cmd("TOP 1 0", "+OK")
	if got := strings.Join(c.Lines(), "|"); !strings.Contains(got, "Subject: test 3") {
		t.Errorf("message 1 is not the newest: %q", got)
	}
}

// TestSettingsApplyOnRestart is spec §11 item 2: a new Banner shows only
// after the restart.
func TestSettingsApplyOnRestart(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{}, 0)
	s.SetPop(map[string]string{"Banner": "Hello from test"})
	c := testkit.Dial(t, s.POP3, nil)
	c.Expect(banner)
	s.RestartPOP3()
	c = testkit.Dial(t, s.POP3, nil)
	c.Expect("+OK Hello from test")
}

// TestBackendStopped: the frontend still greets, but a correct logon gets a
// temporary error while pop3-backend is stopped (spec §11 item 1).
func TestBackendStopped(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{}, 1)
	active := loginTLS(t, s)
	if err := s.StopService(context.Background(), "pop3-backend"); err != nil {
		t.Fatal(err)
	}
	// The session on the stopped backend ends, without UPDATE.
	if rest := active.Closed(); len(rest) != 1 || rest[0] != "-ERR The POP3 service is shutting down." {
		t.Errorf("active session got %q", rest)
	}
	c := testkit.Dial(t, s.POP3S, s.ClientTLS("localhost"))
	c.Expect(banner)
	c.Cmd("USER alice@mail.test", "+OK")
	c.Cmd("PASS secret1", "-ERR The mailbox server is unavailable. Try again later.")
	if err := s.StartService(context.Background(), "pop3-backend"); err != nil {
		t.Fatal(err)
	}
	c.Cmd("USER alice@mail.test", "+OK")
	c.Cmd("PASS secret1", logonOK)
	c.Cmd("STAT", "+OK 1 *")
}

func TestValidationRefused(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{}, 0)
	for name, bad := range map[string]string{"MaxCommandSize": "39", "PreAuthenticatedConnectionTimeout": "00:00:29", "LoginType": "4", "MaxConnectionsPerUser": "0"} {
		before, _ := s.Settings(context.Background(), config.ProtocolPOP3)
		_, err := s.UpdateSettings(context.Background(), config.ProtocolPOP3, func(ps *config.ProtocolSettings) error { return ps.Set(name, bad) })
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%s: %v", name, bad, err)
		}
		after, _ := s.Settings(context.Background(), config.ProtocolPOP3)
		if fmt.Sprint(before) != fmt.Sprint(after) {
			t.Errorf("%s=%s changed the stored settings", name, bad)
		}
	}
}

package imap_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/postern/postern/internal/config"
	"github.com/postern/postern/internal/testkit"
)

// TestImapEnabled is spec §11 item 17 for IMAP: the right password, but
// the protocol is off for the mailbox.
func TestImapEnabled(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{}, 0)
	_, err := s.UpdateCASMailbox(context.Background(), "alice@mail.test", func(m *config.CASMailbox) error {
		return m.Set("ImapEnabled", "$false")
	})
	if err != nil {
		t.Fatal(err)
	}
	s.RestartIMAP()
	c := testkit.Dial(t, s.IMAPS, s.ClientTLS("localhost"))
	c.Expect(greeting)
	// The same answer as a wrong password (only the log tells them
	// apart): the right password is not confirmed to a guesser.
	c.Cmd("a LOGIN alice@mail.test secret1", "a NO LOGIN failed.")
}

func TestPlainTextLoginAndLimits(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{Imap: map[string]string{
		"LoginType": "PlainTextLogin", "MaxConnectionsPerUser": "1", "MaxCommandSize": "1024", "Banner": "Hello IMAP"}}, 0)
	c := testkit.Dial(t, s.IMAP, nil)
	c.Expect("* OK Hello IMAP")
	c.Send("a CAPABILITY\r\n")
	caps := c.Expect("* CAPABILITY *")
	c.Expect("a OK CAPABILITY completed.")
	if !strings.Contains(caps, "AUTH=PLAIN") || strings.Contains(caps, "LOGINDISABLED") || !strings.Contains(caps, "STARTTLS") {
		t.Errorf("PlainTextLogin CAPABILITY on 143: %q", caps)
	}
	c.Cmd("b LOGIN alice@mail.test secret1", "b OK LOGIN completed.")
	c.Cmd("c NOOP "+strings.Repeat("x", 1100), "c BAD*")
	c.Cmd("d NOOP", "d OK NOOP completed.")
	// A second session for the same user is over MaxConnectionsPerUser.
	c2 := testkit.Dial(t, s.IMAPS, s.ClientTLS("localhost"))
	c2.Expect("* OK Hello IMAP")
	c2.Cmd("a LOGIN alice@mail.test secret1", "a NO Too many concurrent connections for this user.")
}

func TestImapProtocolLog(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := setup(t, testkit.Options{Imap: map[string]string{"ProtocolLogEnabled": "$true", "LogFileLocation": dir}}, 1)
	c := loginTLS(t, s)
	c.Send("b SELECT INBOX\r\n")
	untilTagged(t, c, "b", "b OK [READ-WRITE] SELECT completed.")
	c.Send("c LOGOUT\r\n")
	c.Closed()
	s.StopService(context.Background(), "imap4")
	s.StopService(context.Background(), "imap4-backend")
	files, _ := filepath.Glob(filepath.Join(dir, "*.LOG"))
	var all strings.Builder
	for _, f := range files {
		b, _ := os.ReadFile(f)
		all.Write(b)
	}
	text := all.String()
	for _, want := range []string{"#Log-type: IMAP4 Protocol Log", ",login,", ",select,", "OpenSession"} {
		if !strings.Contains(text, want) {
			t.Errorf("IMAP4 protocol log lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "secret1") {
		t.Error("the password reached the protocol log")
	}
}

package imap_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/postern/postern/internal/testkit"
)

// TestLogoutSendsPendingFirst: updates still pending for the selected
// folder (another session's flag change and expunge) go out before the
// BYE, not after it (RFC 3501 §6.1.3, §7.1.5).
func TestLogoutSendsPendingFirst(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{}, 2)
	a, b := loginTLS(t, s), loginTLS(t, s)
	for _, c := range []*testkit.Client{a, b} {
		c.Send("s SELECT INBOX\r\n")
		untilTagged(t, c, "s", "s OK [READ-WRITE] SELECT completed.")
	}
	b.Cmd(`t STORE 1 +FLAGS.SILENT (\Flagged)`, "t OK STORE completed.")
	b.Cmd(`u STORE 2 +FLAGS.SILENT (\Deleted)`, "u OK STORE completed.")
	b.Send("v EXPUNGE\r\n")
	b.Expect("* 2 EXPUNGE")
	b.Expect("v OK EXPUNGE completed.")
	a.Send("z LOGOUT\r\n")
	got := untilTagged(t, a, "z", "z OK LOGOUT completed.")
	if len(got) == 0 || got[len(got)-1] != "* BYE Postern IMAP4 server signing off." {
		t.Fatalf("LOGOUT: %q, want the BYE last", got)
	}
	joined := strings.Join(got, "|")
	for _, want := range []string{`* 1 FETCH (FLAGS (\Flagged))`, "* 2 EXPUNGE"} {
		if !strings.Contains(joined, want) {
			t.Errorf("LOGOUT lacks %q before the BYE: %q", want, got)
		}
	}
}

// idArgs is the largest ID argument RFC 2971 §3.3 allows: 30 pairs, names
// of 30 octets, values of 1024 (with quote, if set, written as \").
func idArgs(quote bool) string {
	var b strings.Builder
	b.WriteByte('(')
	for i := range 30 {
		if i > 0 {
			b.WriteByte(' ')
		}
		name := fmt.Sprintf("field-%02d-%s", i, strings.Repeat("n", 21))
		val := strings.Repeat("v", 1024)
		if quote {
			val = strings.Repeat(`\"`, 1024)
		}
		b.WriteString(`"` + name + `" "` + val + `"`)
	}
	b.WriteByte(')')
	return b.String()
}

// TestIDLargestArguments: ID with the largest arguments RFC 2971 allows
// is answered, before logon and after, even with MaxCommandSize at its
// least; MaxCommandSize still bounds every other command.
func TestIDLargestArguments(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{Imap: map[string]string{"MaxCommandSize": "1024"}}, 0)
	c := testkit.Dial(t, s.IMAPS, s.ClientTLS("localhost"))
	c.Expect(greeting)
	for i, quote := range []bool{false, true} {
		tag := "p" + strconv.Itoa(i)
		c.Send(tag + " ID " + idArgs(quote) + "\r\n")
		c.Expect(`* ID ("name" "Postern")`)
		c.Expect(tag + " OK ID completed.")
	}
	c.Cmd("q NOOP "+strings.Repeat("x", 1100), "q BAD*")
	c.Cmd("r LOGIN alice@mail.test secret1", "r OK LOGIN completed.")
	for i, quote := range []bool{false, true} {
		tag := "s" + strconv.Itoa(i)
		c.Send(tag + " ID " + idArgs(quote) + "\r\n")
		c.Expect(`* ID ("name" "Postern")`)
		c.Expect(tag + " OK ID completed.")
	}
	// In a literal continuation too.
	c.Send("t ID (\"x\" {3+}\r\nabc \"y\" \"" + strings.Repeat("v", 1024) + "\" " + strings.TrimPrefix(idArgs(false), "(") + "\r\n")
	c.Expect(`* ID ("name" "Postern")`)
	c.Expect("t OK ID completed.")
	c.Cmd("u NOOP "+strings.Repeat("x", 1100), "u BAD*")
	c.Cmd("v STATUS INBOX (MESSAGES"+strings.Repeat(" MESSAGES", 150)+")", "v BAD*")
	c.Cmd("w NOOP", "w OK NOOP completed.")
}

// TestBadMailboxNameIsNO: a mailbox name that is not valid modified
// UTF-7 in a well-formed command is answered NO, not BAD, by every
// command that takes a mailbox name; a malformed command stays BAD.
func TestBadMailboxNameIsNO(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{}, 1)
	c := loginTLS(t, s)
	for i, name := range []string{"&", "a&Jjo", "&AGE-"} {
		p := "x" + strconv.Itoa(i)
		for _, cmd := range []string{
			"SELECT " + name, "EXAMINE " + name, "STATUS " + name + " (MESSAGES)", "CREATE " + name, "DELETE " + name,
			"RENAME " + name + " b", "RENAME Drafts " + name, "SUBSCRIBE " + name, "UNSUBSCRIBE " + name,
			`LIST ` + name + ` "*"`,
		} {
			c.Cmd(p+" "+cmd, p+" NO *")
		}
		c.Cmd(p+" APPEND "+name+" {3+}\r\nabc", p+" NO *")
		c.Send(p + "s SELECT INBOX\r\n")
		untilTagged(t, c, p+"s", p+"s OK [READ-WRITE] SELECT completed.")
		for _, cmd := range []string{"COPY 1 " + name, "MOVE 1 " + name, "UID COPY 1 " + name, "UID MOVE 1 " + name} {
			c.Cmd(p+" "+cmd, p+" NO *")
		}
	}
	// A failed SELECT leaves the selected state.
	c.Cmd("y SELECT &", "y NO *")
	c.Cmd("y FETCH 1 UID", "y BAD Command is not valid in this state.")
	// Syntax errors are still BAD, with or without a bad name.
	c.Cmd("z1 STATUS & (NOSUCH)", "z1 BAD*")
	c.Cmd("z2 SELECT", "z2 BAD*")
	c.Cmd("z3 SELECT a b", "z3 BAD*")
	c.Cmd("z4 RENAME &", "z4 BAD*")
	c.Cmd("z5 CREATE a*", "z5 BAD*")
	c.Send("z6 LOGOUT\r\n")
	c.Expect("* BYE *")
}

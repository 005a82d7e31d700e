package queue

import (
	"strings"
	"testing"
	"time"
)

// FuzzDSN feeds arbitrary original messages and remote texts to the DSN
// writer: the report always parses as multipart/report with the one
// recipient, quotes at most the header section, and nothing from the
// input can add a line of its own to the status part.
func FuzzDSN(f *testing.F) {
	f.Add(testMsg, "smtp; 550 5.1.1 User unknown")
	f.Add("Subject: a\r\n b\r\n\r\n", "x\r\nAction: delivered")
	f.Add("no header end", "")
	f.Add("\r\n\r\n", "\x00\xff")
	f.Fuzz(func(t *testing.T, orig, diag string) {
		dsn := BuildDSN("mail.test", "alice@mail.test", time.Unix(0, 0), time.Unix(0, 0),
			[]Failure{{Recipient: "bob@remote.test", Status: "5.0.0", Diagnostic: diag, Reason: diag}}, strings.NewReader(orig))
		rep := parseReport(t, string(dsn))
		if len(rep.recipients) != 1 || rep.recipients[0]["action"] != "failed" || rep.recipients[0]["final-recipient"] != "rfc822; bob@remote.test" {
			t.Fatalf("recipients %v", rep.recipients)
		}
		if len(rep.headers) > maxQuotedHeader+2 {
			t.Fatalf("quoted %d octets", len(rep.headers))
		}
		for _, c := range []byte(string(dsn)) {
			if c >= 0x80 || c == 0 {
				t.Fatalf("report is not 7-bit: %q", dsn)
			}
		}
	})
}

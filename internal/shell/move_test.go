package shell

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/internal/store"
)

// TestMoveRequestCmdlets covers New-MoveRequest, Get-MoveRequest,
// Get-MoveRequestStatistics and Remove-MoveRequest over a real server:
// a mailbox with two messages moves into a second database.
func TestMoveRequestCmdlets(t *testing.T) {
	t.Parallel()
	s := newTestShell(t, nil)
	ctx := context.Background()
	s.ok(`New-MailboxDatabase DB02`)
	u, err := s.ts.AddUser(ctx, "alice@mail.test", "Alice-pw-123", "Alice Smith", "Mailbox Database 01")
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.ts.Store(u.Database)
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{"Subject: one\r\n\r\n1\r\n", "Subject: two\r\n\r\n2\r\n"} {
		if _, err := st.Deliver(ctx, []store.AccountID{store.AccountID(u.ID)}, strings.NewReader(body), time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	s.fail(`New-MoveRequest alice -TargetDatabase "Mailbox Database 01"`, "already in Mailbox Database 01")
	s.fail(`New-MoveRequest alice -TargetDatabase Nowhere`, "couldn't be found")
	s.fail(`New-MoveRequest nobody@mail.test -TargetDatabase DB02`, "couldn't be found")
	out := s.ok(`New-MoveRequest -Identity alice@mail.test -TargetDatabase DB02`)
	for _, want := range []string{"DisplayName", "Status", "TargetDatabase", "Alice Smith", "DB02"} {
		if !strings.Contains(out, want) {
			t.Errorf("New-MoveRequest lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(out, "InProgress") && !strings.Contains(out, "Queued") {
		t.Errorf("New-MoveRequest status:\n%s", out)
	}
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out, "Completed") {
		if time.Now().After(deadline) || strings.Contains(out, "Failed") {
			t.Fatalf("Get-MoveRequest:\n%s", out)
		}
		time.Sleep(20 * time.Millisecond)
		out = s.ok(`Get-MoveRequest alice`)
	}
	out = s.ok(`Get-MoveRequest -MoveStatus Completed | Get-MoveRequestStatistics | Format-List`)
	for _, want := range []string{"PercentComplete       : 100", "ItemsTransferred      : 2", "TotalMailboxItemCount : 2",
		"SourceDatabase        : Mailbox Database 01", "TargetDatabase        : DB02", "StartTimestamp", "CompletionTimestamp", "UIDVALIDITY"} {
		if !strings.Contains(out, want) {
			t.Errorf("Get-MoveRequestStatistics lacks %q:\n%s", want, out)
		}
	}
	if out := s.ok(`Get-MoveRequest -MoveStatus InProgress`); strings.TrimSpace(out) != "" {
		t.Errorf("Get-MoveRequest -MoveStatus InProgress:\n%s", out)
	}
	if out := s.ok(`Get-Mailbox alice`); !strings.Contains(out, "DB02") {
		t.Errorf("Get-Mailbox after the move:\n%s", out)
	}
	s.ok(`Remove-MoveRequest alice -Confirm:$false`)
	s.fail(`Get-MoveRequest alice`, "couldn't be found")
	s.fail(`Remove-MoveRequest alice -Confirm:$false`, "couldn't be found")
}

package shell

import (
	"context"
	"strings"
	"testing"
)

// TestMailboxPermissionCmdlets: the documentation's commands for a shared
// mailbox grant, show and remove FullAccess in the directory, which IMAP4
// delegate logon checks (internal/imap TestDelegateLogon).
func TestMailboxPermissionCmdlets(t *testing.T) {
	t.Parallel()
	s := newTestShell(t, nil)
	for _, a := range []string{"alice", "shared"} {
		s.ok(`New-Mailbox -Name ` + a + ` -Password (ConvertTo-SecureString 'pw-` + a + `' -AsPlainText -Force)`)
	}
	ctx := context.Background()
	d := s.ts.Directory()
	sh, _ := d.Lookup(ctx, "shared@mail.test")
	al, _ := d.Lookup(ctx, "alice@mail.test")
	out := s.ok(`Add-MailboxPermission -Identity shared -User alice -AccessRights FullAccess -InheritanceType All -AutoMapping $false`)
	if !strings.Contains(out, "alice@mail.test") || !strings.Contains(out, "{FullAccess}") {
		t.Errorf("Add-MailboxPermission:\n%s", out)
	}
	if ok, err := d.HasFullAccess(ctx, sh.ID, al.ID); !ok || err != nil {
		t.Fatalf("not granted: %v %v", ok, err)
	}
	out = s.ok(`Get-MailboxPermission shared@mail.test -User alice | Format-List Identity,User,AccessRights,Deny`)
	for _, want := range []string{"Identity     : shared@mail.test", "User         : alice@mail.test", "AccessRights : {FullAccess}", "Deny         : False"} {
		if !strings.Contains(out, want) {
			t.Errorf("Get-MailboxPermission lacks %q:\n%s", want, out)
		}
	}
	s.fail(`Add-MailboxPermission shared -User alice -AccessRights ReadPermission`, "FullAccess only")
	s.fail(`Add-MailboxPermission nobody -User alice -AccessRights FullAccess`, "couldn't be found")
	s.ok(`Remove-MailboxPermission -Identity shared -User alice -AccessRights FullAccess -InheritanceType All -Confirm:$false`)
	if ok, _ := d.HasFullAccess(ctx, sh.ID, al.ID); ok {
		t.Error("still granted after Remove-MailboxPermission")
	}
	if out := s.ok(`Get-MailboxPermission shared`); strings.TrimSpace(out) != "" {
		t.Errorf("after removal:\n%s", out)
	}
}

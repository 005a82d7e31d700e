package e2e

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/postern/postern/internal/admin"
)

// TestShellRemote runs cmdlets through `postern shell --server` against
// `postern serve --admin-listen`: an administrator (made one with
// `postern user admin` and with Add-RoleGroupMember) changes settings
// over HTTPS, verified against the server's certificate; a wrong
// password and a user who is not an administrator are refused; the audit
// log names the administrator for HTTPS and the OS user for the socket,
// and holds no password.
func TestShellRemote(t *testing.T) {
	addr := freeLoopbackAddr(t)
	in := serveWith(t, "", "--local", "--admin-listen", addr)
	in.cli("Admin-Pw-1\n", "user", "add", "boss@mail.test")
	in.cli("Clerk-Pw-1\n", "user", "add", "clerk@mail.test")
	if out := in.cli("", "user", "admin", "boss@mail.test", "on"); !strings.Contains(out, "boss@mail.test is now an administrator") {
		t.Fatalf("user admin: %s", out)
	}
	remote := func(user, stdin, src string) (string, string, int) {
		cmd := command(nil, t, in.home, binary, "shell", "--server", "https://"+addr, "--user", user, "--cacert", in.ca(), "-c", src)
		cmd.Stdin = strings.NewReader(stdin)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		var ee *exec.ExitError
		code := 0
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return out.String(), errb.String(), code
	}
	out, errs, code := remote("boss@mail.test", "Admin-Pw-1\n", `New-AcceptedDomain -Name Contoso -DomainName contoso.com; Set-PopSettings -Banner "Remote banner"; Get-AcceptedDomain`)
	if code != 0 || !hasRow(out, "Contoso contoso.com Authoritative False") {
		t.Fatalf("remote shell: exit %d\n%s%s", code, out, errs)
	}
	if v := in.setting("pop3", "Banner"); v != "Remote banner" {
		t.Errorf("Banner after the remote Set-PopSettings: %q", v)
	}
	// Prompts after the password read the following lines of stdin.
	out, errs, code = remote("boss@mail.test", "Admin-Pw-1\nNew-Pw-2\n", `New-Mailbox -Name dana -Password (Read-Host -AsSecureString "Password")`)
	if code != 0 {
		t.Errorf("remote New-Mailbox with a prompt: exit %d\n%s%s", code, out, errs)
	}
	// The clerk becomes an administrator through the role group, then
	// stops being one.
	if _, errs, code := remote("clerk@mail.test", "Clerk-Pw-1\n", `Get-AcceptedDomain`); code == 0 || !strings.Contains(errs, "not an administrator") {
		t.Errorf("non-administrator: exit %d %s", code, errs)
	}
	in.shellOK(`Add-RoleGroupMember "Organization Management" -Member clerk@mail.test`)
	if out := in.shellOK(`Get-RoleGroupMember "Organization Management"`); !strings.Contains(out, "clerk@mail.test") || !strings.Contains(out, "boss@mail.test") {
		t.Errorf("Get-RoleGroupMember:\n%s", out)
	}
	if _, errs, code := remote("clerk@mail.test", "Clerk-Pw-1\n", `Get-AcceptedDomain`); code != 0 {
		t.Errorf("clerk after Add-RoleGroupMember: exit %d %s", code, errs)
	}
	in.shellOK(`Remove-RoleGroupMember "Organization Management" -Member clerk@mail.test -Confirm:$false`)
	if _, errs, code := remote("clerk@mail.test", "Clerk-Pw-1\n", `Get-AcceptedDomain`); code == 0 || !strings.Contains(errs, "not an administrator") {
		t.Errorf("clerk after Remove-RoleGroupMember: exit %d %s", code, errs)
	}
	if _, errs := in.shellFail(`Add-RoleGroupMember "Help Desk" -Member clerk@mail.test`); !strings.Contains(errs, "Organization Management") {
		t.Errorf("another role group: %s", errs)
	}
	// A wrong password changes nothing.
	if _, errs, code := remote("boss@mail.test", "wrong\n", `Set-PopSettings -Banner "Not applied"`); code == 0 || !strings.Contains(errs, "incorrect") {
		t.Errorf("wrong password: exit %d %s", code, errs)
	}
	if v := in.setting("pop3", "Banner"); v != "Remote banner" {
		t.Errorf("Banner after a refused request: %q", v)
	}
	// Without the server's certificate the client refuses the connection.
	cmd := command(nil, t, in.home, binary, "shell", "--server", "https://"+addr, "--user", "boss@mail.test", "-c", "Get-AcceptedDomain")
	cmd.Stdin = strings.NewReader("Admin-Pw-1\n")
	if got, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(got), "certificate") {
		t.Errorf("untrusted certificate: %v %s", err, got)
	}

	audit, err := os.ReadFile(admin.AuditPath(in.data))
	if err != nil {
		t.Fatal(err)
	}
	var remoteLine, socketLine string
	for _, l := range strings.Split(string(audit), "\n") {
		if strings.Contains(l, `"cmdlet":"New-AcceptedDomain"`) {
			remoteLine = l
		}
		if strings.Contains(l, `"cmdlet":"Add-RoleGroupMember"`) {
			socketLine = l
		}
	}
	if !strings.Contains(remoteLine, `"uid":"remote"`) || !strings.Contains(remoteLine, `"admin":"boss@mail.test"`) || !strings.Contains(remoteLine, `"client":"127.0.0.1"`) {
		t.Errorf("remote audit line: %s", remoteLine)
	}
	if socketLine == "" || strings.Contains(socketLine, `"uid":"remote"`) || strings.Contains(socketLine, `"uid":"local"`) {
		t.Errorf("socket audit line: %s", socketLine)
	}
	for _, secret := range []string{"Admin-Pw-1", "New-Pw-2", "Clerk-Pw-1", "wrong"} {
		if strings.Contains(string(audit), secret) {
			t.Errorf("the audit log holds %q", secret)
		}
	}
}

package shell

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/postern/postern/internal/admin"
	"github.com/postern/postern/internal/config"
	"github.com/postern/postern/internal/server"
	"github.com/postern/postern/internal/shell/lang"
	"github.com/postern/postern/internal/testkit"
)

// testShell is a shell over the admin API of a real server.
type testShell struct {
	t        *testing.T
	sh       *Shell
	out, err bytes.Buffer
	ts       *server.Server
}

// startServer opens a server on a fresh data folder with its POP3 and
// IMAP4 listeners set to free loopback ports (the services stay stopped). The port
// offset keeps its transport off port 24, which end-to-end tests use.
func startServer(t *testing.T) *server.Server {
	t.Helper()
	ctx := context.Background()
	s, err := server.Open(ctx, server.Options{DataDir: t.TempDir(), FQDN: "mail.test", PortOffset: 40000,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), HashParams: server.HashParams{MemoryKiB: 1024, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	for _, p := range []string{config.ProtocolPOP3, config.ProtocolIMAP4} {
		_, err := s.UpdateSettings(ctx, p, func(ps *config.ProtocolSettings) error {
			return ps.Apply(config.Change{Name: "SSLBindings", Values: []string{testkit.FreeLoopbackAddr(t)}},
				config.Change{Name: "UnencryptedOrTLSBindings", Values: []string{testkit.FreeLoopbackAddr(t)}})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func newTestShell(t *testing.T, p lang.Prompter) *testShell {
	t.Helper()
	ts := startServer(t)
	sock := filepath.Join(ts.DataDir(), "admin.sock")
	api, err := admin.Listen(ts, sock, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { api.Close() })
	s := &testShell{t: t, ts: ts}
	s.sh = New(Options{API: admin.NewClient(sock), Stdout: &s.out, Stderr: &s.err, Prompter: p})
	return s
}

// run runs src and returns stdout, stderr and the result.
func (s *testShell) run(src string) (string, string, error) {
	s.t.Helper()
	s.out.Reset()
	s.err.Reset()
	err := s.sh.Run(context.Background(), src)
	return s.out.String(), s.err.String(), err
}

func (s *testShell) ok(src string) string {
	s.t.Helper()
	out, errs, err := s.run(src)
	if err != nil {
		s.t.Fatalf("%s: %v\n%s", src, err, errs)
	}
	return out
}

// fail runs src, which must fail, and returns its error output.
func (s *testShell) fail(src, want string) {
	s.t.Helper()
	_, errs, err := s.run(src)
	if !errors.Is(err, lang.ErrFailed) {
		s.t.Errorf("%s: %v, want lang.ErrFailed\n%s", src, err, errs)
	}
	if !strings.Contains(errs, want) {
		s.t.Errorf("%s: errors\n%s\nlack %q", src, errs, want)
	}
}

func TestBinding(t *testing.T) {
	t.Parallel()
	s := newTestShell(t, nil)
	s.fail(`Set-PopSettings -Max 100`, "Set-PopSettings : Parameter cannot be processed because the parameter name 'Max' is ambiguous. "+
		"Possible matches include: -MaxCommandSize -MaxConnections -MaxConnectionFromSingleIP -MaxConnectionsPerUser.\nAt line:1 char:1\n+ Set-PopSettings -Max 100\n+ ~~~~~~~~~~~~~~~~~~~~~~~~")
	s.fail(`Set-PopSettings -Nonsense 1`, "A parameter cannot be found that matches parameter name 'Nonsense'.")
	s.fail(`Set-PopSettings -ShowHiddenFoldersEnabled $true`, "It applies only to IMAP4 settings.")
	s.fail(`Set-PopSettings -Banner`, "Missing an argument for parameter 'Banner'. Specify a parameter of type 'Object' and try again.")
	s.fail(`Set-PopSettings extra`, "A positional parameter cannot be found that accepts argument 'extra'.")
	s.fail(`Set-PopSettings -Banner a -banner b`, "parameter 'Banner' is specified more than once")
	s.fail(`Set-Service MSExchangePOP3 -StartupType Sometimes`, `The argument "Sometimes" does not belong to the set "Automatic,Manual,Disabled"`)
	s.fail(`Start-Service -WhatIf:"yes" MSExchangePOP3`, `Cannot convert value "System.String" to type "System.Boolean"`)
	s.fail(`Get-Nothing`, "Get-Nothing : The term 'Get-Nothing' is not recognized as the name of a cmdlet")
	s.fail(`New-Mailbox -Name x -Password "hunter2"`, `Cannot convert the value of type "System.String" to type "System.Security.SecureString"`)
	if msg, _, _ := strings.Cut(s.err.String(), "\n"); strings.Contains(msg, "hunter2") {
		t.Errorf("the message shows the password: %s", msg)
	}
	s.fail(`New-Mailbox -Name x`, "Cannot process command because of one or more missing mandatory parameters: Password.")
	// Case-insensitive names, unambiguous prefixes, -Name:value.
	s.ok(`set-popsettings -maxcommandsize 100 -Bann:"Hi there" -protocollog:$true -Logi PlainTextLogin`)
	got := s.ok(`Get-PopSettings | Format-List MaxCommandSize,Banner,ProtocolLogEnabled,LoginType`)
	want := "\nMaxCommandSize     : 100\nBanner             : Hi there\nProtocolLogEnabled : True\nLoginType          : PlainTextLogin\n\n\n"
	if got != want {
		t.Errorf("Format-List:\n%q\nwant\n%q", got, want)
	}
}

func TestSettingsValues(t *testing.T) {
	t.Parallel()
	s := newTestShell(t, nil)
	show := func(name string) string {
		t.Helper()
		return strings.TrimSpace(s.ok(`Get-ImapSettings | Select-Object -ExpandProperty ` + name))
	}
	s.ok(`Set-ImapSettings -ExternalConnectionSettings "mail.contoso.com:993:SSL", 'mail.contoso.com:143:TLS'`)
	if v := show("ExternalConnectionSettings"); v != "{mail.contoso.com:993:SSL, mail.contoso.com:143:TLS}" {
		t.Errorf("list: %s", v)
	}
	s.ok(`Set-ImapSettings -ExternalConnectionSettings @{Add="imap.contoso.com:993:SSL"; Remove="mail.contoso.com:143:TLS"}`)
	if v := show("ExternalConnectionSettings"); v != "{mail.contoso.com:993:SSL, imap.contoso.com:993:SSL}" {
		t.Errorf("Add/Remove: %s", v)
	}
	out := s.ok(`Set-ImapSettings -ExternalConnectionSettings $null -MaxCommandSize 2048 -WhatIf`)
	if !strings.HasPrefix(out, `What if: Performing the operation "Set-ImapSettings" on target "IMAP4 settings of `) ||
		!strings.Contains(out, "ExternalConnectionSettings: {mail.contoso.com:993:SSL, imap.contoso.com:993:SSL} -> {}") ||
		!strings.Contains(out, "MaxCommandSize: 10240 -> 2048") {
		t.Errorf("WhatIf: %s", out)
	}
	if v := show("MaxCommandSize"); v != "10240" {
		t.Errorf("WhatIf changed MaxCommandSize to %s", v)
	}
	s.fail(`Set-ImapSettings -MaxCommandSize 1023 -WhatIf`, "The value 1023 is not in the valid range 1024-16384.")
	s.ok(`Set-ImapSettings -ExternalConnectionSettings $null`)
	if v := show("ExternalConnectionSettings"); v != "{}" {
		t.Errorf("$null: %s", v)
	}
	s.fail(`Set-ImapSettings -Banner a,b`, "It takes a single value")
	s.fail(`Set-ImapSettings -SSLBindings @{Set="[::]:1"}`, "The hash table key 'Set' is not valid")
	// A refused change leaves every setting as it was, even those that
	// were valid in the same command.
	s.fail(`Set-ImapSettings -Banner "Changed" -MaxCommandSize 99999`, "not in the valid range 1024-16384")
	if v := show("Banner"); v == "Changed" {
		t.Error("a refused command changed Banner")
	}
	s.ok(`Set-ImapSettings -LogPerFileSizeQuota 10MB -PreAuthenticatedConnectionTimeout 00:02:00 -EnableExactRFC822Size:$true -LoginType 2`)
	if v := show("LogPerFileSizeQuota"); v != "10 MB (10,485,760 bytes)" {
		t.Errorf("10MB: %s", v)
	}
	if v := show("LoginType"); v != "PlainTextAuthentication" {
		t.Errorf("LoginType 2: %s", v)
	}
}

func TestOutput(t *testing.T) {
	t.Parallel()
	s := newTestShell(t, nil)
	out := s.ok(`Get-Service MSExchangePOP3; Get-Service MSExchangePOP3BE`)
	want := "\nStatus  Name             DisplayName\n------  ----             -----------\n" +
		"Stopped MSExchangePOP3   Postern POP3\nStopped MSExchangePOP3BE Postern POP3 Backend\n\n"
	if out != want {
		t.Errorf("Get-Service:\n%s\nwant\n%s", out, want)
	}
	s.fail(`Get-Service MSExchangeNothing, MSExchangePOP3`, "Get-Service : Cannot find any service with service name 'MSExchangeNothing'.")
	if !strings.Contains(s.out.String(), "MSExchangePOP3") {
		t.Errorf("the found service was not shown: %s", s.out.String())
	}
	if out := s.ok(`Get-Service MSExchangeNothing*`); out != "" {
		t.Errorf("a wildcard matching nothing printed %q", out)
	}
	pop, err := s.ts.Settings(context.Background(), config.ProtocolPOP3)
	if err != nil {
		t.Fatal(err)
	}
	out = s.ok(`Get-PopSettings | Format-List *ConnectionSettings,*Bindings,X509CertificateName`)
	for _, line := range []string{"InternalConnectionSettings : {mail.test:", "ExternalConnectionSettings : {}",
		"UnencryptedOrTLSBindings   : {" + pop.UnencryptedOrTLSBindings[0].String() + "}",
		"SSLBindings                : {" + pop.SSLBindings[0].String() + "}", "X509CertificateName        : mail.test"} {
		if !strings.Contains(out, "\n"+line) {
			t.Errorf("Format-List lacks %q:\n%s", line, out)
		}
	}
	out = s.ok(`Get-Service MSExchangeIMAP4* | Select-Object Name,StartType`)
	want = "\nName              StartType\n----              ---------\nMSExchangeIMAP4   Manual\nMSExchangeIMAP4BE Manual\n\n"
	if out != want {
		t.Errorf("Select-Object:\n%q\nwant\n%q", out, want)
	}
	out = s.ok(`"a","b","c" | Select-Object -Last 2; 1kb; $x = Get-Service MSExchangePOP3; $x | Format-Table Status,Name -HideTableHeaders`)
	if out != "b\nc\n1024\n\nStopped MSExchangePOP3\n\n" {
		t.Errorf("values: %q", out)
	}
}

// TestSecrets checks that a password is never shown, nor written to the
// audit log.
func TestSecrets(t *testing.T) {
	t.Parallel()
	s := newTestShell(t, nil)
	out := s.ok(`$p = ConvertTo-SecureString "hunter2" -AsPlainText -Force; $p; "$p"; Write-Output $p | Format-List`)
	if strings.Contains(out, "hunter2") || !strings.Contains(out, "System.Security.SecureString") {
		t.Errorf("output: %s", out)
	}
	s.ok(`New-Mailbox -Name "Alice Smith" -Alias alice -Password (ConvertTo-SecureString 'hunter2' -AsPlainText -Force)`)
	s.fail(`ConvertTo-SecureString "x" -AsPlainText`, "reissue the command specifying the Force parameter")
	data, err := os.ReadFile(admin.AuditPath(s.ts.DataDir()))
	if err != nil {
		t.Fatal(err)
	}
	log := string(data)
	if strings.Contains(log, "hunter2") || !strings.Contains(log, `"cmdlet":"New-Mailbox"`) || !strings.Contains(log, `"password":"********"`) {
		t.Errorf("audit log:\n%s", log)
	}
	// The mailbox works with the password.
	if _, err := s.ts.Directory().Verify(context.Background(), "alice@mail.test", "hunter2"); err != nil {
		t.Errorf("password: %v", err)
	}
}

func TestAuditLog(t *testing.T) {
	t.Parallel()
	s := newTestShell(t, nil)
	s.ok(`Set-PopSettings -Banner "Audited" -WhatIf`)
	s.ok(`Set-PopSettings -Banner "Audited"`)
	s.fail(`Set-PopSettings -MaxCommandSize 39`, "valid range")
	data, err := os.ReadFile(admin.AuditPath(s.ts.DataDir()))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 2 {
		t.Fatalf("audit log has %d lines, want 2 (-WhatIf changes nothing):\n%s", len(lines), data)
	}
	for _, want := range []string{`"cmdlet":"Set-PopSettings"`, `"endpoint":"POST /v1/settings/pop3"`, `"Values":["Audited"]`, `"status":200`, `"uid":"`} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("audit line lacks %s:\n%s", want, lines[0])
		}
	}
	if !strings.Contains(lines[1], `"status":400`) || !strings.Contains(lines[1], "valid range 40-1024") {
		t.Errorf("refused change: %s", lines[1])
	}
	fi, err := os.Stat(admin.AuditPath(s.ts.DataDir()))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("audit log mode: %v %v", fi.Mode(), err)
	}
}

// answers is a Prompter with canned answers.
type answers struct {
	lines   []string
	prompts []string
}

func (a *answers) ReadLine(p string) (string, error) { return a.next(p) }

func (a *answers) ReadSecret(p string) (string, error) { return a.next(p) }

func (a *answers) next(p string) (string, error) {
	a.prompts = append(a.prompts, p)
	if len(a.lines) == 0 {
		return "", io.EOF
	}
	l := a.lines[0]
	a.lines = a.lines[1:]
	return l, nil
}

func TestPrompts(t *testing.T) {
	t.Parallel()
	p := &answers{lines: []string{"s3cret", "carol@mail.test", "pw"}}
	s := newTestShell(t, p)
	s.ok(`New-Mailbox bob`)
	if _, err := s.ts.Directory().Verify(context.Background(), "bob@mail.test", "s3cret"); err != nil {
		t.Errorf("prompted password: %v", err)
	}
	out := s.ok(`$c = Get-Credential; $c.UserName; $c | Format-List`)
	if !strings.Contains(out, "UserName : carol@mail.test") && !strings.Contains(out, "System.Management.Automation.PSCredential") {
		t.Errorf("credential: %s", out)
	}
	if strings.Join(p.prompts, "|") != "Password: |User: |Password for user carol@mail.test: " {
		t.Errorf("prompts: %q", p.prompts)
	}
}

func TestControl(t *testing.T) {
	t.Parallel()
	s := newTestShell(t, nil)
	out, errs, err := s.run(`Get-Service nothing -ErrorAction Stop; Write-Output after`)
	if !errors.Is(err, lang.ErrFailed) || strings.Contains(out, "after") || !strings.Contains(errs, "nothing") {
		t.Errorf("-ErrorAction Stop: %v %q %q", err, out, errs)
	}
	if out := s.ok(`Get-Service nothing -ErrorAction SilentlyContinue; Write-Output after`); out != "after\n" {
		t.Errorf("-ErrorAction SilentlyContinue: %q", out)
	}
	// A cmdlet piped into with nothing to work on does nothing.
	if out := s.ok(`Get-Mailbox nobody* | Set-CASMailbox -PopEnabled $false; Get-Mailbox nobody* | Format-List`); out != "" {
		t.Errorf("empty pipeline: %q", out)
	}
	_, _, err = s.run(`Write-Output x; exit 3; Write-Output y`)
	var exit *lang.ExitError
	if !errors.As(err, &exit) || exit.Code != 3 || s.out.String() != "x\n" {
		t.Errorf("exit: %v %q", err, s.out.String())
	}
	_, _, err = s.run(`Get-Service |`)
	var pe *lang.ParseError
	if !errors.As(err, &pe) || !strings.Contains(s.err.String(), "An empty pipe element is not allowed.") {
		t.Errorf("parse error: %v %q", err, s.err.String())
	}
}

func TestComplete(t *testing.T) {
	t.Parallel()
	sh := New(Options{})
	for _, tc := range []struct {
		line  string
		start int
		want  string
	}{
		{"Get-Po", 0, "Get-PopSettings"},
		{"get-service x; start-s", 15, "Start-Service"},
		{"Set-PopSettings -Max", 16, "-MaxCommandSize -MaxConnectionFromSingleIP -MaxConnections -MaxConnectionsPerUser"},
		{"Get-PopSettings | Format-List -Pro", 30, "-Property"},
		{"Set-Service x -Sta", 14, "-StartupType -Status"},
		{"Set-Service x y", 14, ""},
	} {
		start, got := sh.Complete(tc.line, len(tc.line))
		if start != tc.start || strings.Join(got, " ") != tc.want {
			t.Errorf("Complete(%q) = %d %q, want %d %q", tc.line, start, got, tc.start, tc.want)
		}
	}
}

// TestAdvertiseExchangeCapabilitiesOnly: Postern's own IMAP4 setting shows
// in Get-ImapSettings, changes with Set-ImapSettings, and is refused on
// POP3.
func TestAdvertiseExchangeCapabilitiesOnly(t *testing.T) {
	t.Parallel()
	s := newTestShell(t, nil)
	show := func() string {
		t.Helper()
		return strings.TrimSpace(s.ok(`Get-ImapSettings | Select-Object -ExpandProperty AdvertiseExchangeCapabilitiesOnly`))
	}
	if v := show(); v != "False" {
		t.Errorf("default: %s", v)
	}
	if out := s.ok(`Get-ImapSettings | Format-List`); !strings.Contains(out, "AdvertiseExchangeCapabilitiesOnly") {
		t.Errorf("Format-List lacks the setting:\n%s", out)
	}
	s.ok(`Set-ImapSettings -AdvertiseExchangeCapabilitiesOnly $true`)
	if v := show(); v != "True" {
		t.Errorf("after $true: %s", v)
	}
	s.ok(`Set-ImapSettings -AdvertiseExchangeCapabilitiesOnly:$false`)
	if v := show(); v != "False" {
		t.Errorf("after $false: %s", v)
	}
	s.fail(`Set-ImapSettings -AdvertiseExchangeCapabilitiesOnly maybe`, "AdvertiseExchangeCapabilitiesOnly")
	s.fail(`Set-PopSettings -AdvertiseExchangeCapabilitiesOnly $true`, "It applies only to IMAP4 settings.")
}

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/internal/admin/api"
	"github.com/postern/postern/internal/config"
)

// shell runs `postern shell -c src` and returns its output, its error
// output and its exit status.
func (in *instance) shell(src string) (stdout, stderr string, code int) {
	in.t.Helper()
	cmd := command(nil, in.t, in.home, binary, "--data", in.data, "shell", "-c", src)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		in.t.Fatalf("postern shell -c %q: %v", src, err)
	}
	return out.String(), errb.String(), code
}

// shellOK runs commands that must succeed and returns their output.
func (in *instance) shellOK(src string) string {
	in.t.Helper()
	out, errs, code := in.shell(src)
	if code != 0 {
		in.t.Fatalf("postern shell -c %q: exit %d\n%s%s", src, code, out, errs)
	}
	return out
}

// shellFail runs commands that must fail with exit status 1 and returns
// their output and error output.
func (in *instance) shellFail(src string) (string, string) {
	in.t.Helper()
	out, errs, code := in.shell(src)
	if code != 1 {
		in.t.Fatalf("postern shell -c %q: exit %d, want 1\n%s%s", src, code, out, errs)
	}
	return out, errs
}

// service returns a service's status from the admin API.
func (in *instance) service(name string) api.ServiceStatus {
	in.t.Helper()
	var st []api.ServiceStatus
	if err := in.client().Get(context.Background(), "/v1/services", &st); err != nil {
		in.t.Fatal(err)
	}
	for _, s := range st {
		if s.Name == name {
			return s
		}
	}
	in.t.Fatalf("no service %s", name)
	return api.ServiceStatus{}
}

// setting returns a stored setting's display form from the admin API.
func (in *instance) setting(protocol, name string) string {
	in.t.Helper()
	var fields []config.Field
	if err := in.client().Get(context.Background(), "/v1/settings/"+protocol, &fields); err != nil {
		in.t.Fatal(err)
	}
	for _, f := range fields {
		if f.Name == name {
			return f.Value
		}
	}
	in.t.Fatalf("no setting %s", name)
	return ""
}

// seedCommand is a command line found in a seed document.
type seedCommand struct {
	file string
	line int
	text string
}

// cmdletLine matches a line that starts with a cmdlet (Verb-Noun with a
// PowerShell verb), which is how the seed documents show commands; prose
// lines and titles ("Quick-Start Guide ...") do not match.
var cmdletLine = regexp.MustCompile(`^(Get|Set|New|Remove|Start|Stop|Restart|Enable|Disable|Import|Export|Test|Format|Select)-[A-Za-z0-9]+(\s|$)`)

// seedCommands extracts the command lines of the seed documents, in
// document order (seed 002 repeats seed 000's, so they run twice, which
// they must bear).
func seedCommands(t *testing.T) []seedCommand {
	t.Helper()
	var out []seedCommand
	for _, f := range seedFiles(t) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(nil, 1<<20)
		for n := 1; sc.Scan(); n++ {
			text := strings.TrimSpace(sc.Text())
			if cmdletLine.MatchString(text) {
				out = append(out, seedCommand{file: filepath.Base(f), line: n, text: text})
			}
		}
	}
	return out
}

// seedFiles are the seed documents, in order; the test is skipped
// without them.
func seedFiles(t *testing.T) []string {
	t.Helper()
	dir := os.Getenv("POSTERN_SEEDS")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "seeds")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.txt"))
	if len(files) == 0 {
		t.Skipf("no seed documents in %s (set POSTERN_SEEDS to their folder)", dir)
	}
	sort.Strings(files)
	return files
}

// The seed command lines, as the documents print them.
const (
	seedStart      = `Start-Service MSExchangePOP3; Start-Service MSExchangePOP3BE`
	seedStartup    = `Set-Service MSExchangePOP3 -StartupType Automatic; Set-Service MSExchangePOP3BE -StartupType Automatic`
	seedGetService = `Get-Service MSExchangePOP3; Get-Service MSExchangePOP3BE`
	seedSyntax     = `Set-PopSettings -ExternalConnectionSettings "<FQDN1>:<TCPPort1>:<SSL | TLS | blank>", "<FQDN2>:<TCPPort2>:<SSL | TLS | blank>"...  -X509CertificateName <FQDN> [-SSLBindings "<IPv4Orv6Address1>:<TCPPort1>","<IPv4Orv6Address2>:<TCPPort2>"...] [-UnencryptedOrTLSBindings "<IPv4Orv6Address1>:<TCPPort1>","<IPv4Orv6Address2>:<TCPPort2>"...]`
	seedExternal   = `Set-PopSettings -ExternalConnectionSettings "mail.contoso.com:995:SSL","mail.contoso.com:110:TLS" -X509CertificateName mail.contoso.com`
	seedCheck      = `Get-PopSettings | Format-List *ConnectionSettings,*Bindings,X509CertificateName`
	seedRestart    = `Restart-Service MSExchangePOP3; Restart-Service MSExchangePOP3BE`
)

// TestShellSeedCommands runs every command line of the seed documents,
// unchanged, through `postern shell -c` against a live server, in the
// order the documents give them, and checks what the documents say each
// does. Seed 002 shows Test-PopConnectivity inside a sentence rather than
// on a line of its own (the extraction takes only lines that start with a
// cmdlet): that example is taken from the prose (seedExample), with
// <ServerName> filled in, and run as documented and without -Lightmode.
func TestShellSeedCommands(t *testing.T) {
	in := serve(t, "")
	// Not from the seeds: listeners on free loopback ports instead of
	// 995 and 110, and a certificate for mail.contoso.com enabled for POP,
	// which the documents assume the administrator has.
	certFile := writeCert(t, "mail.contoso.com")
	popSSL, popPlain := freeLoopbackAddr(t), freeLoopbackAddr(t)
	in.shellOK(`Set-PopSettings -SSLBindings ` + popSSL + ` -UnencryptedOrTLSBindings ` + popPlain)
	in.shellOK(`Import-ExchangeCertificate -FileData ([System.IO.File]::ReadAllBytes('` + certFile + `')) | Enable-ExchangeCertificate -Services POP,IMAP`)

	ran := map[string]bool{}
	checks := seedChecks(t, in, ran, popSSL, popPlain)
	for _, sc := range seedCommands(t) {
		t.Logf("%s:%d: %s", sc.file, sc.line, sc.text)
		if sc.text == seedSyntax {
			// A syntax template with <placeholders>: PowerShell refuses it,
			// and so does the shell, changing nothing.
			_, errs := in.shellFail(sc.text)
			if !strings.Contains(errs, "The '<' operator is reserved for future use.") || !strings.Contains(errs, "At line:1 char:") {
				t.Errorf("syntax template: %s", errs)
			}
			ran[sc.text] = true
			continue
		}
		check, ok := checks[sc.text]
		if !ok {
			t.Errorf("%s:%d: no expectation for the seed command line %q", sc.file, sc.line, sc.text)
			continue
		}
		out, errs, code := in.shell(sc.text)
		if code != 0 {
			t.Errorf("%s:%d: %s: exit %d\n%s%s", sc.file, sc.line, sc.text, code, out, errs)
			continue
		}
		check(out, errs)
		ran[sc.text] = true
	}
	for _, want := range []string{seedStart, seedStartup, seedGetService, seedSyntax, seedExternal, seedCheck, seedRestart} {
		if !ran[want] {
			t.Errorf("the seed command line %q was not found or did not run", want)
		}
	}
	runSeedConnectivityExample(t, in)
}

// seedExample finds the command examples the seeds give inside prose,
// "For example, <command>." (the Chinese translation repeats each).
var seedExample = regexp.MustCompile(`For example, (Test-PopConnectivity [^.]*?\(Get-Credential\))`)

// runSeedConnectivityExample runs seed 002's Test-PopConnectivity example
// against the server TestShellSeedCommands configured: the internal
// clients' check the document recommends after configuring POP3. Its
// effect is a Success row for the logon (-Lightmode); without -Lightmode
// a test message also goes through the Client Frontend connector and is
// found and deleted, each step a Success.
func runSeedConnectivityExample(t *testing.T, in *instance) {
	var example string
	for _, f := range seedFiles(t) {
		data, _ := os.ReadFile(f)
		if m := seedExample.FindSubmatch(data); m != nil {
			example = string(m[1])
		}
	}
	if example != "Test-PopConnectivity -ClientAccessServer <ServerName> -Lightmode -MailboxCredential (Get-Credential)" {
		t.Fatalf("the seeds' Test-PopConnectivity example: %q", example)
	}
	in.shellOK(`New-Mailbox -Name kweku -Password (ConvertTo-SecureString 'Pass-1' -AsPlainText -Force)
Set-ReceiveConnector "Client Frontend MAIL" -Bindings ` + freeLoopbackAddr(t) + `; Restart-Service MSExchangeFrontEndTransport`)
	cmd := strings.Replace(example, "<ServerName>", "MAIL", 1)
	for _, src := range []string{cmd, strings.Replace(cmd, " -Lightmode", "", 1)} {
		out := in.shellStdin("kweku@mail.test\nPass-1\n", src+" | Format-List Scenario,Result,Error")
		rows := formatListBlocks(out)
		want := 1
		if !strings.Contains(src, "-Lightmode") {
			want = 3
		}
		if len(rows) != want {
			t.Errorf("%s: %d rows, want %d:\n%s", src, len(rows), want, out)
		}
		for _, r := range rows {
			if r["Result"] != "Success" {
				t.Errorf("%s: %v", src, r)
			}
		}
	}
}

// seedChecks are the documented effects of each seed command line, keyed
// by the line; ran records which lines have run. popSSL and popPlain are
// the POP3 bindings set before the seeds run.
func seedChecks(t *testing.T, in *instance, ran map[string]bool, popSSL, popPlain string) map[string]func(out, errs string) {
	return map[string]func(string, string){
		seedStart: func(out, errs string) {
			for _, s := range []string{"pop3", "pop3-backend"} {
				if st := in.service(s); st.Status != api.Running {
					t.Errorf("after Start-Service, %s is %s %s", s, st.Status, st.Error)
				}
			}
		},
		seedStartup: func(out, errs string) {
			for _, s := range []string{"pop3", "pop3-backend"} {
				if st := in.service(s); st.StartupType != api.Automatic {
					t.Errorf("after Set-Service, %s starts %s", s, st.StartupType)
				}
			}
		},
		seedGetService: func(out, errs string) {
			if strings.Count(out, "Status") != 1 || !hasRow(out, "Running MSExchangePOP3 Postern POP3") ||
				!hasRow(out, "Running MSExchangePOP3BE Postern POP3 Backend") {
				t.Errorf("Get-Service output:\n%s", out)
			}
		},
		seedExternal: func(out, errs string) {
			if v := in.setting("pop3", "ExternalConnectionSettings"); v != "{mail.contoso.com:995:SSL, mail.contoso.com:110:TLS}" {
				t.Errorf("ExternalConnectionSettings = %s", v)
			}
			if v := in.setting("pop3", "X509CertificateName"); v != "mail.contoso.com" {
				t.Errorf("X509CertificateName = %s", v)
			}
			if !strings.Contains(errs, "WARNING: Changes to POP3 settings will only take effect after all Microsoft Exchange POP3 services are restarted") {
				t.Errorf("no restart warning: %s", errs)
			}
			// Until the services restart, they keep the certificate they
			// started with.
			if cn := certName(t, in.service("pop3").Listeners[0]); !ran[seedRestart] && cn != "mail.test" {
				t.Errorf("before the restart the certificate is %s", cn)
			}
		},
		seedCheck: func(out, errs string) {
			checkFormatList(t, out, [][2]string{
				{"InternalConnectionSettings", "{mail.test:995:SSL, mail.test:110:TLS}"},
				{"ExternalConnectionSettings", "{mail.contoso.com:995:SSL, mail.contoso.com:110:TLS}"},
				{"UnencryptedOrTLSBindings", "{" + popPlain + "}"},
				{"SSLBindings", "{" + popSSL + "}"},
				{"X509CertificateName", "mail.contoso.com"},
			})
		},
		seedRestart: func(out, errs string) {
			for _, s := range []string{"pop3", "pop3-backend"} {
				if st := in.service(s); st.Status != api.Running {
					t.Errorf("after Restart-Service, %s is %s", s, st.Status)
				}
			}
			if cn := certName(t, in.service("pop3").Listeners[0]); cn != "mail.contoso.com" {
				t.Errorf("after the restart the certificate is %s, want mail.contoso.com", cn)
			}
		},
	}
}

// checkFormatList checks Format-List output: exactly these lines, in
// this order, names padded to one width.
func checkFormatList(t *testing.T, out string, want [][2]string) {
	t.Helper()
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) != len(want) {
		t.Fatalf("Format-List printed %d lines, want %d:\n%s", len(lines), len(want), out)
	}
	width := 0
	for _, w := range want {
		width = max(width, len(w[0]))
	}
	for i, w := range want {
		if exp := w[0] + strings.Repeat(" ", width-len(w[0])) + " : " + w[1]; lines[i] != exp {
			t.Errorf("line %d: %q, want %q", i+1, lines[i], exp)
		}
	}
}

// writeCert writes a self-signed certificate and its key for name, in one
// PEM file, and returns its path.
func writeCert(t *testing.T, name string) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		DNSNames: []string{name}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	data := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})...)
	path := filepath.Join(t.TempDir(), name+".pem")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// certName is the common name of the certificate an implicit-TLS
// listener presents to a client that sends no SNI name, so that the
// service's X509CertificateName decides.
func certName(t *testing.T, addr string) string {
	t.Helper()
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatalf("TLS to %s: %v", addr, err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0].Subject.CommonName
}

// greeting reads the first line a plain listener sends.
func greeting(t *testing.T, addr string) string {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimRight(line, "\r\n")
}

// TestShellRestartAppliesBanner checks that a setting changed with
// Set-PopSettings / Set-ImapSettings reaches the wire only after
// Restart-Service (spec §1.1), for both protocols.
func TestShellRestartAppliesBanner(t *testing.T) {
	in := serve(t, "")
	in.shellOK(`Set-PopSettings -SSLBindings ` + freeLoopbackAddr(t) + ` -UnencryptedOrTLSBindings ` + freeLoopbackAddr(t) + `
Set-ImapSettings -SSLBindings ` + freeLoopbackAddr(t) + ` -UnencryptedOrTLSBindings ` + freeLoopbackAddr(t) + `
Start-Service MSExchangePOP3BE, MSExchangePOP3, MSExchangeIMAP4BE, MSExchangeIMAP4`)
	for _, p := range []struct{ noun, service, prefix, old string }{
		{"Pop", "pop3", "+OK ", "The Postern POP3 service is ready."},
		{"Imap", "imap4", "* OK ", "The Postern IMAP4 service is ready."},
	} {
		plain := func() string { return in.service(p.service).Listeners[1] }
		if g := greeting(t, plain()); g != p.prefix+p.old {
			t.Errorf("greeting %q", g)
		}
		in.shellOK(`Set-` + p.noun + `Settings -Banner "Welcome to 'contoso' mail"`)
		if g := greeting(t, plain()); g != p.prefix+p.old {
			t.Errorf("before the restart: %q", g)
		}
		in.shellOK(`Restart-Service ` + map[string]string{"pop3": "MSExchangePOP3", "imap4": "MSExchangeIMAP4"}[p.service])
		if g := greeting(t, plain()); g != p.prefix+"Welcome to 'contoso' mail" {
			t.Errorf("after the restart: %q", g)
		}
	}
}

// edge is a parameter's valid range: the two edges are accepted, one
// past each is refused with the parameter and the range named, and the
// stored value stays.
type edge struct {
	param             string
	lo, hi            string // as typed
	loShow, hiShow    string // as Get-*Settings shows them
	below, above      string
	extra             string // other parameters the value needs
	wantBelow, wantHi string // in the refusal
}

// TestShellValidationEdges checks every validation range of spec §2 at
// both edges and one past each, through the shell, for both protocols.
func TestShellValidationEdges(t *testing.T) {
	in := serve(t, "")
	ints := func(p, lo, hi, below, above string) edge {
		return edge{param: p, lo: lo, hi: hi, loShow: lo, hiShow: hi, below: below, above: above,
			wantBelow: "The value " + below + " is not in the valid range " + lo + "-" + hi + ".",
			wantHi:    "The value " + above + " is not in the valid range " + lo + "-" + hi + "."}
	}
	common := []edge{
		{param: "AuthenticatedConnectionTimeout", lo: "00:00:30", hi: "1.00:00:00", loShow: "00:00:30", hiShow: "1.00:00:00",
			below: "00:00:29", above: "1.00:00:01",
			wantBelow: "The value 00:00:29 is not in the valid range 00:00:30-1.00:00:00.", wantHi: "The value 1.00:00:01 is not in the valid range"},
		{param: "PreAuthenticatedConnectionTimeout", lo: "00:00:30", hi: "01:00:00", loShow: "00:00:30", hiShow: "01:00:00",
			below: "00:00:29", above: "01:00:01",
			wantBelow: "The value 00:00:29 is not in the valid range 00:00:30-01:00:00.", wantHi: "The value 01:00:01 is not in the valid range"},
		ints("MaxConnections", "1", "2147483647", "0", "2147483648"),
		ints("MaxConnectionFromSingleIP", "1", "2147483647", "0", "2147483648"),
		ints("MaxConnectionsPerUser", "1", "2147483647", "0", "2147483648"),
		ints("ProxyTargetPort", "1", "65535", "0", "65536"),
		enumEdge("LoginType", "1", "3", "PlainTextLogin", "SecureLogin", "0", "4"),
		enumEdge("MessageRetrievalMimeFormat", "0", "6", "TextOnly", "Tnef", "-1", "7"),
		enumEdge("LogFileRollOverSettings", "1", "4", "Hourly", "Monthly", "0", "5"),
		withExtra(enumEdge("CalendarItemRetrievalOption", "0", "3", "iCalendar", "Custom", "-1", "4"), "-OwaServerUrl https://owa.contoso.com"),
	}
	for _, p := range []struct {
		noun  string
		edges []edge
	}{
		{"Pop", append([]edge{ints("MaxCommandSize", "40", "1024", "39", "1025"),
			enumEdge("MessageRetrievalSortOrder", "0", "1", "Ascending", "Descending", "-1", "2")}, common...)},
		{"Imap", append([]edge{ints("MaxCommandSize", "1024", "16384", "1023", "16385")}, common...)},
	} {
		for _, e := range p.edges {
			checkEdge(t, in, p.noun, e)
		}
	}
}

func enumEdge(p, lo, hi, loName, hiName, below, above string) edge {
	return edge{param: p, lo: lo, hi: hi, loShow: loName, hiShow: hiName, below: below, above: above,
		wantBelow: `Cannot convert value "` + below + `"`, wantHi: `Cannot convert value "` + above + `"`}
}

func withExtra(e edge, extra string) edge { e.extra = extra; return e }

// checkEdge sets and reads back one parameter at its edges.
func checkEdge(t *testing.T, in *instance, noun string, e edge) {
	t.Helper()
	get := "; Get-" + noun + "Settings | Select-Object -ExpandProperty " + e.param
	set := "Set-" + noun + "Settings " + e.extra + " -" + e.param + " "
	for _, v := range [][2]string{{e.lo, e.loShow}, {e.hi, e.hiShow}} {
		if got := strings.TrimSpace(in.shellOK(set + v[0] + get)); got != v[1] {
			t.Errorf("%s -%s %s: reads back %q, want %q", noun, e.param, v[0], got, v[1])
		}
	}
	for _, v := range [][2]string{{e.below, e.wantBelow}, {e.above, e.wantHi}} {
		out, errs := in.shellFail(set + v[0] + get)
		if !strings.Contains(errs, "parameter '"+e.param+"'") || !strings.Contains(errs, v[1]) {
			t.Errorf("%s -%s %s: refusal\n%s\nwant it to name the parameter and %q", noun, e.param, v[0], errs, v[1])
		}
		if got := strings.TrimSpace(out); got != e.hiShow {
			t.Errorf("%s -%s %s: the refused value changed the stored one to %q", noun, e.param, v[0], got)
		}
	}
}

// TestShellScripts runs a script from standard input and from a file:
// statements run in order, a failing one does not stop the rest, and the
// exit status is 1.
func TestShellScripts(t *testing.T) {
	in := serve(t, "")
	script := "# set up POP3 as the documentation says\n" +
		"Set-PopSettings -SSLBindings " + freeLoopbackAddr(t) + " `\n  -UnencryptedOrTLSBindings " + freeLoopbackAddr(t) + "\n" +
		"Start-Service NoSuchService\n" +
		"$pw = ConvertTo-SecureString 'Secret-1' -AsPlainText -Force\n" +
		"New-Mailbox -Name 'Dana Scully' -Alias dana -Password $pw | Format-List Name,PrimarySmtpAddress\n" +
		"Set-CASMailbox dana -PopEnabled $false\n" +
		"Get-CASMailbox dana@mail.test -ProtocolSettings | Format-List PopEnabled,*PopSettings\n"
	cmd := command(nil, t, in.home, binary, "--data", in.data, "shell")
	cmd.Stdin = strings.NewReader(script)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Errorf("exit: %v\n%s", err, errb.String())
	}
	if !strings.Contains(errb.String(), "Cannot find any service with service name 'NoSuchService'.") ||
		!strings.Contains(errb.String(), "At line:4 char:1") {
		t.Errorf("errors:\n%s", errb.String())
	}
	for _, want := range []string{"Name               : Dana Scully", "PrimarySmtpAddress : dana@mail.test",
		"PopEnabled          : False", "ExternalPopSettings : {}", "InternalPopSettings : {mail.test:995:SSL, mail.test:110:TLS}"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	file := filepath.Join(t.TempDir(), "check.ps1")
	os.WriteFile(file, []byte("Get-Mailbox dana | Select-Object -ExpandProperty Alias\nexit 0\n"), 0o600)
	if got := strings.TrimSpace(in.cli("", "shell", file)); got != "dana" {
		t.Errorf("script file: %q", got)
	}
	if audit, err := os.ReadFile(filepath.Join(in.data, "Logging", "AdminAudit", "audit.log")); err != nil ||
		strings.Contains(string(audit), "Secret-1") || !strings.Contains(string(audit), `"cmdlet":"Set-CASMailbox"`) {
		t.Errorf("audit log (%v):\n%s", err, audit)
	}
}

// shellStdin runs `postern shell -c src` with stdin, for prompts.
func (in *instance) shellStdin(stdin, src string) string {
	in.t.Helper()
	cmd := command(nil, in.t, in.home, binary, "--data", in.data, "shell", "-c", src)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.Output()
	if err != nil {
		in.t.Fatalf("postern shell -c %q: %v\n%s", src, err, out)
	}
	return string(out)
}

// TestShellConnectivity runs Test-PopConnectivity and
// Test-ImapConnectivity (spec §9): real logons over each connection type,
// and the failures a misconfiguration gives.
func TestShellConnectivity(t *testing.T) {
	in := serve(t, "")
	in.shellOK(`Set-PopSettings -SSLBindings ` + freeLoopbackAddr(t) + ` -UnencryptedOrTLSBindings ` + freeLoopbackAddr(t) + `
Set-ImapSettings -SSLBindings ` + freeLoopbackAddr(t) + ` -UnencryptedOrTLSBindings ` + freeLoopbackAddr(t) + `
Start-Service MSExchangePOP3BE, MSExchangePOP3, MSExchangeIMAP4BE, MSExchangeIMAP4
New-Mailbox -Name kweku -Password (ConvertTo-SecureString 'Pass "word" 1' -AsPlainText -Force)`)
	test := func(cmdlet, args, password string) map[string]string {
		t.Helper()
		out := in.shellStdin(password+"\n", cmdlet+` -ClientAccessServer mail.test -MailboxCredential (Get-Credential kweku@mail.test) `+args+
			` | Format-List Scenario,Result,Error`)
		got := map[string]string{}
		for _, l := range strings.Split(out, "\n") {
			if k, v, ok := strings.Cut(l, " : "); ok {
				got[strings.TrimSpace(k)] = strings.TrimSpace(v)
			}
		}
		return got
	}
	for _, cmdlet := range []string{"Test-PopConnectivity", "Test-ImapConnectivity"} {
		for _, kind := range []string{"Tls", "Ssl"} {
			if r := test(cmdlet, "-LightMode -ConnectionType "+kind, `Pass "word" 1`); r["Result"] != "Success" {
				t.Errorf("%s %s: %v", cmdlet, kind, r)
			}
		}
		// Under the default SecureLogin a logon in clear is refused, and
		// the result says what to check.
		if r := test(cmdlet, "-LightMode -ConnectionType Plaintext", `Pass "word" 1`); r["Result"] != "Failure" ||
			!strings.Contains(r["Error"], "LoginType") {
			t.Errorf("%s Plaintext: %v", cmdlet, r)
		}
		if r := test(cmdlet, "-LightMode", "wrong"); r["Result"] != "Failure" {
			t.Errorf("%s with a wrong password: %v", cmdlet, r)
		}
	}
	in.shellOK(`Set-CASMailbox kweku@mail.test -PopEnabled $false`)
	if r := test("Test-PopConnectivity", "-LightMode", `Pass "word" 1`); r["Result"] != "Failure" {
		t.Errorf("PopEnabled $false: %v", r)
	}
	in.shellFail(`Test-PopConnectivity -ClientAccessServer elsewhere.contoso.com -LightMode`)
}

// TestShellInteractive drives `postern shell` on a terminal (a pty, from
// python3): the prompt, Tab completion of a cmdlet name, a continuation
// line after a trailing '|', history with the Up arrow, and exit.
func TestShellInteractive(t *testing.T) {
	need(t, "python3")
	in := serve(t, "")
	script := `
import os, pty, select, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
out = b""
def until(token, timeout=20):
    global out
    end = time.time() + timeout
    while token not in out and time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                out += os.read(fd, 4096)
            except OSError:
                return
def send(s):
    os.write(fd, s.encode())
until(b"> ")
send("Get-Serv\t MSExchangePOP3\r")
until(b"Stopped")
send("Get-PopSettings |\r")
until(b">> ")
send("Format-List Banner\r")
until(b"Banner :")
send("\x1b[A\x1b[A\r")
until(b"Stopped", 5)
out_len = len(out)
send("exit\r")
until(b"\x00", 5)
os.waitpid(pid, 0)
sys.stdout.buffer.write(out)
`
	pyfile := filepath.Join(t.TempDir(), "session.py")
	os.WriteFile(pyfile, []byte(script), 0o600)
	out := run(t, "", "python3", pyfile, binary, "--data", in.data, "shell")
	for _, want := range []string{"[PS] ", "Get-Service MSExchangePOP3", "Stopped MSExchangePOP3", ">> ",
		"Banner : The Postern POP3 service is ready."} {
		if !strings.Contains(out, want) {
			t.Errorf("the session lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "Stopped MSExchangePOP3") < 2 {
		t.Errorf("Up arrow did not recall the command:\n%s", out)
	}
}

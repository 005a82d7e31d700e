package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cliFail runs a postern verb that must fail and returns its stderr.
func (in *instance) cliFail(stdin string, args ...string) string {
	in.t.Helper()
	cmd := command(nil, in.t, in.home, binary, append([]string{"--data", in.data}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err == nil {
		in.t.Fatalf("postern %s succeeded:\n%s", strings.Join(args, " "), out)
	}
	return string(out)
}

// TestAdministration drives the CLI verbs as an administrator would.
func TestAdministration(t *testing.T) {
	in := serve(t, "")
	fi, err := os.Stat(filepath.Join(in.data, "admin.sock"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("admin socket mode %v, %v", fi.Mode(), err)
	}
	// A fresh server: POP3 services Manual and stopped, transport running.
	list := in.cli("", "service", "list")
	for _, want := range []string{"Stopped pop3 MSExchangePOP3 Manual", "Stopped pop3-backend MSExchangePOP3BE Manual", "Running transport MSExchangeTransport Automatic"} {
		if !hasRow(list, want) {
			t.Errorf("service list lacks %q:\n%s", want, list)
		}
	}
	// Get-PopSettings defaults and Set-PopSettings with Exchange syntax.
	show := in.cli("", "pop", "show")
	for _, want := range []string{"LoginType", ": SecureLogin", "MaxCommandSize", ": 512", "Banner", "The Postern POP3 service is ready.",
		"InternalConnectionSettings", "{mail.test:995:SSL, mail.test:110:TLS}", "ProxyTargetPort", ": 1995"} {
		if !strings.Contains(show, want) {
			t.Errorf("pop show lacks %q:\n%s", want, show)
		}
	}
	out := in.cli("", "pop", "set", "ExternalConnectionSettings=mail.contoso.com:995:SSL,mail.contoso.com:110:TLS", "MaxCommandSize=1024")
	if !strings.Contains(out, "{mail.contoso.com:995:SSL, mail.contoso.com:110:TLS}") || !strings.Contains(out, ": 1024") {
		t.Errorf("pop set output:\n%s", out)
	}
	// Out of range: refused with the parameter and range named, nothing stored.
	msg := in.cliFail("", "pop", "set", "MaxCommandSize=39")
	if !strings.Contains(msg, "Cannot validate argument on parameter 'MaxCommandSize'. The value 39 is not in the valid range 40-1024.") {
		t.Errorf("refusal: %s", msg)
	}
	if !strings.Contains(in.cli("", "pop", "show"), ": 1024") {
		t.Error("refused value changed the stored one")
	}
	// A listener on port 0 would move to another port at every restart:
	// refused in every binding setting, naming it; nothing is stored.
	client := "Client Frontend MAIL"
	for _, tc := range []struct {
		param     string
		show, set []string
	}{
		{"UnencryptedOrTLSBindings", []string{"imap", "show"}, []string{"imap", "set"}},
		{"SSLBindings", []string{"imap", "show"}, []string{"imap", "set"}},
		{"SSLBindings", []string{"pop", "show"}, []string{"pop", "set"}},
		{"LmtpBindings", []string{"transport", "show"}, []string{"transport", "set"}},
		{"Bindings", []string{"web", "show"}, []string{"web", "set"}},
		{"Bindings", []string{"connector", "show", client}, []string{"connector", "set", client}},
	} {
		before := in.cli("", tc.show...)
		msg := in.cliFail("", append(tc.set, tc.param+"=127.0.0.1:0")...)
		want := "Cannot validate argument on parameter '" + tc.param + "'. The value 127.0.0.1:0 is not in the valid range 1-65535 for the port"
		if !strings.Contains(msg, want) {
			t.Errorf("%s %s=127.0.0.1:0: %s", strings.Join(tc.set, " "), tc.param, msg)
		}
		if after := in.cli("", tc.show...); after != before {
			t.Errorf("%s %s=127.0.0.1:0 stored:\n%s\nwas\n%s", strings.Join(tc.set, " "), tc.param, after, before)
		}
	}
	in.cliFail("", "pop", "set", "PreAuthenticatedConnectionTimeout=00:00:29")
	in.cliFail("", "pop", "set", "LoginType=Kerberos")
	in.cliFail("", "service", "startup", "pop3", "Sometimes")
	in.cliFail("", "service", "start", "nosuchservice")

	// Users: the password comes from stdin, never the command line.
	in.cli("secret1\n", "user", "add", "alice@mail.test")
	in.cliFail("x\n", "user", "add", "alice@mail.test")
	in.cliFail("x\n", "user", "add", "bob@not-accepted.test")
	in.cliFail("", "user", "add", "carol@mail.test") // no password
	if l := in.cli("", "user", "list"); !strings.Contains(l, "alice@mail.test") {
		t.Errorf("user list:\n%s", l)
	}
	m := in.cli("", "mailbox", "set", "alice@mail.test", "PopEnabled=$false")
	if !strings.Contains(m, "PopEnabled") || !strings.Contains(m, "False") {
		t.Errorf("mailbox set:\n%s", m)
	}

	// Startup type Automatic brings the services back with the server
	// (spec §11 item 3); the Exchange names work too.
	in.cli("", "service", "startup", "MSExchangePOP3", "Automatic")
	in.cli("", "service", "startup", "pop3-backend", "Automatic")
	in.cli("", "pop", "set", "SSLBindings="+freeLoopbackAddr(t), "UnencryptedOrTLSBindings="+freeLoopbackAddr(t))
	in.stop()
	in2 := serve(t, in.data)
	list = in2.cli("", "service", "list")
	for _, want := range []string{"Running pop3 MSExchangePOP3 Automatic", "Running pop3-backend MSExchangePOP3BE Automatic"} {
		if !hasRow(list, want) {
			t.Errorf("after restart, service list lacks %q:\n%s", want, list)
		}
	}
	in2.cli("", "service", "startup", "pop3", "Disabled")
	if l := in2.cli("", "service", "list"); !hasRow(l, "Stopped pop3 MSExchangePOP3 Disabled") {
		t.Errorf("Disabled did not stop pop3:\n%s", l)
	}
	in2.cliFail("", "service", "start", "pop3")
	in2.cli("", "user", "remove", "alice@mail.test")
	if l := in2.cli("", "user", "list"); strings.Contains(l, "alice") {
		t.Errorf("user still listed:\n%s", l)
	}
}

// hasRow reports whether a table has a row starting with the given
// space-separated fields.
func hasRow(table, fields string) bool {
	for _, l := range strings.Split(table, "\n") {
		if strings.HasPrefix(strings.Join(strings.Fields(l), " ")+" ", fields+" ") {
			return true
		}
	}
	return false
}

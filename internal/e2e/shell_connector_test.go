package e2e

import (
	"bufio"
	"context"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/internal/admin/api"
)

// connector reads one receive connector from the admin API.
func (in *instance) connector(name string) api.Connector {
	in.t.Helper()
	var list []api.Connector
	if err := in.client().Get(context.Background(), "/v1/connectors?name="+url.QueryEscape(name), &list); err != nil {
		in.t.Fatal(err)
	}
	if len(list) != 1 {
		in.t.Fatalf("connector %s: %v", name, list)
	}
	return list[0]
}

// connectorField returns one setting's display form.
func connectorField(k api.Connector, name string) string {
	for _, f := range k.Fields {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

// smtpHello returns the 220 greeting and the first line of the EHLO reply
// of a plain SMTP listener.
func smtpHello(t *testing.T, addr string) (banner, ehlo string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(conn)
	line := func() string {
		l, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("%s: %v", addr, err)
		}
		return strings.TrimRight(l, "\r\n")
	}
	banner = line()
	if _, err := conn.Write([]byte("EHLO client.test\r\n")); err != nil {
		t.Fatal(err)
	}
	ehlo = line()
	for l := ehlo; strings.HasPrefix(l, "250-"); l = line() {
	}
	conn.Write([]byte("QUIT\r\n"))
	return banner, ehlo
}

// TestShellReceiveConnectorFqdn runs the documented pipeline (spec 8.3)
// and checks that the new Fqdn reaches the 220 banner and the EHLO reply
// after Restart-Service MSExchangeFrontEndTransport (spec §11 item 47),
// and that -AuthMechanism BasicAuthRequireTLS alone is refused, naming
// the parameter and changing nothing (spec §11 item 46).
func TestShellReceiveConnectorFqdn(t *testing.T) {
	in := serve(t, "")
	in.setup()
	a := in.setupSMTP()
	const client = "Client Frontend MAIL"

	banner, ehlo := smtpHello(t, a.Submission)
	if strings.Contains(banner, "mail.contoso.com") || strings.Contains(ehlo, "mail.contoso.com") {
		t.Fatalf("before: %q / %q", banner, ehlo)
	}

	out := in.shellOK(`Get-ReceiveConnector "Client Frontend*"`)
	t.Logf("Get-ReceiveConnector:\n%s", out)
	if !strings.Contains(out, `MAIL\`+client) || !strings.Contains(out, `MAIL\Client Frontend TLS MAIL`) ||
		strings.Contains(out, "Default Frontend") || !strings.Contains(out, "Bindings") {
		t.Errorf("Get-ReceiveConnector:\n%s", out)
	}

	in.shellOK(`Get-ReceiveConnector "Client Frontend*" | Set-ReceiveConnector -Fqdn mail.contoso.com`)
	for _, name := range []string{client, "Client Frontend TLS MAIL"} {
		if v := connectorField(in.connector(name), "Fqdn"); v != "mail.contoso.com" {
			t.Errorf("%s: Fqdn %q", name, v)
		}
	}
	if v := connectorField(in.connector("Default Frontend MAIL"), "Fqdn"); v == "mail.contoso.com" {
		t.Errorf("Default Frontend changed too")
	}
	// Saved, not applied, until the service restarts.
	if banner, _ := smtpHello(t, a.Submission); strings.Contains(banner, "mail.contoso.com") {
		t.Errorf("before the restart: %q", banner)
	}
	in.shellOK(`Restart-Service MSExchangeFrontEndTransport`)
	k := in.connector(client)
	if len(k.Listening) != 1 {
		t.Fatalf("after the restart %s listens on %v (%s)", client, k.Listening, k.Error)
	}
	banner, ehlo = smtpHello(t, k.Listening[0])
	if !strings.HasPrefix(banner, "220 mail.contoso.com ") {
		t.Errorf("banner after the restart: %q", banner)
	}
	if !strings.HasPrefix(ehlo, "250") || !strings.Contains(ehlo, "mail.contoso.com Hello") {
		t.Errorf("EHLO after the restart: %q", ehlo)
	}

	// §11 item 46.
	before := connectorField(in.connector(client), "AuthMechanism")
	_, errs := in.shellFail(`Set-ReceiveConnector "Client Frontend*" -AuthMechanism BasicAuthRequireTLS`)
	t.Logf("refusal:\n%s", errs)
	if !strings.Contains(errs, "parameter 'AuthMechanism'") || !strings.Contains(errs, "BasicAuthRequireTLS requires BasicAuth and Tls") {
		t.Errorf("refusal:\n%s", errs)
	}
	if v := connectorField(in.connector(client), "AuthMechanism"); v != before {
		t.Errorf("the refused AuthMechanism was stored: %q, was %q", v, before)
	}
}

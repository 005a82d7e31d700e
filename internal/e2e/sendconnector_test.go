package e2e

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSendConnectorSmarthost routes all remote mail through a smarthost
// send connector: a second Postern's Client Frontend, where the
// connector logs on with AUTH PLAIN after STARTTLS. A domain no connector
// covers gets a 5.4.4 DSN; a connector requiring TLS to a server without
// STARTTLS defers. The password shows nowhere.
func TestSendConnectorSmarthost(t *testing.T) {
	need(t, "swaks")
	b := serve(t, "") // the smarthost: alice@mail.test may relay there
	b.setup()
	sb := b.setupSMTP()
	a := serve(t, "")
	a.setup()
	sa := a.setupSMTP()
	_, port, _ := net.SplitHostPort(sb.Submission)
	out := a.cli("secret1\n", "sendconnector", "new", "Smarthost", "AddressSpaces=*", "SmartHosts=127.0.0.1", "Port="+port,
		"SmartHostAuthMechanism=BasicAuthRequireTLS", "AuthenticationUser=alice@mail.test", "--password")
	for _, want := range []string{"DNSRoutingEnabled        : false", "AuthenticationCredential : alice@mail.test", "Port                     : " + port} {
		if !strings.Contains(out, want) {
			t.Errorf("sendconnector new lacks %q:\n%s", want, out)
		}
	}

	swaksFrom(t, a, sa.Submission, "carol@elsewhere.test", "via smarthost")
	waitFor(t, "the smarthost to queue it", func() bool { return len(queueList(t, b)) == 1 })
	if l := queueList(t, b); l[0].Recipients[0].Address != "carol@elsewhere.test" {
		t.Errorf("smarthost queue: %+v", l)
	}
	waitFor(t, "the sender's queue to drain", func() bool { return len(queueList(t, a)) == 0 })

	// A domain no connector covers: permanent 5.4.4.
	a.cli("", "sendconnector", "set", "Smarthost", "AddressSpaces=other.test")
	swaksFrom(t, a, sa.Submission, "carol@unrouted.test", "no route")
	waitFor(t, "the 5.4.4 DSN", func() bool {
		for _, m := range popUser(t, a, "alice@mail.test", "secret1") {
			if strings.Contains(m, "Final-Recipient: rfc822; carol@unrouted.test") && strings.Contains(m, "Status: 5.4.4") {
				return true
			}
		}
		return false
	})

	// RequireTLS towards a server without STARTTLS: deferred.
	sinkAddr := freePort(t, "127.0.0.3")
	startSink(t, sinkAddr)
	host, sport, _ := net.SplitHostPort(sinkAddr)
	a.cli("", "sendconnector", "new", "Sink", "AddressSpaces=sink.test", "SmartHosts="+host, "Port="+sport, "RequireTLS=$true")
	swaksFrom(t, a, sa.Submission, "carol@sink.test", "needs tls")
	var list []queueMsg
	waitFor(t, "a deferred attempt", func() bool { list = queueList(t, a); return len(list) == 1 && list[0].Recipients[0].Attempts > 0 })
	if r := list[0].Recipients[0]; r.State != "Retry" || !strings.Contains(r.LastError, "requires TLS") {
		t.Errorf("RequireTLS without STARTTLS: %+v", r)
	}
	out = a.cli("", "sendconnector", "list")
	if !strings.Contains(out, "Smarthost") || !strings.Contains(out, "Sink") {
		t.Errorf("sendconnector list:\n%s", out)
	}
	a.cli("", "sendconnector", "remove", "Sink")
	if strings.Contains(a.cli("", "sendconnector", "list"), "Sink") {
		t.Error("removed connector still listed")
	}
	// The password is in neither the API's answers nor the audit log.
	audit, err := os.ReadFile(filepath.Join(a.data, "Logging", "AdminAudit", "audit.log"))
	if err != nil {
		t.Fatal(err)
	}
	show := a.cli("", "sendconnector", "show", "Smarthost")
	if strings.Contains(string(audit), "secret1") || strings.Contains(show, "secret1") {
		t.Error("the smarthost password shows")
	}
}

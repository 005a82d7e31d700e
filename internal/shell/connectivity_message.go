package shell

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strings"
	"time"

	"github.com/postern/postern/internal/admin"
	"github.com/postern/postern/internal/shell/lang"
	"github.com/postern/postern/internal/shell/probe"
)

// messageRoundTrip is the rest of a full connectivity test after the
// logon (spec section 9): a test message sent by authenticated SMTP to
// the test mailbox itself, then found in the Inbox over the protocol
// under test and deleted. Each step is one result row.
func messageRoundTrip(ctx context.Context, c *call, in *admin.Info, t connectivityTarget, pp probe.Protocol,
	conf *tls.Config, cred *lang.Credential, per time.Duration) []any {
	const send, find = "Send test message", "Find and delete test message"
	sub, implicit, fqdn, err := submissionTarget(ctx, c, in)
	if err != nil {
		failed := connectivityResult(t, pp, send, func() error { return err })
		return []any{failed, skippedResult(t, pp, find, "no test message was sent")}
	}
	address, err := testAddress(ctx, c, cred.UserName)
	if err != nil {
		failed := connectivityResult(sub, pp, send, func() error { return err })
		return []any{failed, skippedResult(t, pp, find, "no test message was sent")}
	}
	marker := probe.NewMarker()
	msg := probe.TestMessage(address, in.FQDN, marker, time.Now())
	// The connector presents the certificate for its Fqdn, and a client
	// checks that name.
	smtpConf := conf.Clone()
	if fqdn != "" {
		smtpConf.ServerName = fqdn
	}
	var sendErr error
	out := []any{connectivityResult(sub, pp, send, func() error {
		sendErr = probe.Submit(ctx, sub.addr, per, smtpConf, implicit, "localhost", cred.UserName, cred.Password.Reveal(), address, msg)
		return sendErr
	})}
	if sendErr != nil {
		return append(out, skippedResult(t, pp, find, "no test message was sent"))
	}
	return append(out, connectivityResult(t, pp, find, func() error {
		return probe.FindAndDelete(ctx, probe.Target{Addr: t.addr, Kind: t.kind}, pp, conf, cred.UserName, cred.Password.Reveal(), per, marker)
	}))
}

// submissionTarget is the Client Frontend connector's address (spec 8.1):
// the one named for this server, else any running connector whose name
// starts with "Client Frontend"; it also reports whether the connector is
// TLS from the first byte, and its Fqdn.
func submissionTarget(ctx context.Context, c *call, in *admin.Info) (t connectivityTarget, implicit bool, fqdn string, err error) {
	all, err := listConnectors(ctx, c)
	if err != nil {
		return t, false, "", err
	}
	var pick *admin.Connector
	for i, k := range all {
		if len(k.Listening) == 0 || !strings.HasPrefix(strings.ToLower(k.Name), "client frontend") {
			continue
		}
		if pick == nil || strings.EqualFold(k.Name, "Client Frontend "+in.Name) {
			pick = &all[i]
		}
	}
	if pick == nil {
		return t, false, "", errors.New("no Client Frontend receive connector is listening: " +
			"Start-Service MSExchangeFrontEndTransport, and check Get-ReceiveConnector \"Client Frontend*\"")
	}
	addr, err := loopbackFor(preferIPv4(pick.Listening))
	if err != nil {
		return t, false, "", err
	}
	implicit = strings.EqualFold(fieldOf(*pick, "ImplicitTls"), "True")
	return connectivityTarget{server: in.Name, addr: addr, kind: "SMTP"}, implicit, fieldOf(*pick, "Fqdn"), nil
}

// loopbackFor is a listener's address with a wildcard host replaced by
// the loopback address of the same family.
func loopbackFor(listener string) (string, error) {
	host, port, err := net.SplitHostPort(listener)
	if err != nil {
		return "", err
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
		if ip.To4() == nil {
			host = "::1"
		}
	}
	return net.JoinHostPort(host, port), nil
}

// testAddress is the primary address of the mailbox the credential logs
// on to: the message goes from it to it, as the submission connector
// lets a user send only as themself.
func testAddress(ctx context.Context, c *call, user string) (string, error) {
	u, err := resolveMailbox(ctx, c, user)
	if err == nil {
		return u.Address, nil
	}
	if strings.Contains(user, "@") {
		return user, nil
	}
	return "", err
}

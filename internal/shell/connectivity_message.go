package shell

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/postern/postern/internal/admin"
)

// findRetry is how long a connectivity test waits before it looks for
// the test message again.
const findRetry = 250 * time.Millisecond

// messageRoundTrip is the rest of a full connectivity test after the
// logon (spec section 9): a test message sent by authenticated SMTP to
// the test mailbox itself, then found in the Inbox over the protocol
// under test and deleted. Each step is one result row.
func messageRoundTrip(ctx context.Context, c *call, in *admin.Info, t connectivityTarget, pp probeProtocol,
	conf *tls.Config, cred *Credential, per time.Duration) []any {
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
	marker := newMarker()
	msg := testMessage(address, in.FQDN, marker, time.Now())
	// The connector presents the certificate for its Fqdn, and a client
	// checks that name.
	smtpConf := conf.Clone()
	if fqdn != "" {
		smtpConf.ServerName = fqdn
	}
	var sendErr error
	out := []any{connectivityResult(sub, pp, send, func() error {
		sendErr = dialProbe(ctx, sub.addr, per, smtpConf, implicit, func(p *probe) error {
			return smtpSubmit(p, smtpConf, implicit, "localhost", cred.UserName, cred.Password.text, address, msg)
		})
		return sendErr
	})}
	if sendErr != nil {
		return append(out, skippedResult(t, pp, find, "no test message was sent"))
	}
	return append(out, connectivityResult(t, pp, find, func() error {
		return findAndDelete(ctx, t, pp, conf, cred, per, marker)
	}))
}

// findAndDelete looks for the test message until it is found or the
// test's Timeout ends, one session per attempt (a POP3 session sees the
// maildrop as it was at logon).
func findAndDelete(ctx context.Context, t connectivityTarget, pp probeProtocol, conf *tls.Config, cred *Credential, per time.Duration, marker string) error {
	for {
		err := runProbe(ctx, t, per, conf, pp, cred, func(p *probe) error {
			err := pp.findDelete(p, marker)
			if errors.Is(err, errNotYet) {
				pp.logout(p)
			}
			return err
		})
		if !errors.Is(err, errNotYet) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w before the test's Timeout ended", errNotYet)
		case <-time.After(findRetry):
		}
	}
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

// newMarker is a token unique to one test.
func newMarker() string {
	b := make([]byte, 12)
	rand.Read(b)
	return "PosternTest-" + hex.EncodeToString(b)
}

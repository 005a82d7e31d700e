package shell

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"github.com/postern/postern/internal/shell/lang"
	"github.com/postern/postern/internal/shell/probe"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/postern/postern/internal/admin/api"
)

// connectivityCmdlets are Test-PopConnectivity and Test-ImapConnectivity
// (spec section 9): a real logon over the protocol from this machine, as
// a client would make it.
//
// Postern's choices where Exchange is silent or does not apply: there is
// no test account, so -MailboxCredential is needed (prompted for in an
// interactive shell); ConnectionType defaults to Tls (STLS/STARTTLS on the
// plain port), which the default LoginType SecureLogin allows; the port
// defaults to the running frontend's listener for that connection type;
// and without -LightMode a test message goes by authenticated SMTP
// through the Client Frontend connector and is found and deleted over the
// protocol, each step its own row.
func connectivityCmdlets() []*cmdlet {
	mk := func(name string, p probe.Protocol) *cmdlet {
		return &cmdlet{name: name, changes: true, params: []lang.Param{
			lang.Positional("ClientAccessServer", lang.KindString, 0).Piped(), lang.Named("MailboxServer", lang.KindString),
			lang.Named("MailboxCredential", lang.KindCredential), lang.Named("ConnectionType", lang.KindString).OneOf("Plaintext", "Ssl", "Tls"),
			lang.Named("PortClientAccessServer", lang.KindInt), lang.Named("LightMode", lang.KindSwitch), lang.Named("PerConnectionTimeout", lang.KindInt),
			lang.Named("Timeout", lang.KindInt), lang.Named("TrustAnySSLCertificate", lang.KindSwitch), lang.Named("ResetTestAccountCredentials", lang.KindSwitch),
			lang.Named("MonitoringContext", lang.KindSwitch), lang.Named("DomainController", lang.KindString)},
			run: func(ctx context.Context, c *call) ([]any, error) { return runTestConnectivity(ctx, c, p) }}
	}
	return []*cmdlet{mk("Test-PopConnectivity", probe.POP3), mk("Test-ImapConnectivity", probe.IMAP4)}
}

// connectivityTarget is where and how the test connects.
type connectivityTarget struct {
	server, addr, kind string
}

func runTestConnectivity(ctx context.Context, c *call, pp probe.Protocol) ([]any, error) {
	in, err := c.serverInfo(ctx)
	if err != nil {
		return nil, err
	}
	for _, n := range []string{"ClientAccessServer", "MailboxServer"} {
		if s := c.str(n); s != "" && !strings.EqualFold(s, in.Name) && !strings.EqualFold(s, in.FQDN) {
			return nil, fmt.Errorf("The operation couldn't be performed because object '%s' couldn't be found. This shell manages the server '%s' only.", s, in.Name)
		}
	}
	perConn, total := intArg(c.args, "PerConnectionTimeout", 120), intArg(c.args, "Timeout", 180)
	if err := checkRange("PerConnectionTimeout", perConn, 0, 120); err != nil {
		return nil, err
	}
	if err := checkRange("Timeout", total, 0, 3600); err != nil {
		return nil, err
	}
	cred, err := c.credential()
	if err != nil {
		return nil, err
	}
	target, err := connectivityAddr(ctx, c, pp)
	if err != nil {
		return nil, err
	}
	target.server = in.Name
	if c.whatIf() {
		c.whatIfMsg(target.addr, "")
		return nil, nil
	}
	tlsConf, err := probeTLS(in.FQDN, in.Certificate, c.flag("TrustAnySSLCertificate"))
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, secondsOr(total, 180))
	defer cancel()
	per := secondsOr(perConn, 120)
	var logonErr error
	out := []any{connectivityResult(target, pp, "Logon", func() error {
		logonErr = probe.Logon(ctx, probe.Target{Addr: target.addr, Kind: target.kind}, per, tlsConf, pp, cred.UserName, cred.Password.Reveal())
		return logonErr
	})}
	if c.flag("LightMode") {
		return out, nil
	}
	if logonErr != nil {
		return append(out, skippedResult(target, pp, "Send test message", "the logon failed"),
			skippedResult(target, pp, "Find and delete test message", "the logon failed")), nil
	}
	return append(out, messageRoundTrip(ctx, c, in, target, pp, tlsConf, cred, per)...), nil
}

// secondsOr is n seconds, or def seconds for 0.
func secondsOr(n, def int) time.Duration {
	if n == 0 {
		n = def
	}
	return time.Duration(n) * time.Second
}

func checkRange(name string, v, lo, hi int) error {
	if v < lo || v > hi {
		return fmt.Errorf("Cannot validate argument on parameter '%s'. The value %d is not in the valid range %d-%d.", name, v, lo, hi)
	}
	return nil
}

// credential is -MailboxCredential, prompting for what is missing.
func (c *call) credential() (*lang.Credential, error) {
	switch v := c.args["MailboxCredential"].(type) {
	case *lang.Credential:
		return v, nil
	case string:
		if c.sh.prompter == nil {
			return nil, errors.New("-MailboxCredential needs a password: use -MailboxCredential (Get-Credential) in an interactive shell.")
		}
		pw, err := c.sh.prompter.ReadSecret("Password for user " + v + ": ")
		return &lang.Credential{UserName: v, Password: lang.NewSecureString(pw)}, err
	}
	if c.sh.prompter == nil {
		return nil, errors.New("Postern has no test account: give -MailboxCredential (Get-Credential).")
	}
	out, err := runGetCredential(context.Background(), c)
	if err != nil {
		return nil, err
	}
	return out[0].(*lang.Credential), nil
}

// connectivityAddr picks the address to test: the running frontend's
// listener for the connection type, on loopback when it listens on every
// address, and -PortClientAccessServer's port when given.
func connectivityAddr(ctx context.Context, c *call, pp probe.Protocol) (connectivityTarget, error) {
	kind := c.str("ConnectionType")
	if kind == "" {
		kind = "Tls"
	}
	all, err := listServices(ctx, c)
	if err != nil {
		return connectivityTarget{}, err
	}
	var st api.ServiceStatus
	for _, s := range all {
		if s.Name == pp.Service() {
			st = s
		}
	}
	if st.Status != api.Running || len(st.Listeners) == 0 {
		return connectivityTarget{}, fmt.Errorf("The %s service (%s) is not running: Start-Service %s.", pp.Label(), st.ExchangeName, st.ExchangeName)
	}
	// The frontend lists its implicit-TLS listeners (SSLBindings) first,
	// then the plain ones.
	nSSL, err := sslBindingCount(ctx, c, pp)
	if err != nil {
		return connectivityTarget{}, err
	}
	group := st.Listeners[min(nSSL, len(st.Listeners)):]
	if strings.EqualFold(kind, "Ssl") {
		group = st.Listeners[:min(nSSL, len(st.Listeners))]
	}
	if len(group) == 0 {
		return connectivityTarget{}, fmt.Errorf("The %s service has no listener for ConnectionType %s.", pp.Label(), kind)
	}
	addr, err := loopbackFor(preferIPv4(group))
	if err != nil {
		return connectivityTarget{}, err
	}
	host, port, _ := net.SplitHostPort(addr)
	if c.has("PortClientAccessServer") {
		p := intArg(c.args, "PortClientAccessServer", 0)
		if err := checkRange("PortClientAccessServer", p, 0, 65535); err != nil {
			return connectivityTarget{}, err
		}
		port = strconv.Itoa(p)
	}
	return connectivityTarget{addr: net.JoinHostPort(host, port), kind: kind}, nil
}

// sslBindingCount is how many SSLBindings the protocol has.
func sslBindingCount(ctx context.Context, c *call, pp probe.Protocol) (int, error) {
	fields, err := c.client().Settings(ctx, pp.Service())
	if err != nil {
		return 0, err
	}
	for _, f := range fields {
		if f.Name == "SSLBindings" {
			inner := strings.Trim(f.Value, "{}")
			if inner == "" {
				return 0, nil
			}
			return strings.Count(inner, ", ") + 1, nil
		}
	}
	return 0, nil
}

// preferIPv4 picks an IPv4 listener when there is one.
func preferIPv4(addrs []string) string {
	for _, a := range addrs {
		if !strings.HasPrefix(a, "[") {
			return a
		}
	}
	return addrs[0]
}

// probeTLS trusts the system's roots and the server's own self-signed
// certificate, or anything with -TrustAnySSLCertificate.
func probeTLS(fqdn, selfSigned string, trustAny bool) (*tls.Config, error) {
	conf := &tls.Config{ServerName: fqdn, InsecureSkipVerify: trustAny, MinVersion: tls.VersionTLS12}
	if trustAny {
		return conf, nil
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if pem, err := os.ReadFile(selfSigned); err == nil {
		pool.AppendCertsFromPEM(pem)
	}
	conf.RootCAs = pool
	return conf, nil
}

// connectivityResult runs one scenario and describes its outcome.
func connectivityResult(t connectivityTarget, pp probe.Protocol, scenario string, run func() error) *lang.Object {
	start := time.Now()
	err := run()
	o := resultObject(t, pp, scenario+" ("+t.kind+", "+t.addr+")")
	if err != nil {
		o.Add("Result", "Failure")
		o.Add("Latency(MS)", int64(-1))
		msg := err.Error()
		if strings.Contains(msg, "Command is not valid in this state") || strings.Contains(msg, "in Invalid state") {
			msg += " Check the server's LoginType and ConnectionType: under SecureLogin a logon needs TLS first."
		}
		o.Add("Error", msg)
		return o
	}
	o.Add("Result", "Success")
	o.Add("Latency(MS)", time.Since(start).Milliseconds())
	o.Add("Error", "")
	return o
}

func skippedResult(t connectivityTarget, pp probe.Protocol, scenario, why string) *lang.Object {
	o := resultObject(t, pp, scenario)
	o.Add("Result", "Skipped")
	o.Add("Latency(MS)", int64(-1))
	o.Add("Error", "Skipped because "+why+".")
	return o
}

func resultObject(t connectivityTarget, pp probe.Protocol, scenario string) *lang.Object {
	o := &lang.Object{TypeName: "ConnectivityResult", Text: t.server,
		Columns: []string{"CasServer", "LocalSite", "Scenario", "Result", "Latency(MS)", "Error"}}
	o.Add("CasServer", t.server)
	o.Add("LocalSite", "")
	o.Add("Scenario", pp.Label()+" "+scenario)
	return o
}

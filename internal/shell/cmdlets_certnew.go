package shell

import (
	"context"
	"errors"
	"time"

	"github.com/postern/postern/internal/admin/api"
	"github.com/postern/postern/internal/tlsconf"
)

// runNewCert is New-ExchangeCertificate's self-signed form: the server
// generates an RSA key (-KeySize, 2048 by default) and a certificate for
// -SubjectName and -DomainName, stores it, and enables it for -Services
// at once (IMAP, POP and SMTP when -Services is not given, as Exchange
// does). A service serves it from its next start when its
// X509CertificateName matches. Certificate requests for a CA
// (-GenerateRequest) and renewals (-Instance) are not supported.
func runNewCert(ctx context.Context, c *call) ([]any, error) {
	if err := c.checkServer(ctx); err != nil {
		return nil, err
	}
	for _, p := range []string{"GenerateRequest", "RequestFile", "BinaryEncoded"} {
		if c.has(p) {
			return nil, errors.New("New-ExchangeCertificate -" + p + " is not supported: Postern creates self-signed certificates only. " +
				"Make the request with openssl req, and bring the CA's certificate in with Import-ExchangeCertificate.")
		}
	}
	if c.has("Instance") || c.has("SubjectKeyIdentifier") {
		return nil, errors.New("Renewing a certificate (-Instance, -SubjectKeyIdentifier) is not supported: create a new one.")
	}
	services, err := servicesArg(c)
	if err != nil {
		return nil, err
	}
	if !c.has("Services") {
		services = []string{tlsconf.ServiceIMAP, tlsconf.ServicePOP, tlsconf.ServiceSMTP}
	}
	in, err := c.serverInfo(ctx)
	if err != nil {
		return nil, err
	}
	names := c.strs("DomainName")
	if c.flag("IncludeServerNetBIOSName") {
		names = append(names, in.Name)
	}
	if c.flag("IncludeServerFQDN") {
		names = append(names, in.FQDN)
	}
	for _, d := range in.AcceptedDomains {
		if c.flag("IncludeAcceptedDomains") {
			names = append(names, d)
		}
		if c.flag("IncludeAutoDiscover") {
			names = append(names, "autodiscover."+d)
		}
	}
	if c.has("FriendlyName") {
		c.warn("-FriendlyName is not kept: Postern names certificates by thumbprint and subject.")
	}
	req := api.NewCertRequest{SubjectName: c.str("SubjectName"), DomainNames: names, KeySize: intArg(c.args, "KeySize", 0), Services: services}
	if c.whatIf() {
		target := req.SubjectName
		if target == "" {
			target = "CN=" + in.Name
		}
		c.whatIfMsg(target, "A self-signed certificate would be created.")
		return nil, nil
	}
	got, err := c.client().NewCertificate(ctx, req)
	if err != nil {
		return nil, err
	}
	return []any{certObject(got, time.Now())}, nil
}

package shell

import (
	"bytes"
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"github.com/postern/postern/internal/shell/lang"
	"net/http"
	"strings"
	"time"

	"github.com/postern/postern/internal/admin"
	"github.com/postern/postern/internal/admin/api"
	"github.com/postern/postern/internal/tlsconf"
)

// certCmdlets are Get-, Import- and Enable-ExchangeCertificate.
//
// Postern imports PEM files (the certificate, its chain and an
// unencrypted private key, in one file or two), not .pfx: -FileData takes
// the bytes of [System.IO.File]::ReadAllBytes('file.pem') as in Exchange,
// or, as a Postern simplification, the file's path; -FileName takes a
// path, -KeyFileName the key's file when it is separate.
func certCmdlets() []*cmdlet {
	return []*cmdlet{
		{name: "Get-ExchangeCertificate", params: append(exchangeParams(), lang.Positional("Thumbprint", lang.KindString, 0), lang.Named("Identity", lang.KindString)),
			run: runGetCert},
		{name: "Import-ExchangeCertificate", changes: true, params: append(exchangeParams(), lang.Named("FileData", lang.KindObject), lang.Named("FileName", lang.KindString),
			lang.Named("KeyFileName", lang.KindString), lang.Named("Password", lang.KindSecure), lang.Named("PrivateKeyExportable", lang.KindBool), lang.Named("FriendlyName", lang.KindString)),
			run: runImportCert},
		{name: "Enable-ExchangeCertificate", changes: true, params: append(exchangeParams(), lang.Positional("Thumbprint", lang.KindString, 0).Piped(),
			lang.Named("Identity", lang.KindString), lang.Named("Services", lang.KindStrings).Must(), lang.Named("Force", lang.KindSwitch), lang.Named("DoNotRequireSsl", lang.KindSwitch)),
			run: runEnableCert},
		{name: "New-ExchangeCertificate", changes: true, params: append(exchangeParams(), lang.Named("SubjectName", lang.KindString),
			lang.Named("DomainName", lang.KindStrings), lang.Named("FriendlyName", lang.KindString), lang.Named("PrivateKeyExportable", lang.KindBool),
			lang.Named("Services", lang.KindStrings), lang.Named("KeySize", lang.KindInt), lang.Named("Force", lang.KindSwitch), lang.Named("GenerateRequest", lang.KindSwitch),
			lang.Named("RequestFile", lang.KindString), lang.Named("BinaryEncoded", lang.KindSwitch), lang.Named("IncludeAcceptedDomains", lang.KindSwitch),
			lang.Named("IncludeAutoDiscover", lang.KindSwitch), lang.Named("IncludeServerFQDN", lang.KindSwitch), lang.Named("IncludeServerNetBIOSName", lang.KindSwitch),
			lang.Named("SubjectKeyIdentifier", lang.KindString), lang.Named("Instance", lang.KindObject)),
			run: runNewCert},
	}
}

// certObject is a certificate as Get-ExchangeCertificate shows it.
func certObject(ct tlsconf.Cert, now time.Time) *lang.Object {
	o := &lang.Object{TypeName: "ExchangeCertificate", Text: ct.Thumbprint, Columns: []string{"Thumbprint", "Services", "Subject"}}
	o.Add("Thumbprint", ct.Thumbprint)
	o.Add("Services", strings.Join(ct.Services, ", "))
	o.Add("Subject", ct.Subject)
	o.Add("Issuer", ct.Issuer)
	domains := anyList(ct.DNSNames)
	for _, ip := range ct.IPAddresses {
		domains = append(domains, ip.String())
	}
	o.Add("CertificateDomains", domains)
	o.Add("NotBefore", ct.NotBefore.Local())
	o.Add("NotAfter", ct.NotAfter.Local())
	o.Add("IsSelfSigned", ct.SelfSigned)
	status := "Valid"
	if now.Before(ct.NotBefore) || now.After(ct.NotAfter) {
		status = "DateInvalid"
	}
	o.Add("Status", status)
	o.Add("HasPrivateKey", true)
	o.Add("Identity", ct.Thumbprint)
	return o
}

func listCerts(ctx context.Context, c *call) ([]tlsconf.Cert, error) {
	return c.client().Certificates(ctx)
}

// thumbprintOf accepts a thumbprint or an Exchange identity
// "SERVER\THUMBPRINT".
func thumbprintOf(s string) string {
	if i := strings.LastIndexByte(s, '\\'); i >= 0 {
		s = s[i+1:]
	}
	return strings.ToUpper(strings.TrimSpace(s))
}

func runGetCert(ctx context.Context, c *call) ([]any, error) {
	if err := c.checkServer(ctx); err != nil {
		return nil, err
	}
	certs, err := listCerts(ctx, c)
	if err != nil {
		return nil, err
	}
	want := thumbprintOf(c.str("Thumbprint") + c.str("Identity"))
	var out []any
	for _, ct := range certs {
		if want == "" || ct.Thumbprint == want {
			out = append(out, certObject(ct, time.Now()))
		}
	}
	if want != "" && len(out) == 0 {
		return nil, notFoundText(want)
	}
	return out, nil
}

// importData reads the PEM text from -FileData or -FileName, and
// -KeyFileName.
func importData(c *call) ([]byte, error) {
	var data []byte
	switch v := c.args["FileData"].(type) {
	case []byte:
		data = v
	case string:
		d, err := lang.ReadFile(v)
		if err != nil {
			return nil, err
		}
		data = d
	case nil:
		if c.str("FileName") == "" {
			return nil, errors.New("Give the certificate with -FileData ([System.IO.File]::ReadAllBytes('file.pem')) or -FileName file.pem.")
		}
		d, err := lang.ReadFile(c.str("FileName"))
		if err != nil {
			return nil, err
		}
		data = d
	default:
		return nil, fmt.Errorf("Cannot process argument transformation on parameter 'FileData'. Cannot convert the value of type \"%s\" to type \"System.Byte[]\".", lang.TypeName(v))
	}
	if k := c.str("KeyFileName"); k != "" {
		key, err := lang.ReadFile(k)
		if err != nil {
			return nil, err
		}
		data = append(append(data, '\n'), key...)
	}
	return data, nil
}

// splitPEM separates the certificates from the private key.
func splitPEM(data []byte) (certPEM, keyPEM []byte, err error) {
	var certs, keys bytes.Buffer
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		switch {
		case b.Type == "CERTIFICATE":
			pem.Encode(&certs, b)
		case b.Type == "ENCRYPTED PRIVATE KEY" || b.Headers["Proc-Type"] != "":
			return nil, nil, errors.New("The private key is encrypted; Postern imports unencrypted PEM keys (openssl pkey -in key.pem -out plain.pem).")
		case strings.HasSuffix(b.Type, "PRIVATE KEY"):
			pem.Encode(&keys, b)
		}
	}
	if certs.Len() == 0 {
		return nil, nil, errors.New("The data is not a PEM certificate. Postern imports PEM files; convert a .pfx with: openssl pkcs12 -in cert.pfx -nodes -out cert.pem")
	}
	if keys.Len() == 0 {
		return nil, nil, errors.New("The certificate has no private key: put it in the same PEM file, or give -KeyFileName.")
	}
	return certs.Bytes(), keys.Bytes(), nil
}

func runImportCert(ctx context.Context, c *call) ([]any, error) {
	if err := c.checkServer(ctx); err != nil {
		return nil, err
	}
	data, err := importData(c)
	if err != nil {
		return nil, err
	}
	certPEM, keyPEM, err := splitPEM(data)
	if err != nil {
		return nil, err
	}
	if c.has("Password") {
		c.warn("-Password is for .pfx files; a PEM key is not encrypted, so it is ignored.")
	}
	if c.whatIf() {
		c.whatIfMsg("certificate", "")
		return nil, nil
	}
	got, err := c.client().ImportCertificate(ctx, api.ImportRequest{Certificate: string(certPEM), Key: string(keyPEM)})
	var se *admin.StatusError
	if errors.As(err, &se) && se.Code == http.StatusConflict {
		b, _ := pem.Decode(certPEM)
		return nil, fmt.Errorf("The certificate with thumbprint %s already exists.", tlsconf.Thumbprint(b.Bytes))
	}
	if err != nil {
		return nil, err
	}
	return []any{certObject(got, time.Now())}, nil
}

// servicesArg is -Services: a list (-Services POP,IMAP) or one
// comma-separated text (-Services "POP, IMAP"), as Exchange accepts both.
func servicesArg(c *call) ([]string, error) {
	var services []string
	for _, s := range c.strs("Services") {
		for _, part := range strings.Split(s, ",") {
			p := strings.ToUpper(strings.TrimSpace(part))
			switch p {
			case tlsconf.ServicePOP, tlsconf.ServiceIMAP, tlsconf.ServiceSMTP, tlsconf.ServiceIIS:
				services = append(services, p)
			case "NONE", "":
			default:
				return nil, fmt.Errorf("Cannot process argument transformation on parameter 'Services'. The value \"%s\" is not valid: "+
					"Postern's services are POP, IMAP, SMTP and IIS.", strings.TrimSpace(part))
			}
		}
	}
	return services, nil
}

// runEnableCert enables a certificate for POP, IMAP, SMTP or IIS. The
// services are a list (-Services POP,IMAP) or one comma-separated text
// (-Services "POP, IMAP"), as Exchange accepts both.
func runEnableCert(ctx context.Context, c *call) ([]any, error) {
	services, err := servicesArg(c)
	if err != nil {
		return nil, err
	}
	ids := c.identities("Thumbprint", "Identity")
	if c.str("Identity") != "" {
		ids = []string{c.str("Identity")}
	}
	if len(ids) == 0 {
		return nil, errors.New("Cannot process command because of one or more missing mandatory parameters: Thumbprint.")
	}
	return eachItem(ids, func(id string) ([]any, error) {
		tp := thumbprintOf(id)
		if c.whatIf() {
			c.whatIfMsg(tp, "Services: "+strings.Join(services, ", ")+".")
			return nil, nil
		}
		err := c.client().EnableCertificate(ctx, api.EnableRequest{Thumbprint: tp, Services: services})
		if err != nil && strings.Contains(err.Error(), "not found") {
			return nil, notFoundText(tp)
		}
		return nil, err
	})
}

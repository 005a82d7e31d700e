package admin

import (
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/postern/postern/internal/admin/api"
	"github.com/postern/postern/internal/tlsconf"
)

// New-ExchangeCertificate's self-signed form: the server generates the
// key and the certificate (package tlsconf), stores them as an imported
// pair, and enables it for the services asked for. Certificate requests
// (-GenerateRequest) are not supported.

// Limits on a new certificate's request.
const (
	maxSubjectLen   = 1024
	maxSubjectParts = 32
	maxRDNValue     = 64 // ub-common-name and its kin (RFC 5280 appendix A)
	maxDomainNames  = 100
	newCertValidity = 5 * 365 * 24 * time.Hour // as Exchange's self-signed certificates
)

func (a *API) newCert(r *http.Request, req api.NewCertRequest) (tlsconf.Cert, error) {
	subject := pkix.Name{CommonName: a.s.Name()}
	if req.SubjectName != "" {
		var err error
		if subject, err = ParseX500(req.SubjectName); err != nil {
			return tlsconf.Cert{}, refused{err}
		}
	}
	names := req.DomainNames
	if len(names) == 0 {
		names = []string{a.s.Name(), a.s.FQDN()}
	}
	if subject.CommonName != "" && !containsFold(names, subject.CommonName) {
		names = append([]string{subject.CommonName}, names...)
	}
	names, err := checkSANs(names)
	if err != nil {
		return tlsconf.Cert{}, refused{err}
	}
	bits := req.KeySize
	switch bits {
	case 0:
		bits = 2048
	case 2048, 3072, 4096:
	case 1024:
		return tlsconf.Cert{}, refused{errors.New("KeySize 1024 is too weak for a TLS certificate: use 2048, 3072 or 4096")}
	default:
		return tlsconf.Cert{}, refused{fmt.Errorf("KeySize %d isn't supported: use 2048, 3072 or 4096", bits)}
	}
	for _, s := range req.Services {
		switch strings.ToUpper(s) {
		case tlsconf.ServicePOP, tlsconf.ServiceIMAP, tlsconf.ServiceSMTP, tlsconf.ServiceIIS:
		default:
			return tlsconf.Cert{}, refused{fmt.Errorf("the service %q is not one of POP, IMAP, SMTP and IIS", s)}
		}
	}
	now := time.Now()
	certPEM, keyPEM, err := tlsconf.GenerateSelfSigned(tlsconf.SelfSignedRequest{Subject: subject, Names: names,
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(newCertValidity), RSABits: bits})
	if err != nil {
		return tlsconf.Cert{}, err
	}
	return a.s.ImportCertificate(certPEM, keyPEM, req.Services...)
}

func containsFold(list []string, s string) bool {
	for _, e := range list {
		if strings.EqualFold(e, s) {
			return true
		}
	}
	return false
}

// checkSANs folds and checks subject alternative names: IP addresses, or
// DNS names whose labels are letters, digits, '-' and '_', with an
// optional leading "*." wildcard label. Duplicates are dropped.
func checkSANs(in []string) ([]string, error) {
	if len(in) > maxDomainNames {
		return nil, fmt.Errorf("a certificate can have at most %d domain names", maxDomainNames)
	}
	var out []string
	for _, n := range in {
		n = strings.ToLower(strings.TrimSpace(n))
		if containsFold(out, n) {
			continue
		}
		if _, err := netip.ParseAddr(n); err == nil {
			out = append(out, n)
			continue
		}
		if !validDNSName(n) {
			return nil, fmt.Errorf("the domain name %q is not a valid host name", n)
		}
		out = append(out, n)
	}
	return out, nil
}

func validDNSName(n string) bool {
	n = strings.TrimPrefix(n, "*.")
	if n == "" || len(n) > 253 {
		return false
	}
	for _, l := range strings.Split(n, ".") {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, c := range l {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// ParseX500 parses a distinguished name as New-ExchangeCertificate
// -SubjectName takes it: attribute=value pairs separated by commas (or
// semicolons), attribute names in any case (C, O, OU, CN, L, S or ST,
// STREET, SERIALNUMBER), values optionally in double quotes, and a
// backslash escaping the next character (RFC 4514 style).
func ParseX500(s string) (pkix.Name, error) {
	var n pkix.Name
	if len(s) > maxSubjectLen {
		return n, fmt.Errorf("the subject name is longer than %d characters", maxSubjectLen)
	}
	parts, err := splitRDNs(s)
	if err != nil {
		return n, err
	}
	if len(parts) > maxSubjectParts {
		return n, fmt.Errorf("the subject name has more than %d parts", maxSubjectParts)
	}
	for _, p := range parts {
		typ, val := p[0], p[1]
		if val == "" || len([]rune(val)) > maxRDNValue {
			return n, fmt.Errorf("the value of %s in the subject name must be 1 to %d characters", typ, maxRDNValue)
		}
		switch strings.ToUpper(typ) {
		case "CN":
			if n.CommonName != "" {
				return n, errors.New("the subject name has more than one CN")
			}
			n.CommonName = val
		case "C":
			if len(val) != 2 || !isLetters(val) {
				return n, fmt.Errorf("the country C=%s must be a two-letter code, as US", val)
			}
			n.Country = append(n.Country, strings.ToUpper(val))
		case "O":
			n.Organization = append(n.Organization, val)
		case "OU":
			n.OrganizationalUnit = append(n.OrganizationalUnit, val)
		case "L":
			n.Locality = append(n.Locality, val)
		case "S", "ST":
			n.Province = append(n.Province, val)
		case "STREET":
			n.StreetAddress = append(n.StreetAddress, val)
		case "SERIALNUMBER":
			n.SerialNumber = val
		default:
			return n, fmt.Errorf("the attribute %q in the subject name isn't supported: use C, O, OU, CN, L, S, STREET or SERIALNUMBER", typ)
		}
	}
	if n.CommonName == "" && len(n.Organization) == 0 && len(n.Country) == 0 {
		return n, errors.New("the subject name is empty: give at least CN=, as \"CN=mail.contoso.com\"")
	}
	return n, nil
}

func isLetters(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// splitRDNs splits "a=b, c=\"d,e\"" into [type, value] pairs.
func splitRDNs(s string) ([][2]string, error) {
	var out [][2]string
	var cur strings.Builder
	var typ string
	inQuote, escaped, sawValue := false, false, false
	flush := func() error {
		val := cur.String()
		if !sawValue {
			val = strings.TrimSpace(val)
		}
		if typ == "" && strings.TrimSpace(val) == "" {
			return nil // an empty part, as after a trailing comma
		}
		if typ == "" {
			return fmt.Errorf("%q in the subject name has no '=': write it as type=value, as CN=mail.contoso.com", strings.TrimSpace(val))
		}
		out = append(out, [2]string{typ, val})
		typ, sawValue = "", false
		cur.Reset()
		return nil
	}
	for _, c := range s {
		switch {
		case escaped:
			cur.WriteRune(c)
			escaped = false
		case c == '\\':
			escaped = true
		case c == '"':
			if typ == "" {
				return nil, errors.New("a quote in the subject name's attribute type")
			}
			if !inQuote && strings.TrimSpace(cur.String()) != "" {
				return nil, errors.New("a quote in the middle of a value in the subject name")
			}
			if !inQuote {
				cur.Reset()
			}
			inQuote = !inQuote
			sawValue = true
		case inQuote:
			cur.WriteRune(c)
		case c == '=' && typ == "":
			typ = strings.TrimSpace(cur.String())
			if typ == "" {
				return nil, errors.New("an '=' without an attribute type in the subject name")
			}
			cur.Reset()
		case c == ',' || c == ';':
			if err := flush(); err != nil {
				return nil, err
			}
		default:
			if sawValue && c != ' ' {
				return nil, errors.New("text after a quoted value in the subject name")
			}
			if !sawValue {
				cur.WriteRune(c)
			}
		}
	}
	if inQuote || escaped {
		return nil, errors.New("the subject name ends inside a quoted value or after a backslash")
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return out, nil
}

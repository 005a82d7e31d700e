package admin

import (
	"strings"
	"testing"
)

func TestParseX500(t *testing.T) {
	n, err := ParseX500(`c=US, o=Contoso, cn=mail.contoso.com`)
	if err != nil || n.CommonName != "mail.contoso.com" || n.Country[0] != "US" || n.Organization[0] != "Contoso" {
		t.Fatalf("ParseX500 = %+v, %v", n, err)
	}
	n, err = ParseX500(`CN = "mail, the server" ; O=Contoso\, Inc.; OU=IT; L=Redmond; S=WA; ST=Wash;`)
	if err != nil || n.CommonName != "mail, the server" || n.Organization[0] != "Contoso, Inc." || n.OrganizationalUnit[0] != "IT" ||
		n.Locality[0] != "Redmond" || len(n.Province) != 2 {
		t.Fatalf("ParseX500 quoted = %+v, %v", n, err)
	}
	for in, want := range map[string]string{
		"":                              "is empty",
		"mail.contoso.com":              "has no '='",
		"CN=a, CN=b":                    "more than one CN",
		"C=USA, CN=x":                   "two-letter code",
		"X=1, CN=y":                     "isn't supported",
		`CN="open`:                      "ends inside a quoted value",
		`CN="a"b`:                       "text after a quoted value",
		"CN=" + strings.Repeat("a", 65): "1 to 64 characters",
		"=x":                            "without an attribute type",
		strings.Repeat("O=a,", 300):     "longer than",
		strings.Repeat("O=a,", 33):      "more than 32 parts",
	} {
		if _, err := ParseX500(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseX500(%q) = %v, want %q", in, err, want)
		}
	}
}

func TestCheckSANs(t *testing.T) {
	got, err := checkSANs([]string{"Mail.Contoso.com", "mail.contoso.com", "*.contoso.com", "127.0.0.1", "MAIL"})
	if err != nil || strings.Join(got, " ") != "mail.contoso.com *.contoso.com 127.0.0.1 mail" {
		t.Errorf("checkSANs = %v, %v", got, err)
	}
	for _, bad := range []string{"a b", "-a.com", "a..b", "*.", "x.*.com", ""} {
		if _, err := checkSANs([]string{bad}); err == nil {
			t.Errorf("checkSANs(%q) accepted", bad)
		}
	}
}

func FuzzParseX500(f *testing.F) {
	for _, s := range []string{"c=US, o=Contoso, cn=mail.contoso.com", `CN="a,b"; O=x\;y`, "=", `"`, `CN=\`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseX500(s)
		if err != nil {
			return
		}
		if len([]rune(n.CommonName)) > maxRDNValue || len(n.Organization)+len(n.OrganizationalUnit)+len(n.Country) > maxSubjectParts {
			t.Fatalf("ParseX500(%q) = %+v", s, n)
		}
	})
}

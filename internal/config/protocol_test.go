package config

import (
	"errors"
	"net/netip"
	"reflect"
	"slices"
	"testing"
	"time"
)

const fqdn = "ex01.contoso.com"

func mustBindings(t *testing.T, texts ...string) []Binding {
	t.Helper()
	var out []Binding
	for _, s := range texts {
		b, err := ParseBinding(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	want := ProtocolSettings{
		Protocol:                 "POP3",
		MaxCommandSize:           512,
		UnencryptedOrTLSBindings: mustBindings(t, "[::]:110", "0.0.0.0:110"),
		SSLBindings:              mustBindings(t, "[::]:995", "0.0.0.0:995"),
		InternalConnectionSettings: []ConnectionSetting{
			{fqdn, 995, EncryptionSSL}, {fqdn, 110, EncryptionTLS},
		},
		X509CertificateName:               fqdn,
		Banner:                            "The Postern POP3 service is ready.",
		LoginType:                         SecureLogin,
		AuthenticatedConnectionTimeout:    TimeSpan(30 * time.Minute),
		PreAuthenticatedConnectionTimeout: TimeSpan(time.Minute),
		MaxConnections:                    2147483647,
		MaxConnectionFromSingleIP:         2147483647,
		MaxConnectionsPerUser:             16,
		MessageRetrievalMimeFormat:        BestBodyFormat,
		ProxyTargetPort:                   1995,
		LogFileRollOverSettings:           RollOverHourly,
		EnableGSSAPIAndNTLMAuth:           true,
	}
	pop := DefaultPopSettings(fqdn)
	if !reflect.DeepEqual(pop, want) {
		t.Errorf("DefaultPopSettings =\n%+v\nwant\n%+v", pop, want)
	}
	want.Protocol = "IMAP4"
	want.MaxCommandSize = 10240
	want.UnencryptedOrTLSBindings = mustBindings(t, "[::]:143", "0.0.0.0:143")
	want.SSLBindings = mustBindings(t, "[::]:993", "0.0.0.0:993")
	want.InternalConnectionSettings = []ConnectionSetting{{fqdn, 993, EncryptionSSL}, {fqdn, 143, EncryptionTLS}}
	want.Banner = "The Postern IMAP4 service is ready."
	want.ProxyTargetPort = 1993
	imap := DefaultImapSettings(fqdn)
	if !reflect.DeepEqual(imap, want) {
		t.Errorf("DefaultImapSettings =\n%+v\nwant\n%+v", imap, want)
	}
	for _, s := range []ProtocolSettings{pop, imap} {
		if err := s.Validate(); err != nil {
			t.Errorf("%s defaults do not validate: %v", s.Protocol, err)
		}
	}
	if s, err := DefaultSettings("imap4", fqdn); err != nil || s.Protocol != "IMAP4" {
		t.Errorf("DefaultSettings(imap4) = %v, %v", s.Protocol, err)
	}
	if _, err := DefaultSettings("smtp", fqdn); !errors.Is(err, ErrInvalid) {
		t.Errorf("DefaultSettings(smtp) error = %v", err)
	}
}

// popNames is Get-PopSettings' display order.
func popNames() []string {
	return []string{
		"MaxCommandSize", "MessageRetrievalSortOrder", "UnencryptedOrTLSBindings", "SSLBindings",
		"InternalConnectionSettings", "ExternalConnectionSettings", "X509CertificateName", "Banner",
		"LoginType", "AuthenticatedConnectionTimeout", "PreAuthenticatedConnectionTimeout",
		"MaxConnections", "MaxConnectionFromSingleIP", "MaxConnectionsPerUser",
		"MessageRetrievalMimeFormat", "ProxyTargetPort", "CalendarItemRetrievalOption", "OwaServerUrl",
		"EnableExactRFC822Size", "SuppressReadReceipt", "ProtocolLogEnabled", "EnforceCertificateErrors",
		"LogFileLocation", "LogFileRollOverSettings", "LogPerFileSizeQuota", "ExtendedProtectionPolicy",
		"EnableGSSAPIAndNTLMAuth",
	}
}

func TestNames(t *testing.T) {
	t.Parallel()
	pop := DefaultPopSettings(fqdn)
	if got := pop.Names(); !slices.Equal(got, popNames()) {
		t.Errorf("POP Names = %v", got)
	}
	imapWant := popNames()
	imapWant[1] = "ShowHiddenFoldersEnabled"
	imapWant = append(imapWant, "AdvertiseExchangeCapabilitiesOnly") // Postern's own
	imap := DefaultImapSettings(fqdn)
	if got := imap.Names(); !slices.Equal(got, imapWant) {
		t.Errorf("IMAP Names = %v", got)
	}
	if len(imapWant) != 28 {
		t.Errorf("%d settings, want 28", len(imapWant))
	}
}

func TestFields(t *testing.T) {
	t.Parallel()
	s := DefaultPopSettings(fqdn)
	want := []Field{
		{"MaxCommandSize", "512"},
		{"MessageRetrievalSortOrder", "Ascending"},
		{"UnencryptedOrTLSBindings", "{[::]:110, 0.0.0.0:110}"},
		{"SSLBindings", "{[::]:995, 0.0.0.0:995}"},
		{"InternalConnectionSettings", "{ex01.contoso.com:995:SSL, ex01.contoso.com:110:TLS}"},
		{"ExternalConnectionSettings", "{}"},
		{"X509CertificateName", "ex01.contoso.com"},
		{"Banner", "The Postern POP3 service is ready."},
		{"LoginType", "SecureLogin"},
		{"AuthenticatedConnectionTimeout", "00:30:00"},
		{"PreAuthenticatedConnectionTimeout", "00:01:00"},
		{"MaxConnections", "2147483647"},
		{"MaxConnectionFromSingleIP", "2147483647"},
		{"MaxConnectionsPerUser", "16"},
		{"MessageRetrievalMimeFormat", "BestBodyFormat"},
		{"ProxyTargetPort", "1995"},
		{"CalendarItemRetrievalOption", "iCalendar"},
		{"OwaServerUrl", ""},
		{"EnableExactRFC822Size", "False"},
		{"SuppressReadReceipt", "False"},
		{"ProtocolLogEnabled", "False"},
		{"EnforceCertificateErrors", "False"},
		{"LogFileLocation", ""},
		{"LogFileRollOverSettings", "Hourly"},
		{"LogPerFileSizeQuota", "0 B (0 bytes)"},
		{"ExtendedProtectionPolicy", "None"},
		{"EnableGSSAPIAndNTLMAuth", "True"},
	}
	if got := s.Fields(); !slices.Equal(got, want) {
		t.Errorf("Fields =\n%v\nwant\n%v", got, want)
	}
	imap := DefaultImapSettings(fqdn)
	if f := imap.Fields(); f[1] != (Field{"ShowHiddenFoldersEnabled", "False"}) || f[0].Value != "10240" {
		t.Errorf("IMAP Fields start %v", f[:2])
	}
	for _, f := range s.Fields() {
		if v, err := s.Get(f.Name); err != nil || v != f.Value {
			t.Errorf("Get(%s) = %q, %v; Fields says %q", f.Name, v, err, f.Value)
		}
	}
	if v, err := s.Get("sslbindings"); err != nil || v != "{[::]:995, 0.0.0.0:995}" {
		t.Errorf("Get(sslbindings) = %q, %v", v, err)
	}
	if _, err := s.Get("Nope"); !errors.Is(err, ErrUnknownParameter) {
		t.Errorf("Get(Nope) error = %v", err)
	}
}

// setCase is one Set call and its expected outcome: the Get display after
// success, or the error kind (the settings then must not change).
type setCase struct {
	name, text string
	disp       string
	kind       error
}

func TestSetPop(t *testing.T) {
	t.Parallel()
	runSetCases(t, DefaultPopSettings(fqdn), append(commonSetCases(), []setCase{
		{"MaxCommandSize", "40", "40", nil},
		{"MaxCommandSize", "1024", "1024", nil},
		{"MaxCommandSize", "39", "", ErrOutOfRange},
		{"MaxCommandSize", "1025", "", ErrOutOfRange},
		{"MessageRetrievalSortOrder", "Descending", "Descending", nil},
		{"MessageRetrievalSortOrder", "0", "Ascending", nil},
		{"MessageRetrievalSortOrder", "2", "", ErrSyntax},
		{"ShowHiddenFoldersEnabled", "$true", "", ErrWrongProtocol},
		{"AdvertiseExchangeCapabilitiesOnly", "$true", "", ErrWrongProtocol},
		{"SSLBindings", "127.0.0.1:110", "", ErrInvalid}, // also an UnencryptedOrTLSBinding
	}...))
}

func TestSetImap(t *testing.T) {
	t.Parallel()
	runSetCases(t, DefaultImapSettings(fqdn), append(commonSetCases(), []setCase{
		{"MaxCommandSize", "1024", "1024", nil},
		{"MaxCommandSize", "16384", "16384", nil},
		{"MaxCommandSize", "1023", "", ErrOutOfRange},
		{"MaxCommandSize", "16385", "", ErrOutOfRange},
		{"ShowHiddenFoldersEnabled", "$true", "True", nil},
		{"ShowHiddenFoldersEnabled", "maybe", "", ErrSyntax},
		{"AdvertiseExchangeCapabilitiesOnly", "$true", "True", nil},
		{"AdvertiseExchangeCapabilitiesOnly", "$false", "False", nil},
		{"AdvertiseExchangeCapabilitiesOnly", "yes", "", ErrSyntax},
		{"MessageRetrievalSortOrder", "Descending", "", ErrWrongProtocol},
		{"SSLBindings", "127.0.0.1:143", "", ErrInvalid},
	}...))
}

// commonSetCases covers the 26 shared parameters: good values with their
// display, both edges of every range and one past each edge.
func commonSetCases() []setCase {
	return []setCase{
		{"UnencryptedOrTLSBindings", "127.0.0.1:11110, [::1]:11110", "{127.0.0.1:11110, [::1]:11110}", nil},
		{"UnencryptedOrTLSBindings", "", "{}", nil},
		{"UnencryptedOrTLSBindings", "$null", "{}", nil},
		{"UnencryptedOrTLSBindings", "0.0.0.0:65536", "", ErrSyntax},
		{"UnencryptedOrTLSBindings", "0.0.0.0:1,,0.0.0.0:2", "", ErrSyntax},
		{"UnencryptedOrTLSBindings", "0.0.0.0:1,0.0.0.0:1", "", ErrInvalid},
		{"SSLBindings", "0.0.0.0:0", "", ErrOutOfRange},
		{"SSLBindings", "0.0.0.0:1", "{0.0.0.0:1}", nil},
		{"UnencryptedOrTLSBindings", "127.0.0.1:11110,[::1]:0", "", ErrOutOfRange},
		{"SSLBindings", "mail:995", "", ErrSyntax},
		{"InternalConnectionSettings", "a:995:ssl,b:110:tls", "{a:995:SSL, b:110:TLS}", nil},
		{"InternalConnectionSettings", "a:995:SSL,A:995:ssl", "", ErrInvalid},
		{"InternalConnectionSettings", "a:0:SSL", "", ErrSyntax},
		{"ExternalConnectionSettings", "mail.contoso.com:995:SSL", "{mail.contoso.com:995:SSL}", nil},
		{"ExternalConnectionSettings", "mail.contoso.com:995:SSH", "", ErrSyntax},
		{"X509CertificateName", "mail.contoso.com", "mail.contoso.com", nil},
		{"X509CertificateName", "*.contoso.com", "*.contoso.com", nil},
		{"X509CertificateName", "$null", "", nil},
		{"X509CertificateName", "mail contoso", "", ErrInvalid},
		{"Banner", "Hello", "Hello", nil},
		{"Banner", "  ", "", ErrInvalid},
		{"Banner", "a\r\nb", "", ErrInvalid},
		{"LoginType", "PlainTextLogin", "PlainTextLogin", nil},
		{"LoginType", "2", "PlainTextAuthentication", nil},
		{"LoginType", "0", "", ErrSyntax},
		{"LoginType", "4", "", ErrSyntax},
		{"AuthenticatedConnectionTimeout", "00:00:30", "00:00:30", nil},
		{"AuthenticatedConnectionTimeout", "1.00:00:00", "1.00:00:00", nil},
		{"AuthenticatedConnectionTimeout", "00:00:29", "", ErrOutOfRange},
		{"AuthenticatedConnectionTimeout", "1.00:00:01", "", ErrOutOfRange},
		{"AuthenticatedConnectionTimeout", "30", "", ErrSyntax},
		{"PreAuthenticatedConnectionTimeout", "00:00:30", "00:00:30", nil},
		{"PreAuthenticatedConnectionTimeout", "1:00:00", "01:00:00", nil},
		{"PreAuthenticatedConnectionTimeout", "00:00:29", "", ErrOutOfRange},
		{"PreAuthenticatedConnectionTimeout", "01:00:01", "", ErrOutOfRange},
		{"MaxConnections", "1", "1", nil},
		{"MaxConnections", "2147483647", "2147483647", nil},
		{"MaxConnections", "0", "", ErrOutOfRange},
		{"MaxConnections", "2147483648", "", ErrOutOfRange},
		{"MaxConnections", "1e3", "", ErrSyntax},
		{"MaxConnectionFromSingleIP", "1", "1", nil},
		{"MaxConnectionFromSingleIP", "2147483647", "2147483647", nil},
		{"MaxConnectionFromSingleIP", "0", "", ErrOutOfRange},
		{"MaxConnectionFromSingleIP", "2147483648", "", ErrOutOfRange},
		{"MaxConnectionsPerUser", "1", "1", nil},
		{"MaxConnectionsPerUser", "2147483647", "2147483647", nil},
		{"MaxConnectionsPerUser", "0", "", ErrOutOfRange},
		{"MaxConnectionsPerUser", "2147483648", "", ErrOutOfRange},
		{"MaxConnectionsPerUser", "-5", "", ErrOutOfRange},
		{"MessageRetrievalMimeFormat", "textonly", "TextOnly", nil},
		{"MessageRetrievalMimeFormat", "6", "Tnef", nil},
		{"MessageRetrievalMimeFormat", "7", "", ErrSyntax},
		{"ProxyTargetPort", "1", "1", nil},
		{"ProxyTargetPort", "65535", "65535", nil},
		{"ProxyTargetPort", "0", "", ErrOutOfRange},
		{"ProxyTargetPort", "65536", "", ErrOutOfRange},
		{"CalendarItemRetrievalOption", "InternetUrl", "InternetUrl", nil},
		{"CalendarItemRetrievalOption", "3", "", ErrInvalid}, // Custom without OwaServerUrl
		{"CalendarItemRetrievalOption", "4", "", ErrSyntax},
		{"OwaServerUrl", "https://OwaServer01", "https://OwaServer01", nil},
		{"OwaServerUrl", "OwaServer01", "", ErrInvalid},
		{"OwaServerUrl", "ftp://OwaServer01", "", ErrInvalid},
		{"EnableExactRFC822Size", "$true", "True", nil},
		{"SuppressReadReceipt", "1", "True", nil},
		{"ProtocolLogEnabled", "TRUE", "True", nil},
		{"EnforceCertificateErrors", "$false", "False", nil},
		{"EnforceCertificateErrors", "yes", "", ErrSyntax},
		{"LogFileLocation", "/var/log/postern/pop3", "/var/log/postern/pop3", nil},
		{"LogFileLocation", "/var/log\x00", "", ErrInvalid},
		{"LogFileRollOverSettings", "Daily", "Daily", nil},
		{"LogFileRollOverSettings", "0", "", ErrSyntax},
		{"LogFileRollOverSettings", "5", "", ErrSyntax},
		{"LogPerFileSizeQuota", "10MB", "10 MB (10,485,760 bytes)", nil},
		{"LogPerFileSizeQuota", "unlimited", "Unlimited", nil},
		{"LogPerFileSizeQuota", "-1", "", ErrSyntax},
		{"ExtendedProtectionPolicy", "require", "Require", nil},
		{"ExtendedProtectionPolicy", "3", "", ErrSyntax},
		{"EnableGSSAPIAndNTLMAuth", "$false", "False", nil},
		{"NoSuchParameter", "1", "", ErrUnknownParameter},
		{"MaxCommand", "512", "", ErrUnknownParameter}, // abbreviation is the shell's job
	}
}

func runSetCases(t *testing.T, base ProtocolSettings, cases []setCase) {
	t.Helper()
	for _, tc := range cases {
		s := base
		err := s.Set(tc.name, tc.text)
		if tc.kind == nil {
			if err != nil {
				t.Errorf("%s Set(%s, %q): %v", base.Protocol, tc.name, tc.text, err)
				continue
			}
			if got, _ := s.Get(tc.name); got != tc.disp {
				t.Errorf("%s Set(%s, %q): Get = %q, want %q", base.Protocol, tc.name, tc.text, got, tc.disp)
			}
			continue
		}
		if !errors.Is(err, tc.kind) {
			t.Errorf("%s Set(%s, %q) error = %v, want %v", base.Protocol, tc.name, tc.text, err, tc.kind)
		}
		var pe *ParamError
		if !errors.As(err, &pe) || pe.Param == "" {
			t.Errorf("%s Set(%s, %q): error %v does not name the parameter", base.Protocol, tc.name, tc.text, err)
		}
		if !reflect.DeepEqual(s, base) {
			t.Errorf("%s Set(%s, %q) failed but changed the settings", base.Protocol, tc.name, tc.text)
		}
	}
}

func TestSetNameCaseInsensitive(t *testing.T) {
	t.Parallel()
	s := DefaultPopSettings(fqdn)
	if err := s.Set("banner", "Hi"); err != nil || s.Banner != "Hi" {
		t.Errorf("Set(banner) = %v, Banner %q", err, s.Banner)
	}
	if err := s.Set("LOGINTYPE", "plaintextlogin"); err != nil || s.LoginType != PlainTextLogin {
		t.Errorf("Set(LOGINTYPE) = %v, %v", err, s.LoginType)
	}
}

func TestErrorText(t *testing.T) {
	t.Parallel()
	pop := DefaultPopSettings(fqdn)
	imap := DefaultImapSettings(fqdn)
	tests := []struct {
		s          *ProtocolSettings
		name, text string
		want       string
	}{
		{&pop, "MaxCommandSize", "39",
			"Cannot validate argument on parameter 'MaxCommandSize'. The value 39 is not in the valid range 40-1024."},
		{&imap, "MaxCommandSize", "16385",
			"Cannot validate argument on parameter 'MaxCommandSize'. The value 16385 is not in the valid range 1024-16384."},
		{&pop, "MaxConnections", "0",
			"Cannot validate argument on parameter 'MaxConnections'. The value 0 is not in the valid range 1-2147483647."},
		{&pop, "PreAuthenticatedConnectionTimeout", "0:0:29",
			"Cannot validate argument on parameter 'PreAuthenticatedConnectionTimeout'. The value 00:00:29 is not in the valid range 00:00:30-01:00:00."},
		{&pop, "AuthenticatedConnectionTimeout", "2.00:00:00",
			"Cannot validate argument on parameter 'AuthenticatedConnectionTimeout'. The value 2.00:00:00 is not in the valid range 00:00:30-1.00:00:00."},
		{&pop, "MaxCommandSize", "abc",
			`Cannot process argument transformation on parameter 'MaxCommandSize'. Cannot convert value "abc" to type Int32. Valid values: a whole number in the range 40-1024.`},
		{&pop, "LoginType", "Kerberos",
			`Cannot process argument transformation on parameter 'LoginType'. Cannot convert value "Kerberos" to type LoginOptions. Valid values: PlainTextLogin (1), PlainTextAuthentication (2), SecureLogin (3).`},
		{&pop, "SSLBindings", "0.0.0.0:995,bad",
			`Cannot process argument transformation on parameter 'SSLBindings'. Cannot convert value "bad" to type IPBinding. Valid values: ` + bindingSyntax + "."},
		{&pop, "UnencryptedOrTLSBindings", "127.0.0.1:0",
			"Cannot validate argument on parameter 'UnencryptedOrTLSBindings'. The value 127.0.0.1:0 is not in the valid range 1-65535 for the port (port 0 would listen on a different free port at every service start)."},
		{&imap, "SSLBindings", "[::]:993,[::1]:0",
			"Cannot validate argument on parameter 'SSLBindings'. The value [::1]:0 is not in the valid range 1-65535 for the port (port 0 would listen on a different free port at every service start)."},
		{&pop, "CalendarItemRetrievalOption", "Custom",
			`Cannot validate argument on parameter 'CalendarItemRetrievalOption'. The value "Custom" is not valid: Custom requires OwaServerUrl to be set.`},
		{&pop, "ShowHiddenFoldersEnabled", "$true",
			"A parameter cannot be found that matches parameter name 'ShowHiddenFoldersEnabled'. It applies only to IMAP4 settings."},
		{&imap, "MessageRetrievalSortOrder", "1",
			"A parameter cannot be found that matches parameter name 'MessageRetrievalSortOrder'. It applies only to POP3 settings."},
		{&pop, "Bannner", "x", "A parameter cannot be found that matches parameter name 'Bannner'."},
	}
	for _, tc := range tests {
		err := tc.s.Set(tc.name, tc.text)
		if err == nil || err.Error() != tc.want {
			t.Errorf("Set(%s, %q) error =\n%v\nwant\n%s", tc.name, tc.text, err, tc.want)
		}
	}
	err := pop.AddValues("Banner", []string{"x"})
	want := "Cannot process argument on parameter 'Banner'. It takes a single value; lists, Add and Remove apply only to multi-valued parameters."
	if !errors.Is(err, ErrNotMultiValued) || err.Error() != want {
		t.Errorf("AddValues(Banner) error = %v", err)
	}
}

func TestListEdits(t *testing.T) {
	t.Parallel()
	s := DefaultPopSettings(fqdn)
	check := func(name, want string) {
		t.Helper()
		if got, _ := s.Get(name); got != want {
			t.Errorf("%s = %s, want %s", name, got, want)
		}
	}
	if err := s.SetList("ExternalConnectionSettings", []string{"mail.contoso.com:995:SSL", "mail.contoso.com:110:TLS"}); err != nil {
		t.Fatal(err)
	}
	check("ExternalConnectionSettings", "{mail.contoso.com:995:SSL, mail.contoso.com:110:TLS}")
	if err := s.AddValues("ExternalConnectionSettings", []string{"MAIL.contoso.com:995:ssl", "pop.contoso.com:995:SSL"}); err != nil {
		t.Fatal(err)
	}
	check("ExternalConnectionSettings", "{mail.contoso.com:995:SSL, mail.contoso.com:110:TLS, pop.contoso.com:995:SSL}")
	if err := s.RemoveValues("ExternalConnectionSettings", []string{"mail.contoso.com:110:tls", "absent:1"}); err != nil {
		t.Fatal(err)
	}
	check("ExternalConnectionSettings", "{mail.contoso.com:995:SSL, pop.contoso.com:995:SSL}")
	if err := s.Apply(Change{Name: "SSLBindings", Op: OpAdd, Values: []string{"127.0.0.1:2995"}},
		Change{Name: "SSLBindings", Op: OpRemove, Values: []string{"[::]:995"}}); err != nil {
		t.Fatal(err)
	}
	check("SSLBindings", "{0.0.0.0:995, 127.0.0.1:2995}")
	if err := s.AddValues("SSLBindings", []string{"127.0.0.1:995"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("127.0.0.1:995 beside 0.0.0.0:995: %v", err)
	}
	before := s
	if err := s.AddValues("SSLBindings", []string{"127.0.0.2:995", "nonsense"}); !errors.Is(err, ErrSyntax) || !reflect.DeepEqual(s, before) {
		t.Errorf("AddValues with a bad value: %v, changed %v", err, !reflect.DeepEqual(s, before))
	}
	if err := s.AddValues("UnencryptedOrTLSBindings", []string{"127.0.0.1:2995"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("binding in both lists: %v", err)
	}
	if err := s.SetList("SSLBindings", nil); err != nil || s.SSLBindings != nil {
		t.Errorf("SetList(nil) = %v, %v", err, s.SSLBindings)
	}
	check("SSLBindings", "{}")
	if err := s.Set("ExternalConnectionSettings", "$NULL"); err != nil || s.ExternalConnectionSettings != nil {
		t.Errorf("Set($NULL) = %v, %v", err, s.ExternalConnectionSettings)
	}
	// Port 0 (any free port) is refused in either list, by Set, Add and
	// Apply alike, and nothing changes.
	before = s
	for _, name := range []string{"SSLBindings", "UnencryptedOrTLSBindings"} {
		if err := s.Set(name, "127.0.0.1:0"); !errors.Is(err, ErrOutOfRange) || !reflect.DeepEqual(s, before) {
			t.Errorf("Set(%s, 127.0.0.1:0): %v, changed %v", name, err, !reflect.DeepEqual(s, before))
		}
		if err := s.AddValues(name, []string{"[::1]:0"}); !errors.Is(err, ErrOutOfRange) || !reflect.DeepEqual(s, before) {
			t.Errorf("AddValues(%s, [::1]:0): %v, changed %v", name, err, !reflect.DeepEqual(s, before))
		}
	}
	if err := s.Set("SSLBindings", "127.0.0.1:10995"); err != nil {
		t.Fatal(err)
	}
	// The edits never share backing arrays with a copy taken earlier.
	c := s
	if err := s.AddValues("SSLBindings", []string{"127.0.0.9:1"}); err != nil {
		t.Fatal(err)
	}
	if len(c.SSLBindings) != 1 {
		t.Errorf("an edit changed an earlier copy: %v", c.SSLBindings)
	}
}

func TestApplyIsAtomic(t *testing.T) {
	t.Parallel()
	s := DefaultPopSettings(fqdn)
	// Either order works, as in one Set-PopSettings call.
	if err := s.Apply(Change{Name: "CalendarItemRetrievalOption", Values: []string{"Custom"}},
		Change{Name: "OwaServerUrl", Values: []string{"https://OwaServer01"}}); err != nil {
		t.Fatal(err)
	}
	if s.CalendarItemRetrievalOption != CalendarCustom || s.OwaServerUrl != "https://OwaServer01" {
		t.Errorf("Apply stored %v, %q", s.CalendarItemRetrievalOption, s.OwaServerUrl)
	}
	// Clearing OwaServerUrl alone would leave Custom without it.
	if err := s.Set("OwaServerUrl", "$null"); !errors.Is(err, ErrInvalid) || s.OwaServerUrl == "" {
		t.Errorf("clearing OwaServerUrl under Custom: %v", err)
	}
	before := s
	err := s.Apply(Change{Name: "Banner", Values: []string{"New"}},
		Change{Name: "MaxCommandSize", Values: []string{"5000"}})
	if !errors.Is(err, ErrOutOfRange) || !reflect.DeepEqual(s, before) {
		t.Errorf("a failed Apply changed something: %v", err)
	}
	if err := s.Apply(Change{Name: "Banner", Values: []string{"a", "b"}}); !errors.Is(err, ErrNotMultiValued) {
		t.Errorf("two values for Banner: %v", err)
	}
	if err := s.Apply(Change{Name: "Banner"}); !errors.Is(err, ErrNotMultiValued) {
		t.Errorf("no value for Banner: %v", err)
	}
	if err := s.Apply(Change{Name: "SSLBindings", Op: Op(9)}); !errors.Is(err, ErrInvalid) {
		t.Errorf("unknown Op: %v", err)
	}
}

func TestValidateRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		edit  func(*ProtocolSettings)
		param string
		kind  error
	}{
		{"protocol", func(s *ProtocolSettings) { s.Protocol = "SMTP" }, "Protocol", ErrInvalid},
		{"IMAP field on POP", func(s *ProtocolSettings) { s.ShowHiddenFoldersEnabled = true }, "ShowHiddenFoldersEnabled", ErrWrongProtocol},
		{"IMAP capabilities on POP", func(s *ProtocolSettings) { s.AdvertiseExchangeCapabilitiesOnly = true }, "AdvertiseExchangeCapabilitiesOnly", ErrWrongProtocol},
		{"Custom", func(s *ProtocolSettings) { s.CalendarItemRetrievalOption = CalendarCustom }, "CalendarItemRetrievalOption", ErrInvalid},
		{"enum", func(s *ProtocolSettings) { s.LoginType = 0 }, "LoginType", ErrOutOfRange},
		{"range", func(s *ProtocolSettings) { s.MaxConnectionsPerUser = 0 }, "MaxConnectionsPerUser", ErrOutOfRange},
		{"timeout", func(s *ProtocolSettings) { s.AuthenticatedConnectionTimeout = 0 }, "AuthenticatedConnectionTimeout", ErrOutOfRange},
		{"zero binding", func(s *ProtocolSettings) { s.SSLBindings = []Binding{{}} }, "SSLBindings", ErrSyntax},
		{"zero conn", func(s *ProtocolSettings) {
			s.ExternalConnectionSettings = []ConnectionSetting{{}}
		}, "ExternalConnectionSettings", ErrSyntax},
		{"lower-case encryption", func(s *ProtocolSettings) {
			s.ExternalConnectionSettings = []ConnectionSetting{{"a", 1, "ssl"}}
		}, "ExternalConnectionSettings", ErrInvalid},
		{"overlap", func(s *ProtocolSettings) {
			s.SSLBindings = append(s.SSLBindings, mustBindings(t, "127.0.0.1:110")...)
		}, "SSLBindings", ErrInvalid},
		{"overlap within a list", func(s *ProtocolSettings) {
			s.SSLBindings = append(s.SSLBindings, mustBindings(t, "[::1]:995")...)
		}, "SSLBindings", ErrInvalid},
		{"duplicate", func(s *ProtocolSettings) { s.SSLBindings = append(s.SSLBindings, s.SSLBindings[0]) }, "SSLBindings", ErrInvalid},
		{"banner", func(s *ProtocolSettings) { s.Banner = "" }, "Banner", ErrInvalid},
		{"fraction", func(s *ProtocolSettings) {
			s.PreAuthenticatedConnectionTimeout = TimeSpan(90*time.Second + time.Millisecond)
		}, "PreAuthenticatedConnectionTimeout", ErrInvalid},
	}
	for _, tc := range tests {
		s := DefaultPopSettings(fqdn)
		tc.edit(&s)
		err := s.Validate()
		var pe *ParamError
		if !errors.Is(err, tc.kind) || !errors.As(err, &pe) || pe.Param != tc.param {
			t.Errorf("%s: Validate = %v, want %v on %s", tc.name, err, tc.kind, tc.param)
		}
	}
	s := DefaultImapSettings(fqdn)
	s.MessageRetrievalSortOrder = SortDescending
	if err := s.Validate(); !errors.Is(err, ErrWrongProtocol) {
		t.Errorf("POP field on IMAP: %v", err)
	}
}

func TestOffsetPorts(t *testing.T) {
	t.Parallel()
	s := DefaultImapSettings(fqdn)
	orig := s
	if err := s.OffsetPorts(10000); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"SSLBindings":                "{[::]:10993, 0.0.0.0:10993}",
		"UnencryptedOrTLSBindings":   "{[::]:10143, 0.0.0.0:10143}",
		"InternalConnectionSettings": "{ex01.contoso.com:10993:SSL, ex01.contoso.com:10143:TLS}",
		"ProxyTargetPort":            "11993",
	} {
		if got, _ := s.Get(name); got != want {
			t.Errorf("%s = %s, want %s", name, got, want)
		}
	}
	if len(orig.SSLBindings) != 2 || orig.SSLBindings[0].Port() != 993 {
		t.Errorf("OffsetPorts changed an earlier copy: %v", orig.SSLBindings)
	}
	if err := s.Validate(); err != nil {
		t.Error(err)
	}
	// A binding on port 0, refused by Set but possibly stored before the
	// rule, stays 0.
	s.SSLBindings = []Binding{NewBinding(netip.IPv4Unspecified(), 0)}
	if err := s.OffsetPorts(5); err != nil || s.SSLBindings[0].Port() != 0 {
		t.Errorf("port 0 moved: %v %v", err, s.SSLBindings)
	}
	before := s
	if err := s.OffsetPorts(60000); !errors.Is(err, ErrOutOfRange) || !reflect.DeepEqual(s, before) {
		t.Errorf("OffsetPorts past 65535: %v, changed %v", err, !reflect.DeepEqual(s, before))
	}
	if err := s.OffsetPorts(-20000); !errors.Is(err, ErrOutOfRange) {
		t.Errorf("OffsetPorts below 1: %v", err)
	}
}

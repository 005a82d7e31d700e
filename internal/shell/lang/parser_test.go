package lang

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// seedLines are the command lines of the seed documents and the spec's
// examples; every one must parse.
var seedLines = []string{
	`Start-Service MSExchangePOP3; Start-Service MSExchangePOP3BE`,
	`Set-Service MSExchangePOP3 -StartupType Automatic; Set-Service MSExchangePOP3BE -StartupType Automatic`,
	`Get-Service MSExchangePOP3; Get-Service MSExchangePOP3BE`,
	`Set-PopSettings -ExternalConnectionSettings "mail.contoso.com:995:SSL","mail.contoso.com:110:TLS" -X509CertificateName mail.contoso.com`,
	`Get-PopSettings | Format-List *ConnectionSettings,*Bindings,X509CertificateName`,
	`Restart-Service MSExchangePOP3; Restart-Service MSExchangePOP3BE`,
	`Set-CASMailbox -Identity john@contoso.com -PopEnabled $false`,
	`Get-CASMailbox john@contoso.com -ProtocolSettings | Format-List Imap*`,
	`Set-ImapSettings -SSLBindings @{Add="[::]:9993";Remove="0.0.0.0:993"} -Confirm:$false`,
	`Test-PopConnectivity -ClientAccessServer EX01 -Lightmode -MailboxCredential (Get-Credential)`,
	`Import-ExchangeCertificate -FileData ([System.IO.File]::ReadAllBytes('\\FileServer01\Data\mail.pem')) | Enable-ExchangeCertificate -Services POP,IMAP`,
	`New-Mailbox -Name "Chris Ashton" -UserPrincipalName chris@contoso.com -Password (ConvertTo-SecureString -String 'P@ssw0rd1' -AsPlainText -Force)`,
}

func TestParseCanonical(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{`Get-Service`, `Get-Service`},
		{"Get-Service   MSExchangePOP3 ;  Get-Service\tx", `Get-Service MSExchangePOP3; Get-Service x`},
		{`Set-PopSettings -Banner 'It''s ready' -LoginType 1`, "Set-PopSettings -Banner \"It's ready\" -LoginType 1"},
		{`Set-PopSettings -Banner "say ""hi"" ` + "`t" + `"`, "Set-PopSettings -Banner \"say `\"hi`\" \t\""},
		{`Set-PopSettings -SSLBindings "a:1", 'b:2' ,c:3`, `Set-PopSettings -SSLBindings "a:1","b:2",c:3`},
		{"Set-PopSettings -SSLBindings a:1,\n  b:2", `Set-PopSettings -SSLBindings a:1,b:2`},
		{`x -Confirm:$false -WhatIf`, `x -Confirm:$false -WhatIf`},
		{`x -Confirm: $false`, `x -Confirm:$false`},
		{`x @{ Add = "a" ; Remove = 'b','c' }`, `x @{'Add'="a"; 'Remove'="b","c"}`},
		{"x @{\n Add='a'\n Remove='b'\n}", `x @{'Add'="a"; 'Remove'="b"}`},
		{`x -Size 10MB -Port 0x10 -Neg -5 -T 00:00:30 -V 1.5`, `x -Size 10MB -Port 0x10 -Neg -5 -T 00:00:30 -V 1.5`},
		{`x $true,$false,$null $env:HOME ${a b}`, `x $true,$false,$null $env:HOME ${a b}`},
		{`x "a$b c" a$b`, "x \"a${b} c\" \"a${b}\""},
		{`$cred = Get-Credential; x -C $cred`, `$cred = Get-Credential; x -C $cred`},
		{`"a","b" | Select-Object -First 1`, `"a","b" | Select-Object -First 1`},
		{"Get-Service |\n Format-Table Name", `Get-Service | Format-Table Name`},
		{"x `\n -Name y # comment\n<# block\n comment #> z", `x -Name y; z`},
		{`x –StartupType Automatic`, `x -StartupType Automatic`}, // en dash, as copied from web pages
		{"x “curly” ‘quotes’", `x "curly" "quotes"`},
		{`x ([System.IO.File]::ReadAllBytes('f.pem'))`, `x ([System.IO.File]::ReadAllBytes("f.pem"))`},
		{`x $(Get-A; Get-B) @(Get-C) @()`, `x $(Get-A; Get-B) @(Get-C) @()`},
		{`x a"b"'c'`, `x abc`},
		{`x -- -y`, `x "--" -y`},
		{";;\n\n", ``},
	} {
		sc, err := Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if got := sc.String(); got != tc.want {
			t.Errorf("Parse(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestParseTree(t *testing.T) {
	t.Parallel()
	sc, err := Parse(`Set-ImapSettings -SSLBindings @{Add="[::]:9993"} -Confirm:$false MSX -Banner x`)
	if err != nil {
		t.Fatal(err)
	}
	c := sc.Statements[0].Pipeline.Stages[0].(*Command)
	if c.Name != "Set-ImapSettings" || len(c.Elems) != 6 {
		t.Fatalf("command %+v", c)
	}
	if e := c.Elems[0]; e.Param != "SSLBindings" || e.Colon || e.Value != nil {
		t.Errorf("elem 0 %+v", e)
	}
	h, ok := c.Elems[1].Value.(*HashLit)
	if !ok || len(h.Entries) != 1 || h.Entries[0].Key != "Add" || h.Entries[0].Value.(*StringLit).Literal() != "[::]:9993" {
		t.Errorf("hash %+v", c.Elems[1].Value)
	}
	if e := c.Elems[2]; e.Param != "Confirm" || !e.Colon || e.Value.(*Variable).Name != "false" {
		t.Errorf("elem 2 %+v", e)
	}
	if s := c.Elems[3].Value.(*StringLit); s.Quote != 0 || s.Literal() != "MSX" {
		t.Errorf("elem 3 %+v", s)
	}
	if n, ok := mustParseArg(t, `x 1024`).(*NumberLit); !ok || n.Value != 1024 {
		t.Errorf("1024 is %T", n)
	}
	if n := mustParseArg(t, `x 10MB`).(*NumberLit); n.Value != 10<<20 {
		t.Errorf("10MB = %d", n.Value)
	}
	if s, ok := mustParseArg(t, `x 00:00:30`).(*StringLit); !ok || s.Literal() != "00:00:30" {
		t.Errorf("a time span is not text: %T", s)
	}
}

func mustParseArg(t *testing.T, src string) Expr {
	t.Helper()
	sc, err := Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	return sc.Statements[0].Pipeline.Stages[0].(*Command).Elems[0].Value
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in         string
		line, col  int
		msg        string
		incomplete bool
	}{
		{`Set-PopSettings -X509CertificateName <FQDN>`, 1, 38, "The '<' operator is reserved for future use.", false},
		{`Get-Service |`, 1, 14, "An empty pipe element is not allowed.", true},
		{`Get-Service | | x`, 1, 15, "An empty pipe element is not allowed.", false},
		{`x -Banner "open`, 1, 16, "The string is missing the terminator: \".", true},
		{`x -Banner 'open`, 1, 16, "The string is missing the terminator: '.", true},
		{"x\ny (", 2, 4, "Missing closing ')' in expression.", true},
		{`x (Get-A`, 1, 9, "Missing closing ')' in expression.", true},
		{`x @{Add="a"`, 1, 12, "Missing closing '}' in hash literal.", true},
		{`x @{Add}`, 1, 8, "Missing '=' operator after key in hash literal.", false},
		{`x @{a=1;a=2}`, 1, 9, "Duplicate keys 'a' are not allowed in hash literals.", false},
		{`x -Confirm:`, 1, 12, "Missing an argument for parameter 'Confirm'.", true},
		{`x a,`, 1, 5, "Missing expression.", true},
		{`x > out.txt`, 1, 3, "Output redirection (>) is not supported by this shell.", false},
		{`x { 1 }`, 1, 3, "Script blocks ({...}) are not supported by this shell.", false},
		{`x & y`, 1, 3, "The ampersand (&) character is not allowed.", false},
		{`x | "a"`, 1, 5, "Expressions are only allowed as the first element of a pipeline.", false},
		{`1 -eq 1`, 1, 3, "The '-eq' operator is not supported by this shell.", false},
		{`x ()`, 1, 4, "An expression was expected after '('.", false},
		{`x ([int]::MaxValue)`, 1, 19, "Missing '(' after the method name", false},
		{"x `", 1, 4, "Missing line after the line continuation character", true},
		{`x "a $(b)"`, 1, 6, "Subexpressions ($(...)) inside strings are not supported", false},
		{`x (a) )`, 1, 7, "Unexpected token ')' in expression or statement.", false},
		{`x -A 'é' ü <`, 1, 12, "reserved", false},
	} {
		_, err := Parse(tc.in)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("Parse(%q) = %v, want a ParseError", tc.in, err)
			continue
		}
		if pe.Line() != tc.line || pe.Column() != tc.col || !strings.Contains(pe.Msg, tc.msg) || pe.Incomplete != tc.incomplete {
			t.Errorf("Parse(%q):\n%v\n(line %d col %d incomplete %v), want line %d col %d incomplete %v %q",
				tc.in, err, pe.Line(), pe.Column(), pe.Incomplete, tc.line, tc.col, tc.incomplete, tc.msg)
		}
	}
}

// TestParseErrorText checks the PowerShell layout of the message.
func TestParseErrorText(t *testing.T) {
	t.Parallel()
	_, err := Parse("Get-Service\nSet-PopSettings -X509CertificateName <FQDN>")
	want := "At line:2 char:38\n+ Set-PopSettings -X509CertificateName <FQDN>\n+                                      ~\nThe '<' operator is reserved for future use."
	if err == nil || err.Error() != want {
		t.Errorf("error:\n%v\nwant:\n%s", err, want)
	}
}

func TestParseDepth(t *testing.T) {
	t.Parallel()
	ok := strings.Repeat("(", maxDepth) + "1" + strings.Repeat(")", maxDepth)
	if _, err := Parse(ok); err != nil {
		t.Errorf("%d levels: %v", maxDepth, err)
	}
	for _, deep := range []string{
		strings.Repeat("(", maxDepth+1) + "1" + strings.Repeat(")", maxDepth+1),
		"x " + strings.Repeat("@{a=", 10000),
		"x " + strings.Repeat("$(", 10000),
		strings.Repeat("[a]::b(", 10000),
	} {
		_, err := Parse(deep)
		var pe *ParseError
		if !errors.As(err, &pe) || !strings.Contains(pe.Msg, "nested too deeply") {
			t.Errorf("deep input: %v", err)
		}
	}
}

// TestParseByteAtATime parses every prefix of the seed lines: each either
// parses or fails with a ParseError located inside the prefix; a prefix
// that stops inside a quoted string or brackets is incomplete, which is
// what the interactive shell uses to ask for another line.
func TestParseByteAtATime(t *testing.T) {
	t.Parallel()
	for _, line := range seedLines {
		for i := 0; i <= len(line); i++ {
			if !utf8.ValidString(line[:i]) {
				continue
			}
			sc, err := Parse(line[:i])
			if err == nil {
				checkRoundTrip(t, line[:i], sc)
				continue
			}
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Offset < 0 || pe.Offset > i {
				t.Fatalf("prefix %q: %v", line[:i], err)
			}
			if strings.Count(line[:i], `"`)%2 == 1 && !pe.Incomplete {
				t.Errorf("prefix %q inside a string is not incomplete: %v", line[:i], err)
			}
		}
	}
}

// checkRoundTrip checks that the canonical form parses back to itself.
func checkRoundTrip(t *testing.T, in string, sc *Script) {
	t.Helper()
	s1 := sc.String()
	sc2, err := Parse(s1)
	if err != nil {
		t.Fatalf("Parse(%q) printed as %q, which does not parse: %v", in, s1, err)
	}
	if s2 := sc2.String(); s2 != s1 {
		t.Fatalf("Parse(%q) printed as %q, reprinted as %q", in, s1, s2)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range seedLines {
		f.Add(s)
	}
	for _, s := range []string{"", "x `", `x "a$b" 'c''d' ${e}`, "a | b\n c", `@{a=@{b=(c)}}`, `x -y:@(1,2),3`, `$a = "x"`, "x <# y", "[a]::b(1,'2')"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		sc, err := Parse(in)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) returned %T", in, err)
			}
			_ = pe.Error()
			return
		}
		checkRoundTrip(t, in, sc)
	})
}

package wire

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestParseMailFrom(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want MailFrom
		err  error
	}{
		{"FROM:<a@example.com>", MailFrom{Path: Path{Addr: "a@example.com", Local: "a", Domain: "example.com"}}, nil},
		{"from: <a@example.com>", MailFrom{Path: Path{Addr: "a@example.com", Local: "a", Domain: "example.com"}}, nil},
		{"FROM:<>", MailFrom{}, nil},
		{"FROM:<> SIZE=100 BODY=8bitmime", MailFrom{
			Path: Path{Params: []Param{{"SIZE", "100"}, {"BODY", "8bitmime"}}},
			Size: 100, Body: "8BITMIME",
		}, nil},
		{"FROM:<a@b> SMTPUTF8", MailFrom{Path: Path{Addr: "a@b", Local: "a", Domain: "b", Params: []Param{{"SMTPUTF8", ""}}}, SMTPUTF8: true}, nil},
		{"FROM:<a@b> X-FOO=bar", MailFrom{Path: Path{Addr: "a@b", Local: "a", Domain: "b", Params: []Param{{"X-FOO", "bar"}}}}, nil},
		{"FROM:<a@b> SIZE=99999999999999999999", MailFrom{Path: Path{Addr: "a@b", Local: "a", Domain: "b", Params: []Param{{"SIZE", "99999999999999999999"}}}, Size: math.MaxInt64}, nil},
		{"FROM:<a@b> SIZE=", MailFrom{}, ErrBadParam},
		{"FROM:<a@b> SIZE=-1", MailFrom{}, ErrBadParam},
		{"FROM:<a@b> SIZE=+1", MailFrom{}, ErrBadParam},
		{"FROM:<a@b> SIZE=1x", MailFrom{}, ErrBadParam},
		{"FROM:<a@b> SIZE=123456789012345678901", MailFrom{}, ErrBadParam},
		{"FROM:<a@b> SIZE", MailFrom{}, ErrBadParam},
		{"FROM:<a@b> BODY=9BIT", MailFrom{}, ErrBadParam},
		{"FROM:<a@b> SMTPUTF8=yes", MailFrom{}, ErrBadParam},
		{"FROM:<a@b> SIZE=1 size=2", MailFrom{}, ErrBadParam},
		{"FROM:<a@b> -X", MailFrom{}, ErrBadParam},
		{"FROM:<a@b> X==", MailFrom{}, ErrBadParam},
		{"FROM:a@b", MailFrom{}, ErrSyntax},
		{"FROM<a@b>", MailFrom{}, ErrSyntax},
		{"TO:<a@b>", MailFrom{}, ErrSyntax},
		{"FROM:<a@b>x", MailFrom{}, ErrSyntax},
	}
	for _, tt := range tests {
		got, err := ParseMailFrom(tt.in)
		if !errors.Is(err, tt.err) || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseMailFrom(%q) =\n %+v, %v; want\n %+v, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestParseRcptTo(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 64)
	tests := []struct {
		in   string
		addr string // "" when err != nil
		err  error
	}{
		{"TO:<a@example.com>", "a@example.com", nil},
		{"to:<A.B+c@Example.COM>", "A.B+c@Example.COM", nil},
		{"TO:<@relay1,@relay2:a@example.com>", "a@example.com", nil},
		{`TO:<"john"@example.com>`, "john@example.com", nil},
		{`TO:<"john doe"@example.com>`, `"john doe"@example.com`, nil},
		{`TO:<"a\"b"@example.com>`, `"a\"b"@example.com`, nil},
		{`TO:<"a\\b"@example.com>`, `"a\\b"@example.com`, nil},
		{`TO:<"a>b"@example.com>`, `"a>b"@example.com`, nil},
		{`TO:<"a..b"@example.com>`, `"a..b"@example.com`, nil},
		{"TO:<a@[127.0.0.1]>", "a@[127.0.0.1]", nil},
		{"TO:<a@[IPv6:2001:db8::1]>", "a@[IPv6:2001:db8::1]", nil},
		{"TO:<a@[x-tag:abc]>", "a@[x-tag:abc]", nil},
		{"TO:<Postmaster>", "Postmaster", nil},
		{"TO:<postmaster>", "postmaster", nil},
		{"TO:<müller@bücher.example>", "müller@bücher.example", nil},
		{"TO:<" + long + "@b>", long + "@b", nil},
		{"TO:<" + long + "a@b>", "", ErrBadAddress},
		{"TO:<a@" + strings.Repeat("b.", 127) + "cc>", "", ErrBadAddress}, // 256 octets
		{"TO:<>", "", ErrBadAddress},
		{"TO:<a>", "", ErrBadAddress},
		{"TO:<a@>", "", ErrBadAddress},
		{"TO:<@b>", "", ErrBadAddress},
		{"TO:<a@b..c>", "", ErrBadAddress},
		{"TO:<a@-b.c>", "", ErrBadAddress},
		{"TO:<a@b_c>", "", ErrBadAddress},
		{"TO:<.a@b>", "", ErrBadAddress},
		{"TO:<a.@b>", "", ErrBadAddress},
		{"TO:<a..b@c>", "", ErrBadAddress},
		{"TO:<a b@c>", "", ErrBadAddress},
		{"TO:<a\x01b@c>", "", ErrBadAddress},
		{"TO:<a@b\x7f>", "", ErrBadAddress},
		{"TO:<a@\xff>", "", ErrBadAddress},
		{`TO:<""@b>`, "", ErrBadAddress},
		{`TO:<"abc@b>`, "", ErrBadAddress},
		{`TO:<"a\`, "", ErrBadAddress},
		{"TO:<a@[1.2.3]>", "", ErrBadAddress},
		{"TO:<a@[IPv6:1.2.3.4]>", "", ErrBadAddress},
		{"TO:<a@[IPv6:fe80::1%eth0]>", "", ErrBadAddress},
		{"TO:<@b:c@d", "", ErrSyntax},
		{"TO:<a@b", "", ErrSyntax},
		{"TO:a@b", "", ErrSyntax},
		{"TO:<relay1:a@b>", "", ErrBadAddress},
	}
	for _, tt := range tests {
		got, err := ParseRcptTo(tt.in)
		if !errors.Is(err, tt.err) || got.Addr != tt.addr {
			t.Errorf("ParseRcptTo(%q) = %q, %v; want %q, %v", tt.in, got.Addr, err, tt.addr, tt.err)
		}
	}
}

func TestParsePathFields(t *testing.T) {
	t.Parallel()
	p, err := ParsePath(`<"a b"@[IPv6:::1]> NOTIFY=NEVER`, ForwardPath)
	want := Path{Addr: `"a b"@[IPv6:::1]`, Local: "a b", Domain: "[IPv6:::1]", Params: []Param{{"NOTIFY", "NEVER"}}}
	if err != nil || !reflect.DeepEqual(p, want) {
		t.Fatalf("got %+v, %v; want %+v", p, err, want)
	}
	if v, ok := p.Param("NOTIFY"); !ok || v != "NEVER" {
		t.Errorf("Param = %q, %v", v, ok)
	}
	p, err = ParsePath("<ü@b>", ForwardPath)
	if err != nil || !p.UTF8 {
		t.Errorf("UTF8 not reported: %+v, %v", p, err)
	}
	// An address of exactly 254 octets passes; one more does not.
	dom := strings.Repeat("d", 63) + "." + strings.Repeat("d", 63) + "." + strings.Repeat("d", 63) + "." + strings.Repeat("d", 61-3)
	local := strings.Repeat("l", 254-1-len(dom))
	if _, err := ParsePath("<"+local+"@"+dom+">", ForwardPath); err != nil || len(local) > 64 {
		t.Errorf("254-octet address: %v (local %d)", err, len(local))
	}
	if _, err := ParsePath("<"+local+"@"+dom+"d>", ForwardPath); !errors.Is(err, ErrBadAddress) {
		t.Errorf("255-octet address: %v", err)
	}
}

func TestParseHelloName(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"mx.example.com", "localhost", "[127.0.0.1]", "[IPv6:::1]", "my_host.local"} {
		if _, err := ParseHelloName(ok); err != nil {
			t.Errorf("ParseHelloName(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "a b", "mx.(x)", "[1.2.3]", "bü.example", "a..b"} {
		if _, err := ParseHelloName(bad); !errors.Is(err, ErrSyntax) {
			t.Errorf("ParseHelloName(%q) = %v, want ErrSyntax", bad, err)
		}
	}
}

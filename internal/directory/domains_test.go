package directory

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestAcceptedDomains(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		d := b.directory(t)
		if _, err := d.AddDomain(ctx, "Contoso", "Contoso.COM"); err != nil {
			t.Fatal(err)
		}
		if _, err := d.AddDomain(ctx, "", "fabrikam.com"); err != nil {
			t.Fatal(err)
		}
		all, err := d.Domains(ctx)
		want := []AcceptedDomain{{"mail.test", "mail.test", true}, {"Contoso", "contoso.com", false}, {"fabrikam.com", "fabrikam.com", false}}
		if err != nil || len(all) != len(want) {
			t.Fatalf("Domains = %+v, %v", all, err)
		}
		for i := range want {
			if all[i] != want[i] {
				t.Errorf("Domains[%d] = %+v, want %+v", i, all[i], want[i])
			}
		}
		// Duplicates by domain or by Name, either spelling.
		for _, c := range [][2]string{{"x", "CONTOSO.com"}, {"contoso", "other.com"}, {"Fabrikam.com", "other.com"}, {"mail.test", "other.com"}} {
			if _, err := d.AddDomain(ctx, c[0], c[1]); !errors.Is(err, ErrExists) {
				t.Errorf("AddDomain(%q, %q) = %v, want ErrExists", c[0], c[1], err)
			}
		}
		// A mailbox in the new domain; the domain is then in use.
		if _, err := d.AddUser(ctx, NewUser{Address: "bob@contoso.com", Password: "pw", Database: "Mailbox Database 01"}); err != nil {
			t.Fatal(err)
		}
		if err := d.RemoveDomain(ctx, "Contoso"); !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), "1 mailbox") {
			t.Errorf("RemoveDomain in use = %v", err)
		}
		if err := d.RemoveDomain(ctx, "mail.test"); !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), "default") {
			t.Errorf("RemoveDomain default = %v", err)
		}
		// The default moves; the old default can then go (it has no users).
		if a, err := d.SetDomain(ctx, "fabrikam.com", "Fabrikam", true); err != nil || !a.Default || a.Name != "Fabrikam" {
			t.Fatalf("SetDomain = %+v, %v", a, err)
		}
		if got, _ := d.AcceptedDomains(ctx); got[0] != "fabrikam.com" {
			t.Errorf("AcceptedDomains after MakeDefault = %v", got)
		}
		if _, err := d.SetDomain(ctx, "Fabrikam", "contoso", false); !errors.Is(err, ErrExists) {
			t.Errorf("rename onto another's Name = %v", err)
		}
		if err := d.RemoveDomain(ctx, "MAIL.TEST"); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Domain(ctx, "mail.test"); !errors.Is(err, ErrNotFound) {
			t.Errorf("removed domain still found: %v", err)
		}
		if err := d.RemoveDomain(ctx, "nothing.test"); !errors.Is(err, ErrNotFound) {
			t.Errorf("RemoveDomain unknown = %v", err)
		}
		// A removed domain's Name row goes with it: the domain can come back.
		if err := d.RemoveDomain(ctx, "Fabrikam"); !errors.Is(err, ErrInUse) {
			t.Errorf("removing the default = %v", err)
		}
		if _, err := d.SetDomain(ctx, "contoso.com", "", true); err != nil {
			t.Fatal(err)
		}
		if err := d.RemoveDomain(ctx, "Fabrikam"); err != nil {
			t.Fatal(err)
		}
		if a, err := d.AddDomain(ctx, "Fabrikam", "fabrikam.com"); err != nil || a.Name != "Fabrikam" {
			t.Errorf("re-adding = %+v, %v", a, err)
		}
	})
}

func TestCheckDomainName(t *testing.T) {
	t.Parallel()
	good := map[string]string{"Contoso.COM": "contoso.com", " a-b.c0.example. ": "a-b.c0.example", "xn--bcher-kva.example": "xn--bcher-kva.example",
		strings.Repeat("a", 63) + ".com": strings.Repeat("a", 63) + ".com"}
	for in, want := range good {
		if got, err := CheckDomainName(in); err != nil || got != want {
			t.Errorf("CheckDomainName(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "localhost", "*.contoso.com", "-a.com", "a-.com", "a..com", "bücher.example", "a b.com",
		strings.Repeat("a", 64) + ".com", strings.Repeat("abcdefghi.", 26) + "com", "a_b.com", "a@b.com"} {
		if _, err := CheckDomainName(in); !errors.Is(err, ErrBadName) {
			t.Errorf("CheckDomainName(%q) err = %v, want ErrBadName", in, err)
		}
	}
}

func FuzzCheckDomainName(f *testing.F) {
	for _, s := range []string{"contoso.com", "*.x.com", "a..b", "xn--bcher-kva.example", "-.-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := CheckDomainName(s)
		if err != nil {
			return
		}
		if len(got) > 253 || strings.ToLower(got) != got || !strings.Contains(got, ".") {
			t.Fatalf("CheckDomainName(%q) = %q", s, got)
		}
		if again, err := CheckDomainName(got); err != nil || again != got {
			t.Fatalf("not idempotent: %q -> %q, %v", got, again, err)
		}
	})
}

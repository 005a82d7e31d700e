package tlsconf

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestSelect(t *testing.T) {
	t.Parallel()
	s := openStore(t, t.TempDir(), func() time.Time { return testNow })
	year := 365 * 24 * time.Hour
	past := testNow.Add(-year)
	exact1 := importPair(t, s, "mail.example.com", []string{"mail.example.com"}, past, testNow.Add(year))
	exact2 := importPair(t, s, "mail.example.com", []string{"MAIL.example.com", "www.example.com"}, past, testNow.Add(2*year))
	wild := importPair(t, s, "*.example.com", []string{"*.example.com"}, past, testNow.Add(5*year))
	importPair(t, s, "expired.test", []string{"expired.test"}, past, testNow.Add(-time.Hour))
	importPair(t, s, "future.test", []string{"future.test"}, testNow.Add(time.Hour), testNow.Add(year))
	cnOnly := importPair(t, s, "cn.example.com", nil, past, testNow.Add(year))
	ip := importPair(t, s, "ip", []string{"192.0.2.7"}, past, testNow.Add(year))

	tests := []struct {
		name string
		want string // thumbprint; "" means no match
	}{
		{"mail.example.com", exact2},  // exact beats wildcard; latest NotAfter
		{"Mail.Example.COM.", exact2}, // case and trailing dot ignored
		{"www.example.com", exact2},   // any SAN
		{"other.example.com", wild},   // wildcard, one label
		{"a.b.example.com", ""},       // wildcard covers one label only
		{"example.com", ""},           // nor the bare domain
		{"cn.example.com", cnOnly},    // CN when there are no SANs
		{"expired.test", ""},          // expired
		{"future.test", ""},           // not yet valid
		{"192.0.2.7", ip},             // IP SAN
		{"", ""},                      // no name
		{"unknown.test", ""},          // nothing
		{"ip", ""},                    // CN ignored when there are SANs
		{"mail.example.com.evil", ""}, // suffix is not a match
		{"*.example.com", wild},       // the wildcard name itself, literally
		{"x.mail.example.com", ""},    // no wildcard at that level
		{"mail.example.com ", exact2}, // surrounding space from config
		{"evil.com/.example.com", ""}, // the left-most label ends at the first dot
	}
	if exact1 == exact2 {
		t.Fatal("distinct certificates share a thumbprint")
	}
	for _, tc := range tests {
		got, err := s.Select(tc.name)
		if tc.want == "" {
			if !errors.Is(err, ErrNoMatch) {
				t.Errorf("Select(%q): err %v, want ErrNoMatch", tc.name, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Select(%q): %v", tc.name, err)
			continue
		}
		if tp := Thumbprint(got.Leaf.Raw); tp != tc.want {
			t.Errorf("Select(%q) = %s, want %s", tc.name, tp, tc.want)
		}
	}
}

func TestSelectExpiredFallsBackToWildcard(t *testing.T) {
	t.Parallel()
	s := openStore(t, t.TempDir(), func() time.Time { return testNow })
	importPair(t, s, "old.example.com", []string{"old.example.com"}, testNow.Add(-48*time.Hour), testNow.Add(-time.Hour))
	wild := importPair(t, s, "*.example.com", []string{"*.example.com"}, testNow.Add(-time.Hour), testNow.Add(time.Hour))
	got, err := s.Select("old.example.com")
	if err != nil || Thumbprint(got.Leaf.Raw) != wild {
		t.Fatalf("Select = %v, %v; want the wildcard", got, err)
	}
}

// FuzzMatch checks that name matching never panics and that a wildcard
// match always stands for exactly one non-empty left-most label.
func FuzzMatch(f *testing.F) {
	for _, s := range []string{"mail.example.com", "a.example.com", ".example.com", "example.com", "a..example.com", "::1", "*.example.com", "A.EXAMPLE.COM."} {
		f.Add(s)
	}
	pair := func(names ...string) *entry {
		e := &entry{}
		for _, n := range names {
			e.names = append(e.names, foldName(n))
		}
		return e
	}
	wild := pair("*.example.com")
	f.Fuzz(func(t *testing.T, name string) {
		name = foldName(name)
		if wild.match(name) == wildcardMatch {
			label, rest, ok := strings.Cut(name, ".")
			if !ok || label == "" || rest != "example.com" {
				t.Fatalf("%q matched *.example.com", name)
			}
		}
	})
}

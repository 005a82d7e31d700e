package lang

import "testing"

func TestWildcard(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		p, s string
		want bool
	}{
		{"*ConnectionSettings", "ExternalConnectionSettings", true},
		{"*bindings", "SSLBindings", true},
		{"*Bindings", "SSLBinding", false},
		{"MSExchange*BE", "MSExchangePOP3BE", true},
		{"MSExchangePOP?", "MSExchangePOP3", true},
		{"MSExchange[IP]*", "MSExchangeIMAP4", true},
		{"MSExchange[a-h]*", "MSExchangeIMAP4", false},
		{"a*b*c", "aXbYbZc", true},
		{"[", "[", true},
		{"*", "", true},
	} {
		if got := WildcardMatch(tc.p, tc.s); got != tc.want {
			t.Errorf("WildcardMatch(%q, %q) = %v", tc.p, tc.s, got)
		}
	}
}

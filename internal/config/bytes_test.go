package config

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestParseByteQuantity(t *testing.T) {
	t.Parallel()
	good := []struct {
		in   string
		want uint64
	}{
		{"0", 0},
		{"1", 1},
		{"2MB", 2 << 20},
		{"2 MB", 2 << 20},
		{"2 mb", 2 << 20},
		{"36MB", 36 << 20},
		{"  36  Mb  ", 36 << 20},
		{"10B", 10},
		{"1KB", 1024},
		{"1kb", 1024},
		{"3GB", 3 << 30},
		{"1TB", 1 << 40},
		{"1.5 KB", 1536},
		{"0.1 KB", 102}, // 102.4 rounds down
		{"2 MB (2,097,152 bytes)", 2 << 20},
		{"1.899 GB (2,039,480,320 bytes)", 2039480320},
		{"0 B (0 bytes)", 0},
		{"18446744073709551615", 1<<64 - 1},
		{"16777215.999999999999 TB", 1<<64 - 2}, // 2^64 - 1.0995..., rounded down
	}
	for _, tc := range good {
		got, err := ParseByteQuantity(tc.in)
		if err != nil {
			t.Errorf("ParseByteQuantity(%q): %v", tc.in, err)
			continue
		}
		if n, ok := got.Bytes(); !ok || n != tc.want {
			t.Errorf("ParseByteQuantity(%q) = %d, want %d", tc.in, n, tc.want)
		}
	}
	for _, in := range []string{"unlimited", "Unlimited", " UNLIMITED "} {
		got, err := ParseByteQuantity(in)
		if err != nil || !got.IsUnlimited() {
			t.Errorf("ParseByteQuantity(%q) = %v, %v; want unlimited", in, got, err)
		}
	}
	bad := []string{
		"", "MB", "-1", "-1MB", "+1", "1 PB", "1 M", "1MiB", "1.", ".5", "1..5", "1.2.3", "1e3",
		"18446744073709551616", "16777216TB", "1,024", "2 MB (2,097,152 bytes", "2 MB (bytes)",
		"2 MB (,2 bytes)", "(5 bytes)", "x (5 bytes)", "unlimitedx", "infinite", "0x10",
	}
	for _, in := range bad {
		_, err := ParseByteQuantity(in)
		if !errors.Is(err, ErrSyntax) {
			t.Errorf("ParseByteQuantity(%q) error = %v, want ErrSyntax", in, err)
		}
	}
}

func TestByteQuantityString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		q    ByteQuantity
		want string
	}{
		{Unlimited(), "Unlimited"},
		{ByteQuantity{}, "0 B (0 bytes)"},
		{Bytes(1023), "1023 B (1,023 bytes)"},
		{Bytes(1024), "1 KB (1,024 bytes)"},
		{Bytes(1536), "1.5 KB (1,536 bytes)"},
		{Bytes(2 << 20), "2 MB (2,097,152 bytes)"},
		{Bytes(36 << 20), "36 MB (37,748,736 bytes)"},
		{Bytes(2039480320), "1.899 GB (2,039,480,320 bytes)"},
		{Bytes(2469396480), "2.3 GB (2,469,396,480 bytes)"},
		{Bytes(1<<30 - 1), "1024 MB (1,073,741,823 bytes)"},
		{Bytes(1 << 40), "1 TB (1,099,511,627,776 bytes)"},
		{Bytes(1<<64 - 1), "16777216 TB (18,446,744,073,709,551,615 bytes)"},
	}
	for _, tc := range tests {
		if got := tc.q.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
}

func TestByteQuantityJSON(t *testing.T) {
	t.Parallel()
	for _, q := range []ByteQuantity{Unlimited(), Bytes(0), Bytes(36 << 20), Bytes(12345)} {
		b, err := json.Marshal(q)
		if err != nil {
			t.Fatal(err)
		}
		var back ByteQuantity
		if err := json.Unmarshal(b, &back); err != nil || back != q {
			t.Errorf("round trip of %v via %s = %v, %v", q, b, back, err)
		}
	}
	var q ByteQuantity
	if err := json.Unmarshal([]byte(`"lots"`), &q); err == nil {
		t.Error("Unmarshal of a bad quantity succeeded")
	}
}

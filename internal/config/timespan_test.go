package config

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func TestParseTimeSpan(t *testing.T) {
	t.Parallel()
	day := 24 * time.Hour
	good := []struct {
		in   string
		want time.Duration
		disp string
	}{
		{"00:30:00", 30 * time.Minute, "00:30:00"},
		{"00:00:00", 0, "00:00:00"},
		{"1:00:00", time.Hour, "01:00:00"},
		{"0:0:30", 30 * time.Second, "00:00:30"},
		{" 00:01:00 ", time.Minute, "00:01:00"},
		{"23:59:59", day - time.Second, "23:59:59"},
		{"1.00:00:00", day, "1.00:00:00"},
		{"12.03:04:05", 12*day + 3*time.Hour + 4*time.Minute + 5*time.Second, "12.03:04:05"},
		{"00.00:00:01", time.Second, "00:00:01"},
		{"106750.23:59:59", 106750*day + day - time.Second, "106750.23:59:59"},
	}
	for _, tc := range good {
		got, err := ParseTimeSpan(tc.in)
		if err != nil {
			t.Errorf("ParseTimeSpan(%q): %v", tc.in, err)
			continue
		}
		if got.Duration() != tc.want || got.String() != tc.disp {
			t.Errorf("ParseTimeSpan(%q) = %v (%s), want %v (%s)", tc.in, got.Duration(), got, tc.want, tc.disp)
		}
	}
	bad := []string{
		"", " ", "30", "00:30", "24:00:00", "00:60:00", "00:00:60", "-00:00:30", "+00:00:30",
		"00:00:30.5", "1.2.00:00:00", ".00:00:00", "1.", "a:00:00", "000:00:00", "00:000:00",
		"106751.00:00:00", "1234567.00:00:00", "00:00:00:00", "00 :00:00", "1d", "PT30M",
	}
	for _, in := range bad {
		_, err := ParseTimeSpan(in)
		if !errors.Is(err, ErrSyntax) {
			t.Errorf("ParseTimeSpan(%q) error = %v, want ErrSyntax", in, err)
		}
	}
}

func TestTimeSpanString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "00:00:00"},
		{30 * time.Minute, "00:30:00"},
		{24 * time.Hour, "1.00:00:00"},
		{36*time.Hour + time.Second, "1.12:00:01"},
		{-30 * time.Second, "-00:00:30"},
		{1500 * time.Millisecond, "00:00:01.5000000"},
		{time.Duration(-1 << 63), "-106751.23:47:16.8547758"},
	}
	for _, tc := range tests {
		if got := TimeSpan(tc.d).String(); got != tc.want {
			t.Errorf("TimeSpan(%v).String() = %q, want %q", tc.d, got, tc.want)
		}
	}
}

func TestTimeSpanJSON(t *testing.T) {
	t.Parallel()
	in := struct{ T TimeSpan }{TimeSpan(90 * time.Minute)}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"T":"01:30:00"}` {
		t.Errorf("Marshal = %s", b)
	}
	var out struct{ T TimeSpan }
	if err := json.Unmarshal(b, &out); err != nil || out != in {
		t.Errorf("Unmarshal = %v, %v", out, err)
	}
	if err := json.Unmarshal([]byte(`{"T":"90"}`), &out); err == nil {
		t.Error("Unmarshal of a bad time span succeeded")
	}
}

package wire

import (
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	t.Parallel()
	good := map[string]time.Time{
		"1-Feb-1994":  time.Date(1994, 2, 1, 0, 0, 0, 0, time.UTC),
		"01-feb-1994": time.Date(1994, 2, 1, 0, 0, 0, 0, time.UTC),
		"29-FEB-2000": time.Date(2000, 2, 29, 0, 0, 0, 0, time.UTC),
		"31-Dec-9999": time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC),
	}
	for in, want := range good {
		if got, err := ParseDate(in); err != nil || !got.Equal(want) {
			t.Errorf("ParseDate(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "1-Feb-94", "001-Feb-1994", "0-Feb-1994", "32-Jan-1994", "29-Feb-1999", "30-Feb-2000",
		"1-Fbr-1994", "1-Fe-1994", "1 Feb 1994", "1-Feb-1994 ", "a-Feb-1994", "1-Feb-199x", "1-ebm-1994", "-1-Feb-1994"} {
		if _, err := ParseDate(in); err == nil {
			t.Errorf("ParseDate(%q) accepted", in)
		}
	}
}

func TestParseDateTime(t *testing.T) {
	t.Parallel()
	want := time.Date(1994, 2, 1, 21, 35, 11, 0, time.UTC)
	for _, in := range []string{"01-Feb-1994 21:35:11 +0000", " 1-Feb-1994 21:35:11 +0000", "1-Feb-1994 21:35:11 +0000",
		"01-Feb-1994 13:35:11 -0800", "02-Feb-1994 07:05:11 +0930"} {
		if got, err := ParseDateTime(in); err != nil || !got.Equal(want) {
			t.Errorf("ParseDateTime(%q) = %v, %v", in, got, err)
		}
	}
	if got, _ := ParseDateTime("01-Feb-1994 13:35:11 -0800"); FormatDateTime(got) != "01-Feb-1994 13:35:11 -0800" {
		t.Errorf("round trip %q", FormatDateTime(got))
	}
	for _, in := range []string{"", "01-Feb-1994", "01-Feb-1994 21:35:11", "01-Feb-1994 24:00:00 +0000", "01-Feb-1994 21:60:11 +0000",
		"01-Feb-1994 21:35:60 +0000", "01-Feb-1994 21:35:11 0000", "01-Feb-1994 21:35:11 +000", "01-Feb-1994 21:35:11 +2400",
		"01-Feb-1994 21:35:11 +0060", "01-Feb-1994  21:35:11 +0000", "  1-Feb-1994 21:35:11 +0000", "01-Feb-1994 2:35:11 +0000",
		"01-Feb-1994 21.35.11 +0000", "01-Feb-1994 21:35:11 +0000 ", "30-Feb-1994 21:35:11 +0000"} {
		if _, err := ParseDateTime(in); err == nil {
			t.Errorf("ParseDateTime(%q) accepted", in)
		}
	}
}

func TestDateArgs(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"1-Feb-1994", `"1-Feb-1994"`} {
		if d, err := parseOne(t, in, (*Parser).Date); err != nil || FormatDate(d) != "1-Feb-1994" {
			t.Errorf("Date(%q) = %v, %v", in, d, err)
		}
	}
	if _, err := parseOne(t, "1-Feb-1994x", (*Parser).Date); err == nil {
		t.Error("bad date accepted")
	}
	if d, err := parseOne(t, `"07-Feb-1994 21:52:25 -0800"`, (*Parser).DateTime); err != nil || FormatDateTime(d) != "07-Feb-1994 21:52:25 -0800" {
		t.Errorf("DateTime = %v, %v", d, err)
	}
	for _, in := range []string{"07-Feb-1994", `"07-Feb-1994"`, "{26}\r\n07-Feb-1994 21:52:25 -0800"} {
		if _, err := parseOne(t, in, (*Parser).DateTime); err == nil {
			t.Errorf("DateTime(%q) accepted", in)
		}
	}
}

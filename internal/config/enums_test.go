package config

import (
	"encoding/json"
	"errors"
	"testing"
)

// enumCase checks one enum: every name and number parses (names in any
// case), one past each numeric edge fails, and String returns the name.
type enumCase struct {
	typ   string
	first int
	names []string
	parse func(string) (int, error)
	str   func(int) string
}

func enumCases() []enumCase {
	return []enumCase{
		{"LoginType", 1, []string{"PlainTextLogin", "PlainTextAuthentication", "SecureLogin"},
			func(s string) (int, error) { v, err := ParseLoginType(s); return int(v), err },
			func(v int) string { return LoginType(v).String() }},
		{"CalendarItemRetrievalOption", 0, []string{"iCalendar", "IntranetUrl", "InternetUrl", "Custom"},
			func(s string) (int, error) { v, err := ParseCalendarItemRetrievalOption(s); return int(v), err },
			func(v int) string { return CalendarItemRetrievalOption(v).String() }},
		{"MimeFormat", 0, []string{"TextOnly", "HtmlOnly", "HtmlAndTextAlternative", "TextEnrichedOnly",
			"TextEnrichedAndTextAlternative", "BestBodyFormat", "Tnef"},
			func(s string) (int, error) { v, err := ParseMimeFormat(s); return int(v), err },
			func(v int) string { return MimeFormat(v).String() }},
		{"SortOrder", 0, []string{"Ascending", "Descending"},
			func(s string) (int, error) { v, err := ParseSortOrder(s); return int(v), err },
			func(v int) string { return SortOrder(v).String() }},
		{"ExtendedProtectionPolicy", 0, []string{"None", "Allow", "Require"},
			func(s string) (int, error) { v, err := ParseExtendedProtectionPolicy(s); return int(v), err },
			func(v int) string { return ExtendedProtectionPolicy(v).String() }},
		{"RollOver", 1, []string{"Hourly", "Daily", "Weekly", "Monthly"},
			func(s string) (int, error) { v, err := ParseRollOver(s); return int(v), err },
			func(v int) string { return RollOver(v).String() }},
	}
}

func TestEnums(t *testing.T) {
	t.Parallel()
	for _, ec := range enumCases() {
		for i, name := range ec.names {
			want := ec.first + i
			for _, in := range []string{name, lower(name), upper(name), " " + name + " ", itoa(want)} {
				got, err := ec.parse(in)
				if err != nil || got != want {
					t.Errorf("%s: parse(%q) = %d, %v; want %d", ec.typ, in, got, err, want)
				}
			}
			if got := ec.str(want); got != name {
				t.Errorf("%s: String(%d) = %q, want %q", ec.typ, want, got, name)
			}
		}
		last := ec.first + len(ec.names) - 1
		for _, in := range []string{itoa(ec.first - 1), itoa(last + 1), "", "x", "-1", "1.0", ec.names[0] + "x", "99999999999"} {
			if _, err := ec.parse(in); !errors.Is(err, ErrSyntax) {
				t.Errorf("%s: parse(%q) error = %v, want ErrSyntax", ec.typ, in, err)
			}
		}
		if got := ec.str(last + 1); got != itoa(last+1) {
			t.Errorf("%s: String of an undefined value = %q", ec.typ, got)
		}
	}
}

func TestEnumErrorText(t *testing.T) {
	t.Parallel()
	_, err := ParseLoginType("Secure")
	want := `Cannot convert value "Secure" to type LoginOptions. Valid values: PlainTextLogin (1), PlainTextAuthentication (2), SecureLogin (3).`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v\nwant    %s", err, want)
	}
}

func TestEnumJSON(t *testing.T) {
	t.Parallel()
	type doc struct {
		L LoginType
		C CalendarItemRetrievalOption
		M MimeFormat
		S SortOrder
		E ExtendedProtectionPolicy
		R RollOver
	}
	in := doc{PlainTextAuthentication, CalendarCustom, TNEF, SortDescending, ExtendedProtectionRequire, RollOverMonthly}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"L":"PlainTextAuthentication","C":"Custom","M":"Tnef","S":"Descending","E":"Require","R":"Monthly"}`
	if string(b) != want {
		t.Errorf("Marshal = %s\nwant      %s", b, want)
	}
	var out doc
	if err := json.Unmarshal(b, &out); err != nil || out != in {
		t.Errorf("Unmarshal = %+v, %v", out, err)
	}
	if err := json.Unmarshal([]byte(`{"L":"2","R":"daily"}`), &out); err != nil || out.L != PlainTextAuthentication || out.R != RollOverDaily {
		t.Errorf("Unmarshal of number and lower case = %+v, %v", out, err)
	}
	if err := json.Unmarshal([]byte(`{"L":"Bogus"}`), &out); err == nil {
		t.Error("Unmarshal of an unknown name succeeded")
	}
}

func TestParseBool(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"$true", "$TRUE", "true", "True", "1", " $True "} {
		if v, err := ParseBool(in); err != nil || !v {
			t.Errorf("ParseBool(%q) = %v, %v", in, v, err)
		}
	}
	for _, in := range []string{"$false", "$False", "false", "FALSE", "0"} {
		if v, err := ParseBool(in); err != nil || v {
			t.Errorf("ParseBool(%q) = %v, %v", in, v, err)
		}
	}
	for _, in := range []string{"", "yes", "no", "2", "-1", "$null", "t", "on"} {
		if _, err := ParseBool(in); !errors.Is(err, ErrSyntax) {
			t.Errorf("ParseBool(%q) error = %v, want ErrSyntax", in, err)
		}
	}
	if FormatBool(true) != "True" || FormatBool(false) != "False" {
		t.Error("FormatBool does not give True/False")
	}
}

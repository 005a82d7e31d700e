package config

import (
	"reflect"
	"testing"
)

// roundTrip checks that a parsed value's display form parses back to the
// same value and the same display form.
func roundTrip[V comparable](t *testing.T, in string, parse func(string) (V, error), str func(V) string) {
	v, err := parse(in)
	if err != nil {
		_ = err.Error()
		return
	}
	s := str(v)
	back, err := parse(s)
	if err != nil {
		t.Fatalf("parse(%q) = %v, but its display %q does not parse: %v", in, v, s, err)
	}
	if back != v || str(back) != s {
		t.Fatalf("parse(%q) = %v (%q), display parses back as %v (%q)", in, v, s, back, str(back))
	}
}

func FuzzParseTimeSpan(f *testing.F) {
	for _, s := range []string{"00:30:00", "1.00:00:00", "1:0:0", "106750.23:59:59", "24:00:00", "-1:00:00", "1.", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) { roundTrip(t, in, ParseTimeSpan, TimeSpan.String) })
}

func FuzzParseByteQuantity(f *testing.F) {
	for _, s := range []string{"2MB", "2 MB", "36mb", "unlimited", "0", "1.5 GB", "2 MB (2,097,152 bytes)", "18446744073709551615", "16777216TB"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) { roundTrip(t, in, ParseByteQuantity, ByteQuantity.String) })
}

func FuzzParseConnectionSetting(f *testing.F) {
	for _, s := range []string{"mail.contoso.com:995:SSL", "a:110:tls", "a:110", "a:110:", "[2001:db8::1]:995:SSL", "[::ffff:1.2.3.4]:1", "a:65536"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) { roundTrip(t, in, ParseConnectionSetting, ConnectionSetting.String) })
}

func FuzzParseBinding(f *testing.F) {
	for _, s := range []string{"0.0.0.0:995", "[::]:995", "127.0.0.1:0", "[fe80::1%eth0]:993", "[::ffff:1.2.3.4]:1", "1.2.3.4:65536"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) { roundTrip(t, in, ParseBinding, Binding.String) })
}

// FuzzProtocolSet checks Set as the CLI and shell drive it: no panic; a
// failure leaves the settings unchanged; a success leaves them valid, and
// setting a single-valued parameter to its displayed value changes nothing.
func FuzzProtocolSet(f *testing.F) {
	f.Add(true, "MaxCommandSize", "512")
	f.Add(false, "SSLBindings", "[::]:993,0.0.0.0:1")
	f.Add(true, "LogPerFileSizeQuota", "2 MB")
	f.Add(false, "ShowHiddenFoldersEnabled", "$true")
	f.Add(true, "Banner", "hi\r\n")
	f.Fuzz(func(t *testing.T, pop bool, name, text string) {
		s := DefaultImapSettings(fqdn)
		if pop {
			s = DefaultPopSettings(fqdn)
		}
		before := s
		if err := s.Set(name, text); err != nil {
			_ = err.Error()
			if !reflect.DeepEqual(s, before) {
				t.Fatalf("Set(%q, %q) failed (%v) but changed the settings", name, text, err)
			}
			return
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("Set(%q, %q) succeeded but Validate fails: %v", name, text, err)
		}
		shown, err := s.Get(name)
		if err != nil {
			t.Fatalf("Get(%q) after Set: %v", name, err)
		}
		if len(shown) > 0 && shown[0] == '{' {
			return // lists display as {a, b}; the CLI form is tested elsewhere
		}
		again := s
		if err := again.Set(name, shown); err != nil || !reflect.DeepEqual(again, s) {
			t.Fatalf("Set(%q, %q) then Set(display %q) = %v, changed %v", name, text, shown, err, !reflect.DeepEqual(again, s))
		}
	})
}

package config

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// portZeroError is the refusal of a listener on port 0, for parameter
// param and binding value.
func portZeroError(param, value string) string {
	return "Cannot validate argument on parameter '" + param + "'. The value " + value +
		" is not in the valid range 1-65535 for the port (port 0 would listen on a different free port at every service start)."
}

func TestParseBindingReadsPortZero(t *testing.T) {
	t.Parallel()
	// The syntax stays readable: the settings refuse port 0, not the parser.
	b, err := ParseBinding("127.0.0.1:0")
	if err != nil || b.Port() != 0 || b.String() != "127.0.0.1:0" {
		t.Errorf("ParseBinding(127.0.0.1:0) = %v, %v", b, err)
	}
}

func TestCheckListenBindings(t *testing.T) {
	t.Parallel()
	if err := CheckListenBindings("SSLBindings", nil); err != nil {
		t.Errorf("empty list: %v", err)
	}
	if err := CheckListenBindings("SSLBindings", mustBindings(t, "[::]:995", "0.0.0.0:1", "127.0.0.1:65535")); err != nil {
		t.Errorf("real ports: %v", err)
	}
	err := CheckListenBindings("LmtpBindings", mustBindings(t, "127.0.0.1:24", "[::1]:0"))
	var pe *ParamError
	if !errors.Is(err, ErrOutOfRange) || !errors.As(err, &pe) || pe.Param != "LmtpBindings" || pe.Value != "[::1]:0" {
		t.Fatalf("port 0: %#v", err)
	}
	if want := portZeroError("LmtpBindings", "[::1]:0"); err.Error() != want {
		t.Errorf("error\n%s\nwant\n%s", err, want)
	}
}

func TestConnectorRefusesPortZero(t *testing.T) {
	t.Parallel()
	c := DefaultConnectors("EX01", fqdn)[0]
	before := c
	err := c.Set("Bindings", "127.0.0.1:2587,127.0.0.1:0")
	if err == nil || err.Error() != portZeroError("Bindings", "127.0.0.1:0") || !reflect.DeepEqual(c, before) {
		t.Errorf("Set(Bindings, 127.0.0.1:0) = %v, changed %v", err, !reflect.DeepEqual(c, before))
	}
	ch, err := ConnectorChange("bindings", "0.0.0.0:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Apply(ch); !errors.Is(err, ErrOutOfRange) {
		t.Errorf("Apply(Bindings 0.0.0.0:0) = %v", err)
	}
	n := NewReceiveConnector("New", UsageCustom, fqdn, mustBindings(t, "127.0.0.1:0"))
	if err := ValidateConnectors([]ReceiveConnector{n}); !errors.Is(err, ErrOutOfRange) {
		t.Errorf("ValidateConnectors with port 0 = %v", err)
	}
}

func TestWebRefusesPortZero(t *testing.T) {
	t.Parallel()
	w := DefaultWebSettings(fqdn)
	before := w
	err := w.Set("Bindings", "127.0.0.1:0")
	if err == nil || err.Error() != portZeroError("Bindings", "127.0.0.1:0") || !reflect.DeepEqual(w, before) {
		t.Errorf("Set(Bindings, 127.0.0.1:0) = %v, changed %v", err, !reflect.DeepEqual(w, before))
	}
	if err := w.Set("Bindings", "127.0.0.1:8443"); err != nil || w.Bindings[0].Port() != 8443 {
		t.Errorf("Set(Bindings, 127.0.0.1:8443) = %v, %v", err, w.Bindings)
	}
}

// A document stored before port 0 was refused still loads, so that the
// services start and the binding can be corrected or removed; writing it
// back unchanged is refused.
func TestStoredPortZeroLoads(t *testing.T) {
	t.Parallel()
	s, err := LoadProtocolSettings([]byte(`{"SSLBindings":["127.0.0.1:0"],"UnencryptedOrTLSBindings":["127.0.0.1:0","127.0.0.1:10143"]}`), "IMAP4", fqdn)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err == nil || err.Error() != portZeroError("UnencryptedOrTLSBindings", "127.0.0.1:0") {
		t.Errorf("Validate = %v", err)
	}
	// An unrelated change is refused until the binding is fixed...
	if err := s.Set("Banner", "hi"); !errors.Is(err, ErrOutOfRange) {
		t.Errorf("Set(Banner) with port 0 stored = %v", err)
	}
	// ...which Remove and Set do.
	err = s.Apply(Change{Name: "UnencryptedOrTLSBindings", Op: OpRemove, Values: []string{"127.0.0.1:0"}},
		Change{Name: "SSLBindings", Values: []string{"127.0.0.1:10993"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Get("UnencryptedOrTLSBindings"); got != "{127.0.0.1:10143}" {
		t.Errorf("after Remove: %s", got)
	}

	list, err := LoadConnectors([]byte(`[{"Name":"Old","Bindings":["127.0.0.1:0"]}]`), fqdn)
	if err != nil {
		t.Fatal(err)
	}
	if err := ValidateConnectors(list); !errors.Is(err, ErrOutOfRange) || !strings.Contains(err.Error(), "'Bindings'") {
		t.Errorf("ValidateConnectors = %v", err)
	}
	if err := list[0].Set("Bindings", "127.0.0.1:2525"); err != nil {
		t.Error(err)
	}
}

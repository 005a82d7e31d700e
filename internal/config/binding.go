package config

import (
	"net/netip"
	"strings"
)

// Binding is one entry of SSLBindings or UnencryptedOrTLSBindings: the
// local IP address and port a listener binds, written IP:Port, e.g.
// 0.0.0.0:995 or [::]:995. ParseBinding reads port 0 (any free port), but
// the settings refuse it for a listener (CheckListenBindings). Convert to
// and from netip.AddrPort freely.
type Binding netip.AddrPort

// bindingSyntax describes the accepted input, for error messages. It names
// the ports a listener may use; ParseBinding also reads port 0, which
// CheckListenBindings refuses.
const bindingSyntax = "IP:Port with port 1-65535 and an IPv6 address in brackets (for example 0.0.0.0:995 or [::]:995)"

// ParseBinding parses IP:Port, with surrounding spaces ignored. The IP is
// an IPv4 address or a bracketed IPv6 address; an interface zone of
// letters, digits, '-', '_' and '.' is allowed ([fe80::1%eth0]:995). Host
// names are refused.
func ParseBinding(text string) (Binding, error) {
	ap, err := netip.ParseAddrPort(strings.TrimSpace(text))
	if err != nil || !validZone(ap.Addr().Zone()) {
		return Binding{}, syntaxError("IPBinding", text, bindingSyntax)
	}
	return Binding(ap), nil
}

// listenPortRange is the valid range of a listener's port, for the error
// message of CheckListenBindings.
const listenPortRange = "1-65535 for the port (port 0 would listen on a different free port at every service start)"

// CheckListenBindings refuses a binding on port 0 in a listener list, the
// settings parameter param (SSLBindings, UnencryptedOrTLSBindings,
// LmtpBindings, a receive connector's or the web service's Bindings): port
// 0 asks the system for any free port, a different one every time the
// service starts, so clients set up for the old port would break. The
// error is an ErrOutOfRange *ParamError naming param and the binding.
//
// The check belongs to the settings, not to ParseBinding: the syntax
// IP:0 stays readable so that a binding stored before the rule can be
// loaded and removed (@{Remove="127.0.0.1:0"}).
func CheckListenBindings(param string, list []Binding) error {
	for _, b := range list {
		if b.Port() == 0 {
			return &ParamError{Param: param, Value: b.String(), Allowed: listenPortRange, Kind: ErrOutOfRange}
		}
	}
	return nil
}

// validZone reports whether an IPv6 zone is empty or an interface name of
// letters, digits, '-', '_' and '.'.
func validZone(z string) bool {
	for i := 0; i < len(z); i++ {
		c := z[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// NewBinding returns the binding of addr and port.
func NewBinding(addr netip.Addr, port uint16) Binding {
	return Binding(netip.AddrPortFrom(addr, port))
}

// AddrPort returns b as a netip.AddrPort.
func (b Binding) AddrPort() netip.AddrPort { return netip.AddrPort(b) }

// Addr returns the IP address.
func (b Binding) Addr() netip.Addr { return netip.AddrPort(b).Addr() }

// Port returns the port; 0 means any free port.
func (b Binding) Port() uint16 { return netip.AddrPort(b).Port() }

// IsValid reports whether b holds an address (the zero Binding does not).
func (b Binding) IsValid() bool { return netip.AddrPort(b).IsValid() }

// String returns the Exchange form, e.g. [::]:995 or 0.0.0.0:995.
func (b Binding) String() string { return netip.AddrPort(b).String() }

// key identifies b for duplicate detection and Remove.
func (b Binding) key() string { return b.String() }

// MarshalText encodes b as IP:Port.
func (b Binding) MarshalText() ([]byte, error) { return []byte(b.String()), nil }

// UnmarshalText decodes the syntax accepted by ParseBinding.
func (b *Binding) UnmarshalText(t []byte) error {
	v, err := ParseBinding(string(t))
	if err != nil {
		return err
	}
	*b = v
	return nil
}

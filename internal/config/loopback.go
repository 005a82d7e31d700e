package config

import "net/netip"

// LoopbackBindings returns the bindings moved to 127.0.0.1, one per port
// in their order: [::]:995 and 0.0.0.0:995 both become 127.0.0.1:995. It is
// how `postern serve --local` creates a server that only this machine can
// reach.
func LoopbackBindings(list []Binding) []Binding {
	return BindingsOn(list, netip.MustParseAddr("127.0.0.1"))
}

// BindingsOn returns the bindings moved to one address, one per port in
// their order (`postern serve --local --address 127.0.0.2`).
func BindingsOn(list []Binding, ip netip.Addr) []Binding {
	seen := map[uint16]bool{}
	var out []Binding
	for _, b := range list {
		if !seen[b.Port()] {
			seen[b.Port()] = true
			out = append(out, NewBinding(ip, b.Port()))
		}
	}
	return out
}

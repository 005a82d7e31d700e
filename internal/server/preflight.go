package server

import (
	"context"
	"fmt"
	"net"
)

// preflight checks, before a running service is stopped for a restart,
// that it can have every address its settings now name: one whose port
// it holds now (it is freed by the stop), or one that can be bound now. A
// restart that would fail to listen is refused while the service still
// runs with its old listeners, instead of leaving it stopped.
func (s *Server) preflight(ctx context.Context, sv *service) error {
	if sv.binds == nil {
		return nil
	}
	addrs, err := sv.binds(ctx)
	if err != nil {
		return err
	}
	sv.mu.Lock()
	var held []string
	if sv.running != nil {
		held = sv.running.listeners()
	}
	sv.mu.Unlock()
	heldPorts := map[string]bool{}
	for _, h := range held {
		if _, p, err := net.SplitHostPort(h); err == nil {
			heldPorts[p] = true
		}
	}
	for _, a := range addrs {
		_, p, err := net.SplitHostPort(a)
		if err != nil {
			return fmt.Errorf("%s: binding %q: %w", sv.name, a, err)
		}
		if heldPorts[p] && p != "0" {
			continue
		}
		ln, err := net.Listen("tcp", a)
		if err != nil {
			return fmt.Errorf("%s was not restarted, it goes on with its listeners %v: %w", sv.name, held, err)
		}
		ln.Close()
	}
	return nil
}

// frontendBinds are the addresses a protocol's frontend would listen on
// with the settings stored now.
func (s *Server) frontendBinds(p protocol) func(ctx context.Context) ([]string, error) {
	return func(ctx context.Context) ([]string, error) {
		ps, err := s.Settings(ctx, p.name)
		if err != nil {
			return nil, err
		}
		var out []string
		for _, l := range listens(ps) {
			out = append(out, l.Addr)
		}
		return out, nil
	}
}

package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/postern/postern/internal/config"
	"github.com/postern/postern/internal/directory"
)

// keyConnectors is the directory key of the receive connectors: one JSON
// list of config.ReceiveConnector per server (Get-ReceiveConnector).
const keyConnectors = "connectors"

// saveDefaultConnectors stores the connectors of a fresh server (spec
// 8.1), their ports shifted by offset like the other services'.
func (s *Server) saveDefaultConnectors(ctx context.Context, d defaults) error {
	list := config.DefaultConnectors(s.name, s.fqdn)
	for i := range list {
		list[i].Bindings = d.bindings(list[i].Bindings)
		if err := list[i].OffsetPorts(d.offset); err != nil {
			return err
		}
	}
	return s.saveConnectors(ctx, list)
}

func (s *Server) saveConnectors(ctx context.Context, list []config.ReceiveConnector) error {
	if err := config.ValidateConnectors(list); err != nil {
		return err
	}
	if list == nil {
		list = []config.ReceiveConnector{}
	}
	b, err := json.Marshal(list)
	if err != nil {
		return err
	}
	return s.dir.SetSetting(ctx, s.name, keyConnectors, b)
}

// Connectors returns the server's receive connectors in the order they
// were created. A data folder made before connectors existed gets the
// default ones, stored on first use (the smtp service, which starts with
// the server, is that first use).
func (s *Server) Connectors(ctx context.Context) ([]config.ReceiveConnector, error) {
	b, err := s.dir.Setting(ctx, s.name, keyConnectors)
	if errors.Is(err, directory.ErrNotFound) {
		if err := s.saveDefaultConnectors(ctx, defaults{}); err != nil {
			return nil, err
		}
		s.log.Info("created the default receive connectors")
		return config.DefaultConnectors(s.name, s.fqdn), nil
	}
	if err != nil {
		return nil, err
	}
	return config.LoadConnectors(b, s.fqdn)
}

// ConnectorIdentity is how Exchange shows a connector: Server\Name.
func (s *Server) ConnectorIdentity(c config.ReceiveConnector) string { return s.name + `\` + c.Name }

// findConnector returns the index of the connector named name (or
// Server\Name), ignoring case.
func (s *Server) findConnector(list []config.ReceiveConnector, name string) (int, error) {
	n := strings.TrimSpace(name)
	if server, rest, ok := strings.Cut(n, `\`); ok && strings.EqualFold(server, s.name) {
		n = rest
	}
	for i := range list {
		if strings.EqualFold(list[i].Name, n) {
			return i, nil
		}
	}
	return 0, fmt.Errorf("receive connector %q: %w", name, directory.ErrNotFound)
}

// Connector returns one receive connector (Get-ReceiveConnector NAME).
func (s *Server) Connector(ctx context.Context, name string) (config.ReceiveConnector, error) {
	list, err := s.Connectors(ctx)
	if err != nil {
		return config.ReceiveConnector{}, err
	}
	i, err := s.findConnector(list, name)
	if err != nil {
		return config.ReceiveConnector{}, err
	}
	return list[i], nil
}

// NewConnector creates a receive connector from the usage's template, with
// edit applied (New-ReceiveConnector; edit must set Bindings). Nothing is
// stored on error. The running smtp service opens it when restarted.
func (s *Server) NewConnector(ctx context.Context, name string, usage config.ConnectorUsage, edit func(*config.ReceiveConnector) error) (config.ReceiveConnector, error) {
	list, err := s.Connectors(ctx)
	if err != nil {
		return config.ReceiveConnector{}, err
	}
	if _, err := s.findConnector(list, name); err == nil {
		return config.ReceiveConnector{}, fmt.Errorf("receive connector %q: %w", name, directory.ErrExists)
	}
	c, err := editCopy(config.NewReceiveConnector(name, usage, s.fqdn, nil), edit)
	if err != nil {
		return c, err
	}
	return c, s.saveConnectors(ctx, append(list, c))
}

// UpdateConnector edits a receive connector (Set-ReceiveConnector); the
// edit works on a copy and nothing is stored on error, including a clash
// with another connector.
func (s *Server) UpdateConnector(ctx context.Context, name string, edit func(*config.ReceiveConnector) error) (config.ReceiveConnector, error) {
	list, err := s.Connectors(ctx)
	if err != nil {
		return config.ReceiveConnector{}, err
	}
	i, err := s.findConnector(list, name)
	if err != nil {
		return config.ReceiveConnector{}, err
	}
	c, err := editCopy(list[i], edit)
	if err != nil {
		return list[i], err
	}
	next := append([]config.ReceiveConnector(nil), list...)
	next[i] = c
	if err := s.saveConnectors(ctx, next); err != nil {
		return list[i], err
	}
	return c, nil
}

// RemoveConnector deletes a receive connector (Remove-ReceiveConnector).
func (s *Server) RemoveConnector(ctx context.Context, name string) error {
	list, err := s.Connectors(ctx)
	if err != nil {
		return err
	}
	i, err := s.findConnector(list, name)
	if err != nil {
		return err
	}
	return s.saveConnectors(ctx, append(list[:i:i], list[i+1:]...))
}

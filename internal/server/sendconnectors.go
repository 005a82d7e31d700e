package server

import (
	"context"
	"fmt"
	"strings"

	"github.com/postern/postern/internal/config"
	"github.com/postern/postern/internal/directory"
)

// SendConnectors lists the send connectors.
func (s *Server) SendConnectors(ctx context.Context) ([]config.SendConnector, error) {
	tr, err := s.Transport(ctx)
	return tr.SendConnectors, err
}

// EditSendConnector creates (create true) or changes a send connector.
func (s *Server) EditSendConnector(ctx context.Context, name string, create bool, edit func(*config.SendConnector) error) (config.SendConnector, error) {
	var out config.SendConnector
	_, err := s.UpdateTransport(ctx, func(tr *config.TransportSettings) error {
		i := findSendConnector(tr.SendConnectors, name)
		switch {
		case create && i >= 0:
			return fmt.Errorf("send connector %q: %w", name, directory.ErrExists)
		case !create && i < 0:
			return fmt.Errorf("send connector %q: %w", name, directory.ErrNotFound)
		}
		c := config.SendConnector{Name: name, Enabled: true, Port: 25, SmartHostAuthMechanism: config.SmartHostAuthNone}
		if !create {
			c = tr.SendConnectors[i]
		}
		if err := edit(&c); err != nil {
			return err
		}
		if err := c.Validate(); err != nil {
			return fmt.Errorf("send connector %q: %w", c.Name, err)
		}
		var err error
		if c.AuthenticationPassword, err = s.seal(c.AuthenticationPassword); err != nil {
			return fmt.Errorf("send connector %q: %w", c.Name, err)
		}
		if j := findSendConnector(tr.SendConnectors, c.Name); j >= 0 && j != i {
			return fmt.Errorf("send connector %q: %w", c.Name, directory.ErrExists)
		}
		list := append([]config.SendConnector(nil), tr.SendConnectors...)
		if create {
			list = append(list, c)
		} else {
			list[i] = c
		}
		tr.SendConnectors, out = list, c
		return nil
	})
	return out, err
}

// RemoveSendConnector removes a send connector.
func (s *Server) RemoveSendConnector(ctx context.Context, name string) error {
	_, err := s.UpdateTransport(ctx, func(tr *config.TransportSettings) error {
		i := findSendConnector(tr.SendConnectors, name)
		if i < 0 {
			return fmt.Errorf("send connector %q: %w", name, directory.ErrNotFound)
		}
		tr.SendConnectors = append(append([]config.SendConnector(nil), tr.SendConnectors[:i]...), tr.SendConnectors[i+1:]...)
		return nil
	})
	return err
}

func findSendConnector(list []config.SendConnector, name string) int {
	for i, c := range list {
		if strings.EqualFold(c.Name, name) {
			return i
		}
	}
	return -1
}

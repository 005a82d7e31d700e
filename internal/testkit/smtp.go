package testkit

import (
	"context"

	"github.com/postern/postern/internal/config"
)

// loopbackSMTP moves every receive connector to a free port on 127.0.0.1
// and restarts the smtp service.
func (s *Server) loopbackSMTP() {
	s.t.Helper()
	list, err := s.Connectors(context.Background())
	if err != nil {
		s.t.Fatal(err)
	}
	for _, c := range list {
		s.SetConnector(c.Name, map[string]string{"Bindings": FreeLoopbackAddr(s.t)})
	}
	s.RestartSMTP()
}

// SetConnector stores receive connector settings given as Name=Value
// texts, all validated together (not applied until RestartSMTP).
func (s *Server) SetConnector(name string, texts map[string]string) {
	s.t.Helper()
	if _, err := s.UpdateConnector(context.Background(), name, connectorEdit(texts)); err != nil {
		s.t.Fatal(err)
	}
}

// NewConnector creates a receive connector from a usage template (Client,
// Internet, Custom) and Name=Value texts (not opened until RestartSMTP).
func (s *Server) NewConnector(name string, usage config.ConnectorUsage, texts map[string]string) {
	s.t.Helper()
	if _, err := s.Server.NewConnector(context.Background(), name, usage, connectorEdit(texts)); err != nil {
		s.t.Fatal(err)
	}
}

func connectorEdit(texts map[string]string) func(*config.ReceiveConnector) error {
	return func(c *config.ReceiveConnector) error {
		var changes []config.Change
		for k, v := range texts {
			ch, err := config.ConnectorChange(k, v)
			if err != nil {
				return err
			}
			changes = append(changes, ch)
		}
		return c.Apply(changes...)
	}
}

// RestartSMTP restarts the smtp service and records the addresses of the
// default connectors.
func (s *Server) RestartSMTP() {
	s.t.Helper()
	if err := s.RestartService(context.Background(), "smtp"); err != nil {
		s.t.Fatal(err)
	}
	s.Submission = s.ConnectorAddr("Client Frontend " + s.Name())
	s.SMTP = s.ConnectorAddr("Default Frontend " + s.Name())
}

// ConnectorAddr returns the first address a receive connector listens
// on, or "" when it does not listen.
func (s *Server) ConnectorAddr(name string) string {
	st := s.ConnectorState(name)
	if len(st.Listening) == 0 {
		return ""
	}
	return st.Listening[0]
}

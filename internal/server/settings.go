package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/postern/postern/internal/config"
	"github.com/postern/postern/internal/directory"
)

// Directory keys of the settings documents.
const (
	keyPop3      = "pop3"
	keyTransport = "transport"
)

// TransportSettings are the transport service's settings.
type TransportSettings struct {
	// LmtpBindings are the LMTP listeners (RFC 2033) for outside MTAs and
	// load tools. Loopback by default: LMTP has no authentication.
	LmtpBindings []config.Binding `json:"LmtpBindings"`
	// MaxMessageSize bounds one message, in bytes.
	MaxMessageSize int64 `json:"MaxMessageSize"`
}

func defaultTransport() TransportSettings {
	b, _ := config.ParseBinding("127.0.0.1:24")
	return TransportSettings{LmtpBindings: []config.Binding{b}, MaxMessageSize: 36 << 20}
}

func (s *Server) saveDefaultSettings(ctx context.Context, offset int) error {
	pop := config.DefaultPopSettings(s.fqdn)
	tr := defaultTransport()
	if offset != 0 {
		if err := pop.OffsetPorts(offset); err != nil {
			return err
		}
		for i, b := range tr.LmtpBindings {
			tr.LmtpBindings[i] = config.NewBinding(b.Addr(), uint16(int(b.Port())+offset))
		}
	}
	if err := s.saveJSON(ctx, keyPop3, pop); err != nil {
		return err
	}
	if err := s.saveJSON(ctx, keyTransport, tr); err != nil {
		return err
	}
	for _, st := range []struct{ name, t string }{{"pop3", Manual}, {"pop3-backend", Manual}, {"transport", Automatic}} {
		if err := s.dir.SetStartupType(ctx, s.name, st.name, st.t); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) saveJSON(ctx context.Context, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return s.dir.SetSetting(ctx, s.name, key, b)
}

// PopSettings returns the stored POP3 settings (Get-PopSettings).
func (s *Server) PopSettings(ctx context.Context) (config.ProtocolSettings, error) {
	b, err := s.dir.Setting(ctx, s.name, keyPop3)
	if errors.Is(err, directory.ErrNotFound) {
		return config.DefaultPopSettings(s.fqdn), nil
	}
	if err != nil {
		return config.ProtocolSettings{}, err
	}
	return config.LoadProtocolSettings(b, config.ProtocolPOP3, s.fqdn)
}

// UpdatePopSettings edits the POP3 settings and stores them
// (Set-PopSettings). The edit works on a copy; on any error nothing is
// stored. Running services keep their settings until restarted, as in
// Exchange.
func (s *Server) UpdatePopSettings(ctx context.Context, edit func(*config.ProtocolSettings) error) (config.ProtocolSettings, error) {
	ps, err := s.PopSettings(ctx)
	if err != nil {
		return ps, err
	}
	c := ps
	if err := edit(&c); err != nil {
		return ps, err
	}
	if err := c.Validate(); err != nil {
		return ps, err
	}
	return c, s.saveJSON(ctx, keyPop3, c)
}

// Transport returns the transport settings.
func (s *Server) Transport(ctx context.Context) (TransportSettings, error) {
	tr := defaultTransport()
	b, err := s.dir.Setting(ctx, s.name, keyTransport)
	if errors.Is(err, directory.ErrNotFound) {
		return tr, nil
	}
	if err != nil {
		return tr, err
	}
	if err := json.Unmarshal(b, &tr); err != nil {
		return tr, fmt.Errorf("transport settings: %w", err)
	}
	return tr, nil
}

// SetTransportBindings replaces the LMTP bindings.
func (s *Server) SetTransportBindings(ctx context.Context, bindings []string) (TransportSettings, error) {
	tr, err := s.Transport(ctx)
	if err != nil {
		return tr, err
	}
	var list []config.Binding
	for _, text := range bindings {
		b, err := config.ParseBinding(text)
		if err != nil {
			return tr, err
		}
		list = append(list, b)
	}
	tr.LmtpBindings = list
	return tr, s.saveJSON(ctx, keyTransport, tr)
}

package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"

	"github.com/postern/postern/internal/admin/api"
	"github.com/postern/postern/internal/config"
	"github.com/postern/postern/internal/directory"
)

// Directory keys of the settings documents.
const (
	keyPop3      = "pop3"
	keyImap4     = "imap4"
	keyTransport = "transport"
)

// defaults says how a fresh server's default settings are made.
type defaults struct {
	offset int  // added to every default port
	local  bool // bind to one loopback address instead of the wildcards
	// ip is that address: 127.0.0.1 unless the server's --address is
	// another loopback address (several servers on one machine).
	ip netip.Addr
}

// bindings moves the default bindings to the local address when local.
func (d defaults) bindings(list []config.Binding) []config.Binding {
	if !d.local {
		return list
	}
	ip := d.ip
	if !ip.IsValid() {
		ip = netip.MustParseAddr("127.0.0.1")
	}
	return config.BindingsOn(list, ip)
}

func (s *Server) saveDefaultSettings(ctx context.Context, d defaults) error {
	offset := d.offset
	pop := config.DefaultPopSettings(s.fqdn)
	imap := config.DefaultImapSettings(s.fqdn)
	tr := config.DefaultTransportSettings()
	tr.LoopbackOnly = d.local
	tr.LmtpBindings = d.bindings(tr.LmtpBindings)
	for _, ps := range []*config.ProtocolSettings{&pop, &imap} {
		ps.SSLBindings = d.bindings(ps.SSLBindings)
		ps.UnencryptedOrTLSBindings = d.bindings(ps.UnencryptedOrTLSBindings)
	}
	if offset != 0 {
		if err := pop.OffsetPorts(offset); err != nil {
			return err
		}
		if err := imap.OffsetPorts(offset); err != nil {
			return err
		}
		for i, b := range tr.LmtpBindings {
			tr.LmtpBindings[i] = config.NewBinding(b.Addr(), uint16(int(b.Port())+offset))
		}
	}
	if err := s.saveJSON(ctx, keyPop3, pop); err != nil {
		return err
	}
	if err := s.saveJSON(ctx, keyImap4, imap); err != nil {
		return err
	}
	if err := s.saveJSON(ctx, keyTransport, tr); err != nil {
		return err
	}
	if err := s.saveDefaultConnectors(ctx, d); err != nil {
		return err
	}
	if err := s.saveDefaultWeb(ctx, d); err != nil {
		return err
	}
	for _, st := range []struct{ name, t string }{{"pop3", api.Manual}, {"pop3-backend", api.Manual}, {"imap4", api.Manual}, {"imap4-backend", api.Manual}, {"transport", api.Automatic}, {"smtp", api.Automatic}, {"web", api.Automatic}} {
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

// settingsKey is the directory key of a protocol's settings.
func settingsKey(protocol string) (string, error) {
	switch protocol {
	case config.ProtocolPOP3:
		return keyPop3, nil
	case config.ProtocolIMAP4:
		return keyImap4, nil
	}
	return "", fmt.Errorf("no settings for protocol %q", protocol)
}

// Settings returns a protocol's stored settings (Get-PopSettings,
// Get-ImapSettings).
func (s *Server) Settings(ctx context.Context, protocol string) (config.ProtocolSettings, error) {
	return s.settingsOf(ctx, s.name, protocol)
}

// settingsOf returns the protocol settings of a server of the
// organisation (this one, or another in cluster mode).
func (s *Server) settingsOf(ctx context.Context, server, protocol string) (config.ProtocolSettings, error) {
	key, err := settingsKey(protocol)
	if err != nil {
		return config.ProtocolSettings{}, err
	}
	b, err := s.dir.Setting(ctx, server, key)
	if errors.Is(err, directory.ErrNotFound) {
		return config.DefaultSettings(protocol, s.fqdn)
	}
	if err != nil {
		return config.ProtocolSettings{}, err
	}
	return config.LoadProtocolSettings(b, protocol, s.fqdn)
}

// UpdateSettings edits a protocol's settings and stores them
// (Set-PopSettings, Set-ImapSettings). The edit works on a copy; on any
// error nothing is stored. Running services keep their settings until
// restarted, as in Exchange.
func (s *Server) UpdateSettings(ctx context.Context, protocol string, edit func(*config.ProtocolSettings) error) (config.ProtocolSettings, error) {
	ps, err := s.Settings(ctx, protocol)
	if err != nil {
		return ps, err
	}
	c, err := editCopy(ps, edit)
	if err != nil {
		return ps, err
	}
	key, _ := settingsKey(protocol)
	return c, s.saveJSON(ctx, key, c)
}

// editCopy applies edit to a copy of a settings object and validates the
// result; the original is untouched whatever happens.
func editCopy[T any, P interface {
	*T
	Validate() error
}](obj T, edit func(*T) error) (T, error) {
	c := obj
	if err := edit(&c); err != nil {
		return obj, err
	}
	if err := P(&c).Validate(); err != nil {
		return obj, err
	}
	return c, nil
}

// Transport returns the transport settings.
func (s *Server) Transport(ctx context.Context) (config.TransportSettings, error) {
	tr := config.DefaultTransportSettings()
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

// SetTransportBindings replaces the LMTP bindings; a port 0 is refused
// (config.CheckListenBindings) and nothing is stored on error.
func (s *Server) SetTransportBindings(ctx context.Context, bindings []string) (config.TransportSettings, error) {
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
	if err := config.CheckListenBindings("LmtpBindings", list); err != nil {
		return tr, err
	}
	tr.LmtpBindings = list
	return tr, s.saveJSON(ctx, keyTransport, tr)
}

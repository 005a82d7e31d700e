package server

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/postern/postern/internal/admin/api"
)

// ErrNoService is returned for an unknown service name.
var ErrNoService = errors.New("no such service")

// ErrDisabled is returned when starting a Disabled service.
var ErrDisabled = errors.New("the service is disabled")

// instance is one running incarnation of a service: it read its settings
// when it was created and keeps them until stopped.
type instance interface {
	// listeners returns the bound addresses, if any.
	listeners() []string
	// stop ends the instance and every session it owns.
	stop()
}

// service is one named service with its start function.
type service struct {
	name    string // Postern's name: pop3, pop3-backend, transport
	exName  string // Exchange's name: MSExchangePOP3, ...
	display string
	deflt   string // startup type on a fresh server
	start   func(ctx context.Context) (instance, error)
	// binds, if set, names the addresses a start would listen on, for
	// the restart's preflight (preflight.go).
	binds func(ctx context.Context) ([]string, error)

	mu      sync.Mutex
	running instance
	lastErr string
}

// lookupService resolves a Postern or Exchange service name.
func (s *Server) lookupService(name string) (*service, error) {
	for _, sv := range s.services {
		if strings.EqualFold(name, sv.name) || strings.EqualFold(name, sv.exName) {
			return sv, nil
		}
	}
	return nil, fmt.Errorf("%q: %w", name, ErrNoService)
}

// Services lists every service with its status.
func (s *Server) Services(ctx context.Context) ([]api.ServiceStatus, error) {
	out := make([]api.ServiceStatus, 0, len(s.services))
	for _, sv := range s.services {
		st, err := s.status(ctx, sv)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Service returns one service's status.
func (s *Server) Service(ctx context.Context, name string) (api.ServiceStatus, error) {
	sv, err := s.lookupService(name)
	if err != nil {
		return api.ServiceStatus{}, err
	}
	return s.status(ctx, sv)
}

func (s *Server) status(ctx context.Context, sv *service) (api.ServiceStatus, error) {
	startup, err := s.startupType(ctx, sv)
	if err != nil {
		return api.ServiceStatus{}, err
	}
	sv.mu.Lock()
	defer sv.mu.Unlock()
	st := api.ServiceStatus{Name: sv.name, ExchangeName: sv.exName, DisplayName: sv.display, Status: api.Stopped, StartupType: startup, Error: sv.lastErr}
	if sv.running != nil {
		st.Status = api.Running
		st.Listeners = sv.running.listeners()
	}
	return st, nil
}

func (s *Server) startupType(ctx context.Context, sv *service) (string, error) {
	t, err := s.dir.StartupType(ctx, s.name, sv.name)
	if err != nil {
		return sv.deflt, nil
	}
	return t, nil
}

// StartService starts a stopped service; starting a running one does
// nothing, as Start-Service does.
func (s *Server) StartService(ctx context.Context, name string) error {
	sv, err := s.lookupService(name)
	if err != nil {
		return err
	}
	if t, _ := s.startupType(ctx, sv); t == api.Disabled {
		return fmt.Errorf("%s: %w", sv.name, ErrDisabled)
	}
	return s.startService(sv)
}

func (s *Server) startService(sv *service) error {
	sv.mu.Lock()
	defer sv.mu.Unlock()
	if sv.running != nil {
		return nil
	}
	inst, err := sv.start(s.ctx)
	if err != nil {
		sv.lastErr = err.Error()
		s.log.Error("service failed to start", "service", sv.name, "err", err)
		return fmt.Errorf("%s: %w", sv.name, err)
	}
	sv.running, sv.lastErr = inst, ""
	s.log.Info("service started", "service", sv.name, "listeners", inst.listeners())
	return nil
}

// StopService stops a running service and ends its sessions.
func (s *Server) StopService(ctx context.Context, name string) error {
	sv, err := s.lookupService(name)
	if err != nil {
		return err
	}
	s.stopService(sv)
	return nil
}

func (s *Server) stopService(sv *service) {
	sv.mu.Lock()
	defer sv.mu.Unlock()
	if sv.running == nil {
		return
	}
	sv.running.stop()
	sv.running = nil
	s.log.Info("service stopped", "service", sv.name)
}

// RestartService stops and starts a service, so that it reads its settings
// again; other services and their sessions are not touched.
func (s *Server) RestartService(ctx context.Context, name string) error {
	sv, err := s.lookupService(name)
	if err != nil {
		return err
	}
	if t, _ := s.startupType(ctx, sv); t == api.Disabled {
		return fmt.Errorf("%s: %w", sv.name, ErrDisabled)
	}
	if err := s.preflight(ctx, sv); err != nil {
		s.log.Error("service not restarted", "service", sv.name, "err", err)
		return err
	}
	s.stopService(sv)
	return s.startService(sv)
}

// SetStartupType records a service's startup type. Disabled stops it.
func (s *Server) SetStartupType(ctx context.Context, name, startup string) error {
	sv, err := s.lookupService(name)
	if err != nil {
		return err
	}
	var t string
	for _, v := range []string{api.Automatic, api.Manual, api.Disabled} {
		if strings.EqualFold(startup, v) {
			t = v
		}
	}
	if t == "" {
		return fmt.Errorf("startup type %q: valid values are Automatic, Manual, Disabled", startup)
	}
	if err := s.dir.SetStartupType(ctx, s.name, sv.name, t); err != nil {
		return err
	}
	if t == api.Disabled {
		s.stopService(sv)
	}
	return nil
}

// startAutomatic starts every service whose startup type is Automatic.
func (s *Server) startAutomatic(ctx context.Context) {
	for _, sv := range s.services {
		if t, _ := s.startupType(ctx, sv); t == api.Automatic {
			s.startService(sv) // a failure is logged and shown in status
		}
	}
}

// stopAll stops every service, frontends first.
func (s *Server) stopAll() {
	// Every service at once: each tells its sessions goodbye and waits
	// its grace for them, and none waits for another.
	var wg sync.WaitGroup
	for _, sv := range s.services {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.stopService(sv)
		}()
	}
	wg.Wait()
}

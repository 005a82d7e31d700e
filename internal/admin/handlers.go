package admin

import (
	"fmt"
	"net/http"

	"github.com/postern/postern/internal/admin/api"
	"github.com/postern/postern/internal/config"
	"github.com/postern/postern/internal/directory"
)

// The handlers return a value to send as JSON, or an error; get and post
// (api.go) adapt them to HTTP.

func (a *API) info(r *http.Request) (api.Info, error) {
	domains, err := a.s.Directory().AcceptedDomains(r.Context())
	return api.Info{Name: a.s.Name(), FQDN: a.s.FQDN(), DataDir: a.s.DataDir(), AcceptedDomains: domains, Certificate: a.s.CertificatePath()}, err
}

func userOf(u directory.User) api.User {
	return api.User{Address: u.Address(), DisplayName: u.DisplayName, Database: u.Database}
}

func (a *API) listUsers(r *http.Request) ([]api.User, error) {
	us, err := a.s.Directory().Users(r.Context())
	out := []api.User{}
	for _, u := range us {
		out = append(out, userOf(u))
	}
	return out, err
}

func (a *API) addUser(r *http.Request, req api.NewUser) (api.User, error) {
	u, err := a.s.AddUser(r.Context(), req.Address, req.Password, req.DisplayName, req.Database)
	return userOf(u), err
}

func (a *API) removeUser(r *http.Request, req api.NameRequest) (struct{}, error) {
	return struct{}{}, a.s.RemoveUser(r.Context(), req.Name)
}

func (a *API) setPassword(r *http.Request, req api.NameRequest) (struct{}, error) {
	return struct{}{}, a.s.SetPassword(r.Context(), req.Name, req.Password)
}

func (a *API) listServices(r *http.Request) ([]api.ServiceStatus, error) {
	return a.s.Services(r.Context())
}

func (a *API) serviceAction(r *http.Request, req api.ServiceRequest) (api.ServiceStatus, error) {
	var err error
	switch req.Action {
	case "start":
		err = a.s.StartService(r.Context(), req.Name)
	case "stop":
		err = a.s.StopService(r.Context(), req.Name)
	case "restart":
		err = a.s.RestartService(r.Context(), req.Name)
	default:
		err = fmt.Errorf("%w: action %q is not start, stop or restart", errBadRequest, req.Action)
	}
	if err != nil {
		return api.ServiceStatus{}, err
	}
	return a.s.Service(r.Context(), req.Name)
}

func (a *API) setStartup(r *http.Request, req api.ServiceRequest) (api.ServiceStatus, error) {
	if err := a.s.SetStartupType(r.Context(), req.Name, req.StartupType); err != nil {
		return api.ServiceStatus{}, fmt.Errorf("%w: %v", errBadRequest, err)
	}
	return a.s.Service(r.Context(), req.Name)
}

// settable is what the settings objects share.
type settable interface {
	Apply(changes ...config.Change) error
	Set(name, text string) error
}

// edit returns the function that applies req to a settings object.
func edit[T any, P interface {
	*T
	settable
}](req api.Changes) func(*T) error {
	return func(obj *T) error {
		if err := P(obj).Apply(req.Changes...); err != nil {
			return err
		}
		for _, t := range req.Texts {
			if err := P(obj).Set(t.Name, t.Text); err != nil {
				return err
			}
		}
		return nil
	}
}

// protocolOf maps the {protocol} path element (pop3, imap4) to a protocol.
func protocolOf(r *http.Request) (string, error) {
	switch r.PathValue("protocol") {
	case "pop3":
		return config.ProtocolPOP3, nil
	case "imap4":
		return config.ProtocolIMAP4, nil
	}
	return "", fmt.Errorf("%w: no settings named %q", errBadRequest, r.PathValue("protocol"))
}

func (a *API) getSettings(r *http.Request) ([]config.Field, error) {
	p, err := protocolOf(r)
	if err != nil {
		return nil, err
	}
	ps, err := a.s.Settings(r.Context(), p)
	return ps.Fields(), err
}

func (a *API) setSettings(r *http.Request, req api.Changes) ([]config.Field, error) {
	p, err := protocolOf(r)
	if err != nil {
		return nil, err
	}
	ps, err := a.s.UpdateSettings(r.Context(), p, edit[config.ProtocolSettings](req))
	return ps.Fields(), err
}

func (a *API) getTransport(r *http.Request) (config.TransportSettings, error) {
	return a.s.Transport(r.Context())
}

func (a *API) setTransport(r *http.Request, req api.TransportRequest) (config.TransportSettings, error) {
	tr, err := a.s.SetTransportBindings(r.Context(), req.LmtpBindings)
	if err != nil {
		return tr, fmt.Errorf("%w: %v", errBadRequest, err)
	}
	return tr, nil
}

func (a *API) getCAS(r *http.Request) (api.CASMailbox, error) {
	u, m, err := a.s.CASMailbox(r.Context(), r.URL.Query().Get("name"))
	return api.CASMailbox{Identity: u.Address(), Fields: m.Fields()}, err
}

func (a *API) setCAS(r *http.Request, req api.Changes) (api.CASMailbox, error) {
	m, err := a.s.UpdateCASMailbox(r.Context(), req.Name, edit[config.CASMailbox](req))
	return api.CASMailbox{Identity: req.Name, Fields: m.Fields()}, err
}

// deliver takes the message as the raw request body, not JSON.
func (a *API) deliver(r *http.Request) ([]api.DeliverResult, error) {
	rcpts := r.URL.Query()["to"]
	if len(rcpts) == 0 {
		return nil, fmt.Errorf("%w: no recipient (to=)", errBadRequest)
	}
	errs := a.s.DeliverLocal(r.Context(), rcpts, r.Body)
	out := make([]api.DeliverResult, len(rcpts))
	for i, rc := range rcpts {
		out[i].Recipient = rc
		if errs[i] != nil {
			out[i].Error = errs[i].Error()
		}
	}
	return out, nil
}

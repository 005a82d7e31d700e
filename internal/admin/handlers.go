package admin

import (
	"fmt"
	"net/http"

	"github.com/postern/postern/internal/config"
	"github.com/postern/postern/internal/directory"
	"github.com/postern/postern/internal/server"
)

// Info describes the server.
type Info struct {
	Name            string   `json:"name"`
	FQDN            string   `json:"fqdn"`
	DataDir         string   `json:"dataDir"`
	AcceptedDomains []string `json:"acceptedDomains"`
	Certificate     string   `json:"certificate"` // path of the self-signed certificate, for clients to trust
}

// The handlers return a value to send as JSON, or an error; get and post
// (api.go) adapt them to HTTP.

func (a *API) info(r *http.Request) (Info, error) {
	domains, err := a.s.Directory().AcceptedDomains(r.Context())
	return Info{Name: a.s.Name(), FQDN: a.s.FQDN(), DataDir: a.s.DataDir(), AcceptedDomains: domains, Certificate: a.s.CertificatePath()}, err
}

// User is a user as the API shows it.
type User struct {
	Address     string `json:"address"`
	DisplayName string `json:"displayName,omitempty"`
	Database    string `json:"database"`
}

func userOf(u directory.User) User {
	return User{Address: u.Address(), DisplayName: u.DisplayName, Database: u.Database}
}

func (a *API) listUsers(r *http.Request) ([]User, error) {
	us, err := a.s.Directory().Users(r.Context())
	out := []User{}
	for _, u := range us {
		out = append(out, userOf(u))
	}
	return out, err
}

// NewUser is the body of POST /v1/users.
type NewUser struct {
	Address     string `json:"address"`
	Password    string `json:"password"`
	DisplayName string `json:"displayName,omitempty"`
}

func (a *API) addUser(r *http.Request, req NewUser) (User, error) {
	u, err := a.s.AddUser(r.Context(), req.Address, req.Password, req.DisplayName)
	return userOf(u), err
}

// NameRequest names a user, with a password where one is set.
type NameRequest struct {
	Name     string `json:"name"`
	Password string `json:"password,omitempty"`
}

func (a *API) removeUser(r *http.Request, req NameRequest) (struct{}, error) {
	return struct{}{}, a.s.RemoveUser(r.Context(), req.Name)
}

func (a *API) setPassword(r *http.Request, req NameRequest) (struct{}, error) {
	return struct{}{}, a.s.SetPassword(r.Context(), req.Name, req.Password)
}

func (a *API) listServices(r *http.Request) ([]server.ServiceStatus, error) {
	return a.s.Services(r.Context())
}

// ServiceRequest is the body of the service endpoints.
type ServiceRequest struct {
	Name        string `json:"name"`
	Action      string `json:"action,omitempty"` // start, stop, restart
	StartupType string `json:"startupType,omitempty"`
}

func (a *API) serviceAction(r *http.Request, req ServiceRequest) (server.ServiceStatus, error) {
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
		return server.ServiceStatus{}, err
	}
	return a.s.Service(r.Context(), req.Name)
}

func (a *API) setStartup(r *http.Request, req ServiceRequest) (server.ServiceStatus, error) {
	if err := a.s.SetStartupType(r.Context(), req.Name, req.StartupType); err != nil {
		return server.ServiceStatus{}, fmt.Errorf("%w: %v", errBadRequest, err)
	}
	return a.s.Service(r.Context(), req.Name)
}

// Changes is the body of the settings endpoints: typed changes (the
// shell's lists and @{Add=...;Remove=...}) and/or parameters given as text
// in the CLI form (Name=Value, lists comma-separated), applied in order.
type Changes struct {
	Name    string          `json:"name,omitempty"` // the mailbox, for CAS settings
	Changes []config.Change `json:"changes,omitempty"`
	Texts   []TextChange    `json:"texts,omitempty"`
}

// TextChange sets one parameter from its text form.
type TextChange struct {
	Name string `json:"name"`
	Text string `json:"text"`
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
}](req Changes) func(*T) error {
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

func (a *API) setSettings(r *http.Request, req Changes) ([]config.Field, error) {
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

// TransportRequest is the body of POST /v1/settings/transport.
type TransportRequest struct {
	LmtpBindings []string `json:"LmtpBindings"`
}

func (a *API) setTransport(r *http.Request, req TransportRequest) (config.TransportSettings, error) {
	tr, err := a.s.SetTransportBindings(r.Context(), req.LmtpBindings)
	if err != nil {
		return tr, fmt.Errorf("%w: %v", errBadRequest, err)
	}
	return tr, nil
}

// CASMailbox is the per-mailbox settings of one user.
type CASMailbox struct {
	Identity string         `json:"identity"`
	Fields   []config.Field `json:"fields"`
}

func (a *API) getCAS(r *http.Request) (CASMailbox, error) {
	u, m, err := a.s.CASMailbox(r.Context(), r.URL.Query().Get("name"))
	return CASMailbox{Identity: u.Address(), Fields: m.Fields()}, err
}

func (a *API) setCAS(r *http.Request, req Changes) (CASMailbox, error) {
	m, err := a.s.UpdateCASMailbox(r.Context(), req.Name, edit[config.CASMailbox](req))
	return CASMailbox{Identity: req.Name, Fields: m.Fields()}, err
}

// DeliverResult reports one recipient of POST /v1/deliver.
type DeliverResult struct {
	Recipient string `json:"recipient"`
	Error     string `json:"error,omitempty"`
}

// deliver takes the message as the raw request body, not JSON.
func (a *API) deliver(r *http.Request) ([]DeliverResult, error) {
	rcpts := r.URL.Query()["to"]
	if len(rcpts) == 0 {
		return nil, fmt.Errorf("%w: no recipient (to=)", errBadRequest)
	}
	errs := a.s.DeliverLocal(r.Context(), rcpts, r.Body)
	out := make([]DeliverResult, len(rcpts))
	for i, rc := range rcpts {
		out[i].Recipient = rc
		if errs[i] != nil {
			out[i].Error = errs[i].Error()
		}
	}
	return out, nil
}

package admin

import (
	"fmt"
	"net/http"

	"github.com/postern/postern/internal/config"
	"github.com/postern/postern/internal/directory"
)

// Info describes the server.
type Info struct {
	Name            string   `json:"name"`
	FQDN            string   `json:"fqdn"`
	DataDir         string   `json:"dataDir"`
	AcceptedDomains []string `json:"acceptedDomains"`
	Certificate     string   `json:"certificate"` // path of the self-signed certificate, for clients to trust
}

func (a *API) info(w http.ResponseWriter, r *http.Request) {
	domains, err := a.s.Directory().AcceptedDomains(r.Context())
	if err != nil {
		a.fail(w, err)
		return
	}
	reply(w, Info{Name: a.s.Name(), FQDN: a.s.FQDN(), DataDir: a.s.DataDir(), AcceptedDomains: domains, Certificate: a.s.CertificatePath()})
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

func (a *API) listUsers(w http.ResponseWriter, r *http.Request) {
	us, err := a.s.Directory().Users(r.Context())
	if err != nil {
		a.fail(w, err)
		return
	}
	out := []User{}
	for _, u := range us {
		out = append(out, userOf(u))
	}
	reply(w, out)
}

// NewUser is the body of POST /v1/users.
type NewUser struct {
	Address     string `json:"address"`
	Password    string `json:"password"`
	DisplayName string `json:"displayName,omitempty"`
}

func (a *API) addUser(w http.ResponseWriter, r *http.Request) {
	var req NewUser
	if err := decode(r, &req); err != nil {
		a.fail(w, err)
		return
	}
	u, err := a.s.AddUser(r.Context(), req.Address, req.Password, req.DisplayName)
	if err != nil {
		a.fail(w, err)
		return
	}
	reply(w, userOf(u))
}

// NameRequest names a user, with a password where one is set.
type NameRequest struct {
	Name     string `json:"name"`
	Password string `json:"password,omitempty"`
}

func (a *API) removeUser(w http.ResponseWriter, r *http.Request) {
	var req NameRequest
	if err := decode(r, &req); err != nil {
		a.fail(w, err)
		return
	}
	if err := a.s.RemoveUser(r.Context(), req.Name); err != nil {
		a.fail(w, err)
		return
	}
	reply(w, struct{}{})
}

func (a *API) setPassword(w http.ResponseWriter, r *http.Request) {
	var req NameRequest
	if err := decode(r, &req); err != nil {
		a.fail(w, err)
		return
	}
	if err := a.s.SetPassword(r.Context(), req.Name, req.Password); err != nil {
		a.fail(w, err)
		return
	}
	reply(w, struct{}{})
}

func (a *API) listServices(w http.ResponseWriter, r *http.Request) {
	st, err := a.s.Services(r.Context())
	if err != nil {
		a.fail(w, err)
		return
	}
	reply(w, st)
}

// ServiceRequest is the body of the service endpoints.
type ServiceRequest struct {
	Name        string `json:"name"`
	Action      string `json:"action,omitempty"` // start, stop, restart
	StartupType string `json:"startupType,omitempty"`
}

func (a *API) serviceAction(w http.ResponseWriter, r *http.Request) {
	var req ServiceRequest
	if err := decode(r, &req); err != nil {
		a.fail(w, err)
		return
	}
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
		a.fail(w, err)
		return
	}
	st, err := a.s.Service(r.Context(), req.Name)
	if err != nil {
		a.fail(w, err)
		return
	}
	reply(w, st)
}

func (a *API) setStartup(w http.ResponseWriter, r *http.Request) {
	var req ServiceRequest
	if err := decode(r, &req); err != nil {
		a.fail(w, err)
		return
	}
	if err := a.s.SetStartupType(r.Context(), req.Name, req.StartupType); err != nil {
		a.fail(w, fmt.Errorf("%w: %v", errBadRequest, err))
		return
	}
	st, err := a.s.Service(r.Context(), req.Name)
	if err != nil {
		a.fail(w, err)
		return
	}
	reply(w, st)
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

func (a *API) getSettings(w http.ResponseWriter, r *http.Request) {
	p, err := protocolOf(r)
	if err != nil {
		a.fail(w, err)
		return
	}
	ps, err := a.s.Settings(r.Context(), p)
	if err != nil {
		a.fail(w, err)
		return
	}
	reply(w, ps.Fields())
}

func (a *API) setSettings(w http.ResponseWriter, r *http.Request) {
	p, err := protocolOf(r)
	if err != nil {
		a.fail(w, err)
		return
	}
	var req Changes
	if err := decode(r, &req); err != nil {
		a.fail(w, err)
		return
	}
	ps, err := a.s.UpdateSettings(r.Context(), p, edit[config.ProtocolSettings](req))
	if err != nil {
		a.fail(w, err)
		return
	}
	reply(w, ps.Fields())
}

func (a *API) getTransport(w http.ResponseWriter, r *http.Request) {
	tr, err := a.s.Transport(r.Context())
	if err != nil {
		a.fail(w, err)
		return
	}
	reply(w, tr)
}

// TransportRequest is the body of POST /v1/settings/transport.
type TransportRequest struct {
	LmtpBindings []string `json:"LmtpBindings"`
}

func (a *API) setTransport(w http.ResponseWriter, r *http.Request) {
	var req TransportRequest
	if err := decode(r, &req); err != nil {
		a.fail(w, err)
		return
	}
	tr, err := a.s.SetTransportBindings(r.Context(), req.LmtpBindings)
	if err != nil {
		a.fail(w, fmt.Errorf("%w: %v", errBadRequest, err))
		return
	}
	reply(w, tr)
}

// CASMailbox is the per-mailbox settings of one user.
type CASMailbox struct {
	Identity string         `json:"identity"`
	Fields   []config.Field `json:"fields"`
}

func (a *API) getCAS(w http.ResponseWriter, r *http.Request) {
	u, m, err := a.s.CASMailbox(r.Context(), r.URL.Query().Get("name"))
	if err != nil {
		a.fail(w, err)
		return
	}
	reply(w, CASMailbox{Identity: u.Address(), Fields: m.Fields()})
}

func (a *API) setCAS(w http.ResponseWriter, r *http.Request) {
	var req Changes
	if err := decode(r, &req); err != nil {
		a.fail(w, err)
		return
	}
	m, err := a.s.UpdateCASMailbox(r.Context(), req.Name, edit[config.CASMailbox](req))
	if err != nil {
		a.fail(w, err)
		return
	}
	reply(w, CASMailbox{Identity: req.Name, Fields: m.Fields()})
}

// DeliverResult reports one recipient of POST /v1/deliver.
type DeliverResult struct {
	Recipient string `json:"recipient"`
	Error     string `json:"error,omitempty"`
}

func (a *API) deliver(w http.ResponseWriter, r *http.Request) {
	rcpts := r.URL.Query()["to"]
	if len(rcpts) == 0 {
		a.fail(w, fmt.Errorf("%w: no recipient (to=)", errBadRequest))
		return
	}
	errs := a.s.DeliverLocal(r.Context(), rcpts, r.Body)
	out := make([]DeliverResult, len(rcpts))
	for i, rc := range rcpts {
		out[i].Recipient = rc
		if errs[i] != nil {
			out[i].Error = errs[i].Error()
		}
	}
	reply(w, out)
}

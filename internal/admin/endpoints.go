package admin

import (
	"context"
	"net/http"
	"net/url"

	"github.com/postern/postern/internal/admin/api"
	"github.com/postern/postern/internal/config"
	"github.com/postern/postern/internal/tlsconf"
)

// Doer sends one request of the admin API: method GET or POST (with in as
// the JSON body), naming the cmdlet that makes it (none: ""), decoding the
// answer into out. *Client is one.
type Doer interface {
	Do(ctx context.Context, method, cmdlet, path string, in, out any) error
}

// Requests are the admin API's typed requests, one method per endpoint,
// so that the endpoints' paths are written here and in the routes only.
// Each answers the endpoint's decoded answer, or an error (a refusal is a
// *StatusError). A Client has them as its own methods; Cmdlet gives the
// cmdlet shell's, which name the cmdlet for the audit log.
type Requests struct {
	d      Doer
	cmdlet string
}

// Cmdlet returns the requests over d naming the cmdlet that makes them.
func Cmdlet(d Doer, name string) Requests { return Requests{d: d, cmdlet: name} }

func (r Requests) get(ctx context.Context, path string, out any) error {
	return r.d.Do(ctx, http.MethodGet, r.cmdlet, path, nil, out)
}

func (r Requests) post(ctx context.Context, path string, in, out any) error {
	return r.d.Do(ctx, http.MethodPost, r.cmdlet, path, in, out)
}

// query returns path with one query parameter.
func query(path, name, value string) string {
	return path + "?" + name + "=" + url.QueryEscape(value)
}

// Info describes the server (GET /v1/info).
func (r Requests) Info(ctx context.Context) (api.Info, error) {
	var in api.Info
	return in, r.get(ctx, "/v1/info", &in)
}

// Users lists the mailboxes.
func (r Requests) Users(ctx context.Context) ([]api.User, error) {
	var us []api.User
	return us, r.get(ctx, "/v1/users", &us)
}

// NewUser creates a mailbox.
func (r Requests) NewUser(ctx context.Context, req api.NewUser) (api.User, error) {
	var u api.User
	return u, r.post(ctx, "/v1/users", req, &u)
}

// RemoveUser removes a mailbox.
func (r Requests) RemoveUser(ctx context.Context, name string) error {
	return r.post(ctx, "/v1/users/remove", api.NameRequest{Name: name}, nil)
}

// SetPassword sets a mailbox's password.
func (r Requests) SetPassword(ctx context.Context, name, password string) error {
	return r.post(ctx, "/v1/users/password", api.NameRequest{Name: name, Password: password}, nil)
}

// Services lists the services with their status.
func (r Requests) Services(ctx context.Context) ([]api.ServiceStatus, error) {
	var st []api.ServiceStatus
	return st, r.get(ctx, "/v1/services", &st)
}

// ServiceAction starts, stops or restarts a service (action start, stop,
// restart) and answers its status.
func (r Requests) ServiceAction(ctx context.Context, name, action string) (api.ServiceStatus, error) {
	var st api.ServiceStatus
	return st, r.post(ctx, "/v1/services/action", api.ServiceRequest{Name: name, Action: action}, &st)
}

// SetStartupType sets a service's startup type and answers its status.
func (r Requests) SetStartupType(ctx context.Context, name, startupType string) (api.ServiceStatus, error) {
	var st api.ServiceStatus
	return st, r.post(ctx, "/v1/services/startup", api.ServiceRequest{Name: name, StartupType: startupType}, &st)
}

// Settings returns a protocol's settings (protocol pop3 or imap4).
func (r Requests) Settings(ctx context.Context, protocol string) ([]config.Field, error) {
	var fields []config.Field
	return fields, r.get(ctx, "/v1/settings/"+protocol, &fields)
}

// SetSettings changes a protocol's settings and answers them.
func (r Requests) SetSettings(ctx context.Context, protocol string, req api.Changes) ([]config.Field, error) {
	var fields []config.Field
	return fields, r.post(ctx, "/v1/settings/"+protocol, req, &fields)
}

// WhatIfSettings answers a protocol's settings as the changes would make
// them, storing nothing.
func (r Requests) WhatIfSettings(ctx context.Context, protocol string, req api.Changes) ([]config.Field, error) {
	var fields []config.Field
	return fields, r.post(ctx, "/v1/whatif/settings/"+protocol, req, &fields)
}

// Transport returns the transport settings.
func (r Requests) Transport(ctx context.Context) (config.TransportSettings, error) {
	var tr config.TransportSettings
	return tr, r.get(ctx, "/v1/settings/transport", &tr)
}

// SetTransport changes the LMTP bindings.
func (r Requests) SetTransport(ctx context.Context, req api.TransportRequest) (config.TransportSettings, error) {
	var tr config.TransportSettings
	return tr, r.post(ctx, "/v1/settings/transport", req, &tr)
}

// SetOutbound changes the outbound queue's settings.
func (r Requests) SetOutbound(ctx context.Context, req api.OutboundRequest) (config.TransportSettings, error) {
	var tr config.TransportSettings
	return tr, r.post(ctx, "/v1/settings/transport/outbound", req, &tr)
}

// Logon returns the logon settings.
func (r Requests) Logon(ctx context.Context) (config.LogonSettings, error) {
	var l config.LogonSettings
	return l, r.get(ctx, "/v1/settings/logon", &l)
}

// SetLogon changes logon settings by name.
func (r Requests) SetLogon(ctx context.Context, values map[string]string) (config.LogonSettings, error) {
	var l config.LogonSettings
	return l, r.post(ctx, "/v1/settings/logon", api.LogonRequest{Values: values}, &l)
}

// Web returns the web service's settings.
func (r Requests) Web(ctx context.Context) (config.WebSettings, error) {
	var ws config.WebSettings
	return ws, r.get(ctx, "/v1/settings/web", &ws)
}

// SetWeb changes the web service's settings by name.
func (r Requests) SetWeb(ctx context.Context, settings map[string]string) (config.WebSettings, error) {
	var ws config.WebSettings
	return ws, r.post(ctx, "/v1/settings/web", api.WebRequest{Settings: settings}, &ws)
}

// CASMailbox returns a mailbox's protocol settings.
func (r Requests) CASMailbox(ctx context.Context, name string) (api.CASMailbox, error) {
	var m api.CASMailbox
	return m, r.get(ctx, query("/v1/casmailbox", "name", name), &m)
}

// SetCASMailbox changes the protocol settings of the mailbox req.Name.
func (r Requests) SetCASMailbox(ctx context.Context, req api.Changes) (api.CASMailbox, error) {
	var m api.CASMailbox
	return m, r.post(ctx, "/v1/casmailbox", req, &m)
}

// WhatIfCASMailbox answers a mailbox's protocol settings as the changes
// would make them, storing nothing.
func (r Requests) WhatIfCASMailbox(ctx context.Context, req api.Changes) (api.CASMailbox, error) {
	var m api.CASMailbox
	return m, r.post(ctx, "/v1/whatif/casmailbox", req, &m)
}

// Certificates lists the certificates.
func (r Requests) Certificates(ctx context.Context) ([]tlsconf.Cert, error) {
	var certs []tlsconf.Cert
	return certs, r.get(ctx, "/v1/certificates", &certs)
}

// ImportCertificate imports a certificate and its key.
func (r Requests) ImportCertificate(ctx context.Context, req api.ImportRequest) (tlsconf.Cert, error) {
	var got tlsconf.Cert
	return got, r.post(ctx, "/v1/certificates", req, &got)
}

// NewCertificate makes a self-signed certificate.
func (r Requests) NewCertificate(ctx context.Context, req api.NewCertRequest) (tlsconf.Cert, error) {
	var got tlsconf.Cert
	return got, r.post(ctx, "/v1/certificates/new", req, &got)
}

// EnableCertificate enables a certificate for services.
func (r Requests) EnableCertificate(ctx context.Context, req api.EnableRequest) error {
	return r.post(ctx, "/v1/certificates/enable", req, nil)
}

// Connectors lists the receive connectors.
func (r Requests) Connectors(ctx context.Context) ([]api.Connector, error) {
	var list []api.Connector
	return list, r.get(ctx, "/v1/connectors", &list)
}

// ConnectorsNamed lists the receive connectors name matches.
func (r Requests) ConnectorsNamed(ctx context.Context, name string) ([]api.Connector, error) {
	var list []api.Connector
	return list, r.get(ctx, query("/v1/connectors", "name", name), &list)
}

// NewConnector creates a receive connector.
func (r Requests) NewConnector(ctx context.Context, req api.NewConnector) (api.Connector, error) {
	var k api.Connector
	return k, r.post(ctx, "/v1/connectors", req, &k)
}

// SetConnector changes the receive connector req.Name.
func (r Requests) SetConnector(ctx context.Context, req api.Changes) (api.Connector, error) {
	var k api.Connector
	return k, r.post(ctx, "/v1/connectors/set", req, &k)
}

// RemoveConnector removes a receive connector.
func (r Requests) RemoveConnector(ctx context.Context, name string) error {
	return r.post(ctx, "/v1/connectors/remove", api.NameRequest{Name: name}, nil)
}

// SendConnectors lists the send connectors, without their passwords.
func (r Requests) SendConnectors(ctx context.Context) ([]config.SendConnector, error) {
	var list []config.SendConnector
	return list, r.get(ctx, "/v1/sendconnectors", &list)
}

// SendConnectorsNamed lists the send connectors name matches.
func (r Requests) SendConnectorsNamed(ctx context.Context, name string) ([]config.SendConnector, error) {
	var list []config.SendConnector
	return list, r.get(ctx, query("/v1/sendconnectors", "name", name), &list)
}

// NewSendConnector creates a send connector.
func (r Requests) NewSendConnector(ctx context.Context, req api.SendConnectorRequest) (config.SendConnector, error) {
	var k config.SendConnector
	return k, r.post(ctx, "/v1/sendconnectors", req, &k)
}

// SetSendConnector changes the send connector req.Name.
func (r Requests) SetSendConnector(ctx context.Context, req api.SendConnectorRequest) (config.SendConnector, error) {
	var k config.SendConnector
	return k, r.post(ctx, "/v1/sendconnectors/set", req, &k)
}

// RemoveSendConnector removes a send connector.
func (r Requests) RemoveSendConnector(ctx context.Context, name string) error {
	return r.post(ctx, "/v1/sendconnectors/remove", api.NameRequest{Name: name}, nil)
}

// Queue lists the outbound queue.
func (r Requests) Queue(ctx context.Context) (api.QueueList, error) {
	var ql api.QueueList
	return ql, r.get(ctx, "/v1/queue", &ql)
}

// RetryQueue retries queued messages now.
func (r Requests) RetryQueue(ctx context.Context, req api.QueueRequest) (api.QueueResult, error) {
	var res api.QueueResult
	return res, r.post(ctx, "/v1/queue/retry", req, &res)
}

// RemoveQueued drops a queued message without a DSN.
func (r Requests) RemoveQueued(ctx context.Context, id int64) error {
	return r.post(ctx, "/v1/queue/remove", api.QueueRequest{ID: id}, nil)
}

// Domains lists the accepted domains.
func (r Requests) Domains(ctx context.Context) ([]api.Domain, error) {
	var list []api.Domain
	return list, r.get(ctx, "/v1/domains", &list)
}

// NewDomain adds an accepted domain.
func (r Requests) NewDomain(ctx context.Context, req api.NewDomain) (api.Domain, error) {
	var d api.Domain
	return d, r.post(ctx, "/v1/domains", req, &d)
}

// SetDomain changes an accepted domain.
func (r Requests) SetDomain(ctx context.Context, req api.SetDomain) error {
	return r.post(ctx, "/v1/domains/set", req, nil)
}

// RemoveDomain removes an accepted domain.
func (r Requests) RemoveDomain(ctx context.Context, name string) error {
	return r.post(ctx, "/v1/domains/remove", api.NameRequest{Name: name}, nil)
}

// Administrators lists the administrators.
func (r Requests) Administrators(ctx context.Context) ([]api.User, error) {
	var us []api.User
	return us, r.get(ctx, "/v1/administrators", &us)
}

// SetAdministrator makes a mailbox an administrator (admin true) or not.
func (r Requests) SetAdministrator(ctx context.Context, name string, admin bool) (api.User, error) {
	var u api.User
	return u, r.post(ctx, "/v1/administrators", api.RoleRequest{Name: name, Admin: admin}, &u)
}

// Permissions lists the permissions on a mailbox.
func (r Requests) Permissions(ctx context.Context, mailbox string) ([]api.Permission, error) {
	var ps []api.Permission
	return ps, r.get(ctx, query("/v1/permissions", "mailbox", mailbox), &ps)
}

// SetPermission grants or removes a permission.
func (r Requests) SetPermission(ctx context.Context, req api.PermissionRequest) (api.Permission, error) {
	var p api.Permission
	return p, r.post(ctx, "/v1/permissions", req, &p)
}

// ExchangeServers lists the organisation's servers.
func (r Requests) ExchangeServers(ctx context.Context) ([]api.ExchangeServer, error) {
	var out []api.ExchangeServer
	return out, r.get(ctx, "/v1/servers", &out)
}

// Databases lists the mailbox databases, with their status if status.
func (r Requests) Databases(ctx context.Context, status bool) ([]api.MailboxDatabase, error) {
	var out []api.MailboxDatabase
	path := "/v1/databases"
	if status {
		path = query(path, "status", "1")
	}
	return out, r.get(ctx, path, &out)
}

// NewDatabase creates a mailbox database on a server.
func (r Requests) NewDatabase(ctx context.Context, name, server string) (api.MailboxDatabase, error) {
	var out api.MailboxDatabase
	return out, r.post(ctx, "/v1/databases", api.DatabaseRequest{Name: name, Server: server}, &out)
}

// DatabaseAction mounts, dismounts or moves (switchover) a mailbox
// database, or adds a copy, and answers its status.
func (r Requests) DatabaseAction(ctx context.Context, req api.DatabaseRequest) (api.MailboxDatabase, error) {
	var out api.MailboxDatabase
	return out, r.post(ctx, "/v1/databases/action", req, &out)
}

// MoveRequests lists the move requests; identity "" means all.
func (r Requests) MoveRequests(ctx context.Context, identity string) ([]api.MoveRequest, error) {
	var out []api.MoveRequest
	path := "/v1/moves"
	if identity != "" {
		path = query(path, "identity", identity)
	}
	return out, r.get(ctx, path, &out)
}

// NewMoveRequest starts moving a mailbox to another mailbox database.
func (r Requests) NewMoveRequest(ctx context.Context, identity, targetDatabase string) (api.MoveRequest, error) {
	var out api.MoveRequest
	return out, r.post(ctx, "/v1/moves", api.MoveRequestParams{Identity: identity, TargetDatabase: targetDatabase}, &out)
}

// RemoveMoveRequest removes a finished move request.
func (r Requests) RemoveMoveRequest(ctx context.Context, identity string) error {
	return r.post(ctx, "/v1/moves/remove", api.MoveRequestParams{Identity: identity}, nil)
}

package admin

import (
	"net/http"

	"github.com/postern/postern/internal/admin/api"
	"github.com/postern/postern/internal/config"
)

func (a *API) connectorOf(c config.ReceiveConnector) api.Connector {
	st := a.s.ConnectorState(c.Name)
	return api.Connector{Identity: a.s.ConnectorIdentity(c), Name: c.Name, Fields: c.Fields(), Listening: st.Listening, Error: st.Error}
}

// listConnectors answers GET /v1/connectors, or one connector with ?name=.
func (a *API) listConnectors(r *http.Request) ([]api.Connector, error) {
	var list []config.ReceiveConnector
	var err error
	if name := r.URL.Query().Get("name"); name != "" {
		var c config.ReceiveConnector
		c, err = a.s.Connector(r.Context(), name)
		list = []config.ReceiveConnector{c}
	} else {
		list, err = a.s.Connectors(r.Context())
	}
	if err != nil {
		return nil, err
	}
	out := []api.Connector{}
	for _, c := range list {
		out = append(out, a.connectorOf(c))
	}
	return out, nil
}

func (a *API) newConnector(r *http.Request, req api.NewConnector) (api.Connector, error) {
	usage := config.UsageCustom
	if req.Usage != "" {
		u, err := config.ParseConnectorUsage(req.Usage)
		if err != nil {
			return api.Connector{}, err
		}
		usage = u
	}
	c, err := a.s.NewConnector(r.Context(), req.Name, usage, connectorEdit(req.Changes, req.Texts))
	if err != nil {
		return api.Connector{}, err
	}
	return a.connectorOf(c), nil
}

// setConnector answers POST /v1/connectors/set (Set-ReceiveConnector);
// Changes.Name names the connector.
func (a *API) setConnector(r *http.Request, req api.Changes) (api.Connector, error) {
	c, err := a.s.UpdateConnector(r.Context(), req.Name, connectorEdit(req.Changes, req.Texts))
	if err != nil {
		return api.Connector{}, err
	}
	return a.connectorOf(c), nil
}

func (a *API) removeConnector(r *http.Request, req api.NameRequest) (struct{}, error) {
	return struct{}{}, a.s.RemoveConnector(r.Context(), req.Name)
}

// connectorEdit applies typed changes and CLI texts in one Apply, so they
// are validated together: "RequireTLS=$true AuthMechanism=Tls" works in
// either order, and a new connector's settings need no valid middle state.
func connectorEdit(changes []config.Change, texts []api.TextChange) func(*config.ReceiveConnector) error {
	return func(c *config.ReceiveConnector) error {
		all := append([]config.Change(nil), changes...)
		for _, t := range texts {
			ch, err := config.ConnectorChange(t.Name, t.Text)
			if err != nil {
				return err
			}
			all = append(all, ch)
		}
		return c.Apply(all...)
	}
}

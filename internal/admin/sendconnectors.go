package admin

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/postern/postern/internal/admin/api"
	"github.com/postern/postern/internal/config"
	"github.com/postern/postern/internal/directory"
)

// listSendConnectors answers GET /v1/sendconnectors (Get-SendConnector),
// or one connector with ?name=. Passwords are never shown.
func (a *API) listSendConnectors(r *http.Request) ([]config.SendConnector, error) {
	list, err := a.s.SendConnectors(r.Context())
	if err != nil {
		return nil, err
	}
	name := r.URL.Query().Get("name")
	out := []config.SendConnector{}
	for _, c := range list {
		if name == "" || strings.EqualFold(c.Name, name) {
			out = append(out, c.Public())
		}
	}
	if name != "" && len(out) == 0 {
		return nil, fmt.Errorf("send connector %q: %w", name, directory.ErrNotFound)
	}
	return out, nil
}

// newSendConnector answers POST /v1/sendconnectors (New-SendConnector).
func (a *API) newSendConnector(r *http.Request, req api.SendConnectorRequest) (config.SendConnector, error) {
	return a.editSendConnector(r, req, true)
}

// setSendConnector answers POST /v1/sendconnectors/set (Set-SendConnector).
func (a *API) setSendConnector(r *http.Request, req api.SendConnectorRequest) (config.SendConnector, error) {
	return a.editSendConnector(r, req, false)
}

func (a *API) editSendConnector(r *http.Request, req api.SendConnectorRequest, create bool) (config.SendConnector, error) {
	c, err := a.s.EditSendConnector(r.Context(), req.Name, create, func(c *config.SendConnector) error {
		for _, t := range req.Texts {
			if err := c.ApplyText(t.Name, t.Text); err != nil {
				return err
			}
		}
		if req.Password != "" {
			c.AuthenticationPassword = req.Password
		}
		return nil
	})
	if err != nil && !errors.Is(err, directory.ErrNotFound) && !errors.Is(err, directory.ErrExists) {
		err = fmt.Errorf("%w: %v", errBadRequest, err)
	}
	return c.Public(), err
}

// removeSendConnector answers POST /v1/sendconnectors/remove.
func (a *API) removeSendConnector(r *http.Request, req api.NameRequest) (struct{}, error) {
	return struct{}{}, a.s.RemoveSendConnector(r.Context(), req.Name)
}

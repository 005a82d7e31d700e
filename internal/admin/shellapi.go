package admin

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/postern/postern/internal/admin/api"
	"github.com/postern/postern/internal/config"
	"github.com/postern/postern/internal/tlsconf"
)

// The endpoints the cmdlet shell adds to the CLI's: -WhatIf validation
// that stores nothing, and Enable-ExchangeCertificate.
func (a *API) shellRoutes(m *http.ServeMux) {
	m.HandleFunc("POST /v1/whatif/settings/{protocol}", post(a, a.whatIfSettings))
	m.HandleFunc("POST /v1/whatif/casmailbox", post(a, a.whatIfCAS))
	m.HandleFunc("POST /v1/certificates/enable", post(a, a.enableCert))
}

// whatIfSettings applies the changes to a copy of the stored settings
// and returns the result without storing it: the answer to
// Set-PopSettings -WhatIf, including the error the change would get.
func (a *API) whatIfSettings(r *http.Request, req api.Changes) ([]config.Field, error) {
	p, err := protocolOf(r)
	if err != nil {
		return nil, err
	}
	ps, err := a.s.Settings(r.Context(), p)
	if err != nil {
		return nil, err
	}
	c := ps // edits replace slices, never modify them in place
	if err := edit[config.ProtocolSettings](req)(&c); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c.Fields(), nil
}

// whatIfCAS is whatIfSettings for Set-CASMailbox -WhatIf.
func (a *API) whatIfCAS(r *http.Request, req api.Changes) (api.CASMailbox, error) {
	u, m, err := a.s.CASMailbox(r.Context(), req.Name)
	if err != nil {
		return api.CASMailbox{}, err
	}
	c := m
	if err := edit[config.CASMailbox](req)(&c); err != nil {
		return api.CASMailbox{}, err
	}
	if err := c.Validate(); err != nil {
		return api.CASMailbox{}, err
	}
	return api.CASMailbox{Identity: u.Address(), Fields: c.Fields()}, nil
}

func (a *API) enableCert(r *http.Request, req api.EnableRequest) (tlsconf.Cert, error) {
	c, err := a.s.EnableCertificate(req.Thumbprint, req.Services...)
	var se *tlsconf.ServiceError
	if errors.Is(err, tlsconf.ErrNotFound) || errors.As(err, &se) {
		return c, fmt.Errorf("%w: %v", errBadRequest, err)
	}
	return c, err
}

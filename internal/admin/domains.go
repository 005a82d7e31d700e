package admin

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/postern/postern/internal/admin/api"
	"github.com/postern/postern/internal/directory"
)

// The accepted-domain endpoints (New-/Get-/Set-/Remove-AcceptedDomain and
// `postern domain`).
func (a *API) domainRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /v1/domains", get(a, a.listDomains))
	m.HandleFunc("POST /v1/domains", post(a, a.newDomain))
	m.HandleFunc("POST /v1/domains/set", post(a, a.setDomain))
	m.HandleFunc("POST /v1/domains/remove", post(a, a.removeDomain))
}

func domainOf(d directory.AcceptedDomain) api.Domain {
	return api.Domain{Name: d.Name, DomainName: d.DomainName, DomainType: "Authoritative", Default: d.Default}
}

func (a *API) listDomains(r *http.Request) ([]api.Domain, error) {
	all, err := a.s.Directory().Domains(r.Context())
	out := []api.Domain{}
	for _, d := range all {
		out = append(out, domainOf(d))
	}
	return out, err
}

func (a *API) newDomain(r *http.Request, req api.NewDomain) (api.Domain, error) {
	if req.DomainType != "" && !strings.EqualFold(req.DomainType, "Authoritative") {
		return api.Domain{}, refused{fmt.Errorf("DomainType %s isn't supported: Postern has Authoritative domains only, whose addresses are all local mailboxes", req.DomainType)}
	}
	d, err := a.s.Directory().AddDomain(r.Context(), req.Name, req.DomainName)
	return domainOf(d), domainError(err)
}

func (a *API) setDomain(r *http.Request, req api.SetDomain) (api.Domain, error) {
	d, err := a.s.Directory().SetDomain(r.Context(), req.Identity, req.Name, req.MakeDefault)
	return domainOf(d), domainError(err)
}

func (a *API) removeDomain(r *http.Request, req api.NameRequest) (struct{}, error) {
	return struct{}{}, domainError(a.s.Directory().RemoveDomain(r.Context(), req.Name))
}

// domainError makes a refusal a 400 with the directory's text.
func domainError(err error) error {
	if errors.Is(err, directory.ErrInUse) {
		return refused{err}
	}
	return err
}

// refused is a bad request whose text is the error's alone.
type refused struct{ err error }

func (r refused) Error() string        { return r.err.Error() }
func (r refused) Unwrap() error        { return r.err }
func (r refused) Is(target error) bool { return target == errBadRequest }

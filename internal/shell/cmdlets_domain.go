package shell

import (
	"context"
	"errors"
	"fmt"
	"github.com/postern/postern/internal/shell/lang"
	"strings"

	"github.com/postern/postern/internal/admin/api"
)

// domainCmdlets are New-/Get-/Set-/Remove-AcceptedDomain. Postern has
// Authoritative domains only: -DomainType InternalRelay or ExternalRelay
// is refused, since Postern does not relay.
func domainCmdlets() []*cmdlet {
	return []*cmdlet{
		{name: "Get-AcceptedDomain", params: append(exchangeParams(), lang.Positional("Identity", lang.KindString, 0).Piped()), run: runGetAcceptedDomain},
		{name: "New-AcceptedDomain", changes: true, params: append(exchangeParams(), lang.Positional("Name", lang.KindString, 0).Must(),
			lang.Named("DomainName", lang.KindString).Must(), lang.Named("DomainType", lang.KindString).OneOf("Authoritative", "InternalRelay", "ExternalRelay"),
			lang.Named("AddressBookEnabled", lang.KindBool), lang.Named("MatchSubDomains", lang.KindBool)), run: runNewAcceptedDomain},
		{name: "Set-AcceptedDomain", changes: true, params: append(exchangeParams(), lang.Positional("Identity", lang.KindString, 0).Must().Piped(),
			lang.Named("Name", lang.KindString), lang.Named("MakeDefault", lang.KindBool), lang.Named("DomainType", lang.KindString).OneOf("Authoritative", "InternalRelay", "ExternalRelay")),
			run: runSetAcceptedDomain},
		{name: "Remove-AcceptedDomain", changes: true, params: append(exchangeParams(), lang.Positional("Identity", lang.KindString, 0).Must().Piped()),
			run: runRemoveAcceptedDomain},
	}
}

func listDomains(ctx context.Context, c *call) ([]api.Domain, error) {
	return c.client().Domains(ctx)
}

// domainObject is an accepted domain as Get-AcceptedDomain shows it.
func domainObject(d api.Domain) *lang.Object {
	o := &lang.Object{TypeName: "AcceptedDomain", Text: d.Name, Columns: []string{"Name", "DomainName", "DomainType", "Default"}}
	o.Add("Name", d.Name)
	o.Add("DomainName", d.DomainName)
	o.Add("DomainType", d.DomainType)
	o.Add("Default", d.Default)
	o.Add("Identity", d.Name)
	return o
}

func runGetAcceptedDomain(ctx context.Context, c *call) ([]any, error) {
	all, err := listDomains(ctx, c)
	if err != nil {
		return nil, err
	}
	ids := c.identities("Identity", "DomainName")
	if len(ids) == 0 {
		ids = []string{"*"}
	}
	return eachItem(ids, func(id string) ([]any, error) {
		var out []any
		for _, d := range all {
			if matchesDomain(id, d) {
				out = append(out, domainObject(d))
			}
		}
		if len(out) == 0 && !lang.HasWildcard(id) {
			return nil, notFoundText(id)
		}
		return out, nil
	})
}

// matchesDomain reports whether an identity (with wildcards) names d by
// its Name or its DomainName.
func matchesDomain(id string, d api.Domain) bool {
	for _, s := range []string{d.Name, d.DomainName} {
		if strings.EqualFold(id, s) || lang.HasWildcard(id) && lang.WildcardMatch(id, s) {
			return true
		}
	}
	return false
}

// findDomain names exactly one accepted domain.
func findDomain(ctx context.Context, c *call, id string) (api.Domain, error) {
	all, err := listDomains(ctx, c)
	if err != nil {
		return api.Domain{}, err
	}
	for _, d := range all {
		if strings.EqualFold(id, d.Name) || strings.EqualFold(id, d.DomainName) {
			return d, nil
		}
	}
	return api.Domain{}, notFoundText(id)
}

// checkDomainType refuses the relay domain types.
func checkDomainType(c *call) error {
	if t := c.str("DomainType"); t != "" && !strings.EqualFold(t, "Authoritative") {
		return fmt.Errorf("DomainType %s isn't supported: Postern accepts mail only for its own mailboxes (Authoritative) and does not relay.", t)
	}
	return nil
}

func runNewAcceptedDomain(ctx context.Context, c *call) ([]any, error) {
	if err := checkDomainType(c); err != nil {
		return nil, err
	}
	if c.flag("MatchSubDomains") {
		return nil, errors.New("-MatchSubDomains $true isn't supported: add each subdomain as an accepted domain of its own.")
	}
	name, domain := c.str("Name"), c.str("DomainName")
	if c.whatIf() {
		c.whatIfMsg(name, fmt.Sprintf("A new accepted domain %s would be created, of type Authoritative.", domain))
		return nil, nil
	}
	d, err := c.client().NewDomain(ctx, api.NewDomain{Name: name, DomainName: domain, DomainType: "Authoritative"})
	if err != nil {
		return nil, err
	}
	c.sh.info = nil // the domains in the cached server info changed
	return []any{domainObject(d)}, nil
}

func runSetAcceptedDomain(ctx context.Context, c *call) ([]any, error) {
	if err := checkDomainType(c); err != nil {
		return nil, err
	}
	makeDefault := c.flag("MakeDefault")
	if c.has("MakeDefault") && !makeDefault {
		return nil, errors.New("-MakeDefault $false has no effect: make another accepted domain the default instead.")
	}
	return eachDomain(ctx, c, func(d api.Domain) error {
		req := api.SetDomain{Identity: d.DomainName, Name: c.str("Name"), MakeDefault: makeDefault}
		return c.client().SetDomain(ctx, req)
	})
}

func runRemoveAcceptedDomain(ctx context.Context, c *call) ([]any, error) {
	return eachDomain(ctx, c, func(d api.Domain) error {
		if ok, err := c.confirm(fmt.Sprintf("Removing accepted domain \"%s\" (%s).", d.Name, d.DomainName)); err != nil || !ok {
			return err
		}
		return c.client().RemoveDomain(ctx, d.DomainName)
	})
}

// eachDomain runs change for each accepted domain -Identity (or the
// pipeline) names, or reports it under -WhatIf; the shell's cached
// server info is dropped after a change.
func eachDomain(ctx context.Context, c *call, change func(d api.Domain) error) ([]any, error) {
	return eachItem(c.identities("Identity", "DomainName"), func(id string) ([]any, error) {
		d, err := findDomain(ctx, c, id)
		if err != nil {
			return nil, err
		}
		if c.whatIf() {
			c.whatIfMsg(d.Name, "")
			return nil, nil
		}
		c.sh.info = nil // the domains in the cached server info change
		return nil, change(d)
	})
}

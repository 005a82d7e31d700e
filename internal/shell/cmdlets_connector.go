package shell

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/postern/postern/internal/admin/api"
	"github.com/postern/postern/internal/config"
	"github.com/postern/postern/internal/shell/lang"
)

// This file holds Get-, Set-, New- and Remove-ReceiveConnector (spec
// section 8) over /v1/connectors. The parameter names come from
// config.ReceiveConnector, which parses and validates every value; the
// shell only gives each its Exchange type for binding.
//
// The admin API has no dry run for connectors, so -WhatIf rebuilds the
// server's connectors from their displayed settings and validates the
// change locally with the config package (the same checks the server
// makes); nothing is sent.
//
// AuthMechanism and PermissionGroups are Exchange flag sets: a list
// (Tls,BasicAuth) sets them, and @{Add=...;Remove=...} edits the current
// value, which the shell reads first and sends back whole.

// connectorKinds are the Exchange types of the connector parameters that
// are not kept as given (kRaw): Booleans, Int32s and Strings. The others
// (Bindings, the flag sets, EnhancedTimeSpan, ByteQuantifiedSize,
// Unlimited<Int32>, ProtocolLoggingLevel) are text config parses.
var connectorKinds = map[string]lang.Kind{
	"Enabled": lang.KindBool, "ImplicitTls": lang.KindBool, "AdvertiseClientSettings": lang.KindBool, "RequireTLS": lang.KindBool,
	"MaxRecipientsPerMessage": lang.KindInt, "MaxLogonFailures": lang.KindInt,
	"Fqdn": lang.KindString, "Banner": lang.KindString, "TlsCertificateName": lang.KindString, "Name": lang.KindString,
}

// connectorFlags are the flag-set parameters, multi-valued in the shell.
var connectorFlags = map[string]bool{"AuthMechanism": true, "PermissionGroups": true}

// connectorSchema is the connector's parameter names in display order
// and which are lists in config (Bindings).
func connectorSchema() schema {
	var rc config.ReceiveConnector
	sc := schema{names: rc.Names(), multi: map[string]bool{}}
	for _, n := range sc.names {
		c := rc
		err := c.Apply(config.Change{Name: n, Op: config.OpAdd})
		sc.multi[n] = !errors.Is(err, config.ErrNotMultiValued)
	}
	return sc
}

// connectorParams are the connector settings as cmdlet parameters,
// leaving out skip.
func connectorParamList(sc schema, skip string) []lang.Param {
	var out []lang.Param
	for _, n := range sc.names {
		if n == skip {
			continue
		}
		k, ok := connectorKinds[n]
		if !ok {
			k = lang.KindRaw
		}
		out = append(out, lang.Named(n, k))
	}
	return out
}

// connectorCmdlets are Get-, Set-, New- and Remove-ReceiveConnector.
func connectorCmdlets() []*cmdlet {
	sc := connectorSchema()
	identity := lang.Positional("Identity", lang.KindString, 0)
	setParams := append(append(exchangeParams(), identity.Must().Piped()), connectorParamList(sc, "")...)
	newParams := append(append(exchangeParams(), lang.Positional("Name", lang.KindString, 0).Must(),
		lang.Named("Usage", lang.KindString).OneOf(string(config.UsageClient), string(config.UsageInternet), string(config.UsageCustom)),
		lang.Named("TransportRole", lang.KindString).OneOf("FrontendTransport")), connectorParamList(sc, "Name")...)
	for i := range newParams {
		if newParams[i].Name == "Bindings" {
			newParams[i] = newParams[i].Must()
		}
	}
	return []*cmdlet{
		{name: "Get-ReceiveConnector", params: append(exchangeParams(), identity.Piped()), run: runGetConnector},
		{name: "Set-ReceiveConnector", params: setParams, changes: true,
			run: func(ctx context.Context, c *call) ([]any, error) { return runSetConnector(ctx, c, sc) }},
		{name: "New-ReceiveConnector", params: newParams, changes: true,
			run: func(ctx context.Context, c *call) ([]any, error) { return runNewConnector(ctx, c, sc) }},
		{name: "Remove-ReceiveConnector", params: append(exchangeParams(), identity.Must().Piped()), changes: true,
			run: runRemoveConnector},
	}
}

// connectorObject is a receive connector as Get-ReceiveConnector shows
// it: Identity, Bindings and Enabled in the table, every setting in the
// list (then where it listens now, Postern's addition).
func connectorObject(k api.Connector, server string) *lang.Object {
	o := &lang.Object{TypeName: "ReceiveConnector", Text: k.Identity, Columns: []string{"Identity", "Bindings", "Enabled"}}
	for _, f := range k.Fields {
		switch {
		case f.Name == "Bindings":
			o.Add(f.Name, anyList(displayedList(f.Value)))
		case f.Value == "True" || f.Value == "False":
			o.Add(f.Name, f.Value == "True")
		default:
			o.Add(f.Name, f.Value)
		}
	}
	o.Add("Server", server)
	o.Add("Listening", anyList(k.Listening))
	if k.Error != "" {
		o.Add("ListeningError", k.Error)
	}
	o.Add("Identity", k.Identity)
	return o
}

// displayedList splits a list's display form "{a, b}".
func displayedList(s string) []string {
	s = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(s), "{"), "}")
	return config.SplitList(s)
}

// connectorsOf checks -Server and returns the server and its connectors,
// what every connector cmdlet starts from.
func connectorsOf(ctx context.Context, c *call) (*api.Info, []api.Connector, error) {
	if err := c.checkServer(ctx); err != nil {
		return nil, nil, err
	}
	in, err := c.serverInfo(ctx)
	if err != nil {
		return nil, nil, err
	}
	all, err := listConnectors(ctx, c)
	return in, all, err
}

func listConnectors(ctx context.Context, c *call) ([]api.Connector, error) {
	return c.client().Connectors(ctx)
}

// matchConnectors returns the connectors an identity names: the name or
// Server\Name, ignoring case, with wildcards when allowed. A plain
// identity that names none is an error.
func matchConnectors(all []api.Connector, id string, wildcards bool) ([]api.Connector, error) {
	var out []api.Connector
	for _, k := range all {
		for _, n := range []string{k.Name, k.Identity} {
			if strings.EqualFold(n, id) || wildcards && lang.HasWildcard(id) && lang.WildcardMatch(id, n) {
				out = append(out, k)
				break
			}
		}
	}
	if len(out) == 0 && !(wildcards && lang.HasWildcard(id)) {
		return nil, notFoundText(id)
	}
	return out, nil
}

func runGetConnector(ctx context.Context, c *call) ([]any, error) {
	in, all, err := connectorsOf(ctx, c)
	if err != nil {
		return nil, err
	}
	ids := c.identities("Identity", "Name")
	if len(ids) == 0 && !c.has("Identity") && !c.piped {
		ids = []string{"*"}
	}
	return eachItem(ids, func(id string) ([]any, error) {
		found, err := matchConnectors(all, id, true)
		var out []any
		for _, k := range found {
			out = append(out, connectorObject(k, in.Name))
		}
		return out, err
	})
}

// connectorChanges converts the bound connector parameters, in display
// order; current gives a flag set's value for @{Add=...;Remove=...}.
func (c *call) connectorChanges(sc schema, current func(name string) string) ([]config.Change, error) {
	var out []config.Change
	for _, n := range sc.names {
		v, ok := c.args[n]
		if !ok {
			continue
		}
		if !connectorFlags[n] {
			chs, err := toChanges(n, sc.multi[n], v)
			if err != nil {
				return nil, err
			}
			out = append(out, chs...)
			continue
		}
		text, err := flagText(n, v, current)
		if err != nil {
			return nil, err
		}
		out = append(out, config.Change{Name: n, Op: config.OpSet, Values: []string{text}})
	}
	return out, nil
}

// flagText is a flag set's new value as config reads it: "Tls, BasicAuth".
func flagText(name string, v any, current func(string) string) (string, error) {
	switch x := v.(type) {
	case []any:
		return strings.Join(settingTexts(x), ", "), nil
	case *lang.Hashtable:
		chs, err := hashChanges(name, x)
		if err != nil {
			return "", err
		}
		set := config.SplitList(current(name))
		for _, ch := range chs {
			for _, val := range ch.Values {
				set = removeFold(set, val)
				if ch.Op == config.OpAdd {
					set = append(removeFold(set, "None"), val)
				}
			}
		}
		if len(set) == 0 {
			return "None", nil
		}
		return strings.Join(set, ", "), nil
	case *lang.SecureString, *lang.Credential:
		return "", fmt.Errorf("Cannot process argument transformation on parameter '%s'. Cannot convert the value of type \"%s\".", name, lang.TypeName(v))
	}
	return settingText(v), nil
}

func removeFold(list []string, s string) []string {
	var out []string
	for _, e := range list {
		if !strings.EqualFold(e, strings.TrimSpace(s)) {
			out = append(out, e)
		}
	}
	return out
}

func fieldOf(k api.Connector, name string) string {
	for _, f := range k.Fields {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

// rebuildConnector makes a config connector from its displayed settings,
// for validating a -WhatIf locally.
func rebuildConnector(k api.Connector, fqdn string) (config.ReceiveConnector, error) {
	rc := config.NewReceiveConnector(k.Name, config.UsageCustom, fqdn, nil)
	var all []config.Change
	for _, f := range k.Fields {
		values := []string{f.Value}
		if f.Name == "Bindings" {
			values = displayedList(f.Value)
		}
		all = append(all, config.Change{Name: f.Name, Values: values})
	}
	if err := rc.Apply(all...); err != nil {
		return rc, fmt.Errorf("The receive connector '%s' could not be checked locally for -WhatIf: %w", k.Identity, err)
	}
	return rc, nil
}

func rebuildConnectors(all []api.Connector, fqdn string) ([]config.ReceiveConnector, error) {
	out := make([]config.ReceiveConnector, len(all))
	for i, k := range all {
		var err error
		if out[i], err = rebuildConnector(k, fqdn); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (c *call) restartWarning(server string) {
	c.warn("Changes to receive connectors will only take effect after the Microsoft Exchange Frontend Transport service "+
		"(MSExchangeFrontEndTransport) is restarted on server %s.", server)
}

func runSetConnector(ctx context.Context, c *call, sc schema) ([]any, error) {
	in, all, err := connectorsOf(ctx, c)
	if err != nil {
		return nil, err
	}
	var targets []api.Connector
	var errs []error
	seen := map[string]bool{}
	for _, id := range c.identities("Identity", "Name") {
		found, err := matchConnectors(all, id, true)
		for _, k := range found {
			if !seen[k.Identity] {
				seen[k.Identity] = true
				targets = append(targets, k)
			}
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	changed := false
	for _, k := range targets {
		changes, err := c.connectorChanges(sc, func(n string) string { return fieldOf(k, n) })
		if err != nil {
			return nil, errors.Join(append(errs, err)...)
		}
		if len(changes) == 0 {
			c.warn("The command completed successfully but no settings of '%s' have been modified.", k.Identity)
			continue
		}
		if c.whatIf() {
			if err := whatIfSetConnector(c, all, k, changes, in.FQDN); err != nil {
				errs = append(errs, err)
			}
			continue
		}
		if _, err := c.client().SetConnector(ctx, api.Changes{Name: k.Identity, Changes: changes}); err != nil {
			errs = append(errs, notFound(k.Identity, err))
			continue
		}
		changed = true
	}
	if changed {
		c.restartWarning(in.Name)
	}
	return nil, errors.Join(errs...)
}

// whatIfSetConnector validates a change on local copies of the
// connectors and reports what it would change.
func whatIfSetConnector(c *call, all []api.Connector, k api.Connector, changes []config.Change, fqdn string) error {
	list, err := rebuildConnectors(all, fqdn)
	if err != nil {
		return err
	}
	for i := range all {
		if all[i].Identity != k.Identity {
			continue
		}
		if err := list[i].Apply(changes...); err != nil {
			return err
		}
		if err := config.ValidateConnectors(list); err != nil {
			return err
		}
		c.whatIfMsg(k.Identity, diffFields(k.Fields, list[i].Fields()))
	}
	return nil
}

func runNewConnector(ctx context.Context, c *call, sc schema) ([]any, error) {
	if err := c.checkServer(ctx); err != nil {
		return nil, err
	}
	in, err := c.serverInfo(ctx)
	if err != nil {
		return nil, err
	}
	name := c.str("Name")
	usage := config.UsageCustom
	if c.has("Usage") {
		if usage, err = config.ParseConnectorUsage(c.str("Usage")); err != nil {
			return nil, err
		}
	}
	template := config.NewReceiveConnector(name, usage, in.FQDN, nil)
	changes, err := c.connectorChanges(sc, func(n string) string { v, _ := template.Get(n); return v })
	if err != nil {
		return nil, err
	}
	if c.whatIf() {
		all, err := listConnectors(ctx, c)
		if err != nil {
			return nil, err
		}
		list, err := rebuildConnectors(all, in.FQDN)
		if err != nil {
			return nil, err
		}
		if err := template.Apply(changes...); err != nil {
			return nil, err
		}
		if err := config.ValidateConnectors(append(list, template)); err != nil {
			return nil, err
		}
		c.whatIfMsg(in.Name+`\`+name, "Creating the "+string(usage)+" receive connector with Bindings "+
			fieldOfConfig(template, "Bindings")+".")
		return nil, nil
	}
	k, err := c.client().NewConnector(ctx, api.NewConnector{Name: name, Usage: string(usage), Changes: changes})
	if err != nil {
		return nil, err
	}
	c.restartWarning(in.Name)
	return []any{connectorObject(k, in.Name)}, nil
}

func fieldOfConfig(rc config.ReceiveConnector, name string) string {
	v, _ := rc.Get(name)
	return v
}

func runRemoveConnector(ctx context.Context, c *call) ([]any, error) {
	in, all, err := connectorsOf(ctx, c)
	if err != nil {
		return nil, err
	}
	removed := false
	out, err := eachItem(c.identities("Identity", "Name"), func(id string) ([]any, error) {
		found, err := matchConnectors(all, id, false)
		if err != nil {
			return nil, err
		}
		k := found[0]
		if c.whatIf() {
			c.whatIfMsg(k.Identity, "")
			return nil, nil
		}
		ok, err := c.confirm(fmt.Sprintf("Removing Receive connector \"%s\".", k.Identity))
		if err != nil || !ok {
			return nil, err
		}
		if err := c.client().RemoveConnector(ctx, k.Identity); err != nil {
			return nil, notFound(k.Identity, err)
		}
		removed = true
		return nil, nil
	})
	if removed {
		c.restartWarning(in.Name)
	}
	return out, err
}

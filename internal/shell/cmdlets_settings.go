package shell

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/postern/postern/internal/admin"
	"github.com/postern/postern/internal/admin/api"
	"github.com/postern/postern/internal/config"
	"github.com/postern/postern/internal/shell/lang"
)

// schema is what the shell needs to know of a settings object: its
// parameter names in display order and which of them are multi-valued
// (those take lists and @{Add=...;Remove=...}). It is read from the
// config package, the single owner of the names.
type schema struct {
	names []string
	multi map[string]bool
	// unknown explains a name the object lacks (the other protocol's
	// parameter).
	unknown func(name string) error
}

// protocolSchema reads the schema of a protocol's settings. A parameter
// is multi-valued when adding nothing to it is allowed; a single-valued
// one refuses any Add with ErrNotMultiValued.
func protocolSchema(protocol string) schema {
	ps, _ := config.DefaultSettings(protocol, "schema.invalid")
	sc := schema{names: ps.Names(), multi: map[string]bool{}}
	for _, n := range sc.names {
		c := ps
		sc.multi[n] = c.Apply(config.Change{Name: n, Op: config.OpAdd}) == nil
	}
	sc.unknown = func(name string) error {
		c := ps
		_, err := c.Get(name)
		return err
	}
	return sc
}

func casSchema() schema {
	m := config.DefaultCASMailbox()
	return schema{names: m.Names(), multi: map[string]bool{}}
}

// settingsCmdlets are Get-/Set-PopSettings and Get-/Set-ImapSettings.
func settingsCmdlets() []*cmdlet {
	var out []*cmdlet
	for _, p := range []struct{ noun, protocol, path string }{
		{"PopSettings", config.ProtocolPOP3, "pop3"}, {"ImapSettings", config.ProtocolIMAP4, "imap4"},
	} {
		sc := protocolSchema(p.protocol)
		out = append(out, &cmdlet{name: "Get-" + p.noun, params: exchangeParams(),
			run: func(ctx context.Context, c *call) ([]any, error) { return getSettings(ctx, c, p.protocol, p.path) }})
		params := exchangeParams()
		for _, n := range sc.names {
			params = append(params, lang.Named(n, lang.KindRaw))
		}
		out = append(out, &cmdlet{name: "Set-" + p.noun, params: params, changes: true, unknown: sc.unknown,
			run: func(ctx context.Context, c *call) ([]any, error) { return setSettings(ctx, c, sc, p.protocol, p.path) }})
	}
	return out
}

// exchangeParams are the parameters every Exchange cmdlet here takes.
func exchangeParams() []lang.Param {
	return []lang.Param{lang.Named("Server", lang.KindString), lang.Named("DomainController", lang.KindString)}
}

// settingsObject is a protocol settings object as Get-PopSettings shows
// it. The default table view is the one remembered from Exchange 2016
// (unconfirmed by a [doc] source).
func settingsObject(protocol, server string, fields []config.Field) *lang.Object {
	o := &lang.Object{TypeName: protocol + "Settings", Text: server,
		Columns: []string{"UnencryptedOrTLSBindings", "SSLBindings", "LoginType", "X509CertificateName"}}
	o.Add("ProtocolName", protocol)
	for _, f := range fields {
		o.Add(f.Name, f.Value)
	}
	o.Add("Server", server)
	return o
}

func getSettings(ctx context.Context, c *call, protocol, path string) ([]any, error) {
	if err := c.checkServer(ctx); err != nil {
		return nil, err
	}
	in, err := c.serverInfo(ctx)
	if err != nil {
		return nil, err
	}
	fields, err := c.client().Settings(ctx, path)
	if err != nil {
		return nil, err
	}
	return []any{settingsObject(protocol, in.Name, fields)}, nil
}

// setSettings sends the given parameters as one atomic change; -WhatIf
// has the server validate them on a copy and reports the differences.
func setSettings(ctx context.Context, c *call, sc schema, protocol, path string) ([]any, error) {
	if err := c.checkServer(ctx); err != nil {
		return nil, err
	}
	in, err := c.serverInfo(ctx)
	if err != nil {
		return nil, err
	}
	changes, err := c.changes(sc)
	if err != nil {
		return nil, err
	}
	if len(changes) == 0 {
		c.warn("The command completed successfully but no settings of '%s\\%s' have been modified.", in.Name, protocol)
		return nil, nil
	}
	if c.whatIf() {
		before, err := c.client().Settings(ctx, path)
		if err != nil {
			return nil, err
		}
		after, err := c.client().WhatIfSettings(ctx, path, api.Changes{Changes: changes})
		if err != nil {
			return nil, err
		}
		c.whatIfMsg(protocol+" settings of "+in.Name, diffFields(before, after))
		return nil, nil
	}
	if _, err := c.client().SetSettings(ctx, path, api.Changes{Changes: changes}); err != nil {
		return nil, err
	}
	name := map[string]string{config.ProtocolPOP3: "POP3", config.ProtocolIMAP4: "IMAP4"}[protocol]
	c.warn("Changes to %s settings will only take effect after all Microsoft Exchange %s services are restarted on server %s.",
		name, name, in.Name)
	return nil, nil
}

// changes converts the bound settings parameters, in display order.
func (c *call) changes(sc schema) ([]config.Change, error) {
	var out []config.Change
	for _, n := range sc.names {
		v, ok := c.args[n]
		if !ok {
			continue
		}
		chs, err := toChanges(n, sc.multi[n], v)
		if err != nil {
			return nil, err
		}
		out = append(out, chs...)
	}
	return out, nil
}

// toChanges turns one parameter's value into config changes: a list
// replaces a multi-valued property, @{Add=...;Remove=...} edits it, $null
// clears, and a scalar is its text (config parses and validates it).
func toChanges(name string, multi bool, v any) ([]config.Change, error) {
	switch x := v.(type) {
	case nil:
		if multi {
			return []config.Change{{Name: name, Op: config.OpSet}}, nil
		}
		return []config.Change{{Name: name, Op: config.OpSet, Values: []string{"$null"}}}, nil
	case *lang.Hashtable:
		return hashChanges(name, x)
	case []any:
		if len(x) == 1 && !multi {
			return toChanges(name, multi, x[0])
		}
		return []config.Change{{Name: name, Op: config.OpSet, Values: settingTexts(x)}}, nil
	case *lang.SecureString, *lang.Credential:
		return nil, fmt.Errorf("Cannot process argument transformation on parameter '%s'. Cannot convert the value of type \"%s\".", name, lang.TypeName(v))
	}
	return []config.Change{{Name: name, Op: config.OpSet, Values: []string{settingText(v)}}}, nil
}

// hashChanges converts @{Add=...;Remove=...}.
func hashChanges(name string, h *lang.Hashtable) ([]config.Change, error) {
	var out []config.Change
	for i, k := range h.Keys {
		op := config.OpAdd
		switch lower(k) {
		case "add":
		case "remove":
			op = config.OpRemove
		default:
			return nil, fmt.Errorf("Cannot process argument transformation on parameter '%s'. "+
				"The hash table key '%s' is not valid: a multi-valued property takes only the keys Add and Remove.", name, k)
		}
		out = append(out, config.Change{Name: name, Op: op, Values: settingTexts(lang.FlattenAll(h.Values[i]))})
	}
	return out, nil
}

func settingTexts(vs []any) []string {
	out := make([]string, 0, len(vs))
	for _, v := range lang.FlattenAll(vs) {
		out = append(out, settingText(v))
	}
	return out
}

// settingText is a scalar in the text form config parses: $true/$false
// for Booleans.
func settingText(v any) string {
	switch x := v.(type) {
	case bool:
		if x {
			return "$true"
		}
		return "$false"
	case nil:
		return "$null"
	}
	return lang.TextOf(v)
}

// diffFields lists the settings a -WhatIf would change.
func diffFields(before, after []config.Field) string {
	old := map[string]string{}
	for _, f := range before {
		old[f.Name] = f.Value
	}
	var parts []string
	for _, f := range after {
		if old[f.Name] != f.Value {
			parts = append(parts, fmt.Sprintf("%s: %s -> %s", f.Name, quoteEmpty(old[f.Name]), quoteEmpty(f.Value)))
		}
	}
	if len(parts) == 0 {
		return "No setting would change."
	}
	return "Changes: " + strings.Join(parts, "; ") + "."
}

func quoteEmpty(s string) string {
	if s == "" {
		return `""`
	}
	return s
}

// casCmdlets are Get-/Set-CASMailbox.
func casCmdlets() []*cmdlet {
	sc := casSchema()
	setParams := append(exchangeParams(), lang.Positional("Identity", lang.KindString, 0).Must().Piped())
	for _, n := range sc.names {
		setParams = append(setParams, lang.Named(n, lang.KindRaw))
	}
	return []*cmdlet{
		{name: "Get-CASMailbox", params: append(exchangeParams(), lang.Positional("Identity", lang.KindString, 0).Piped(),
			lang.Named("ProtocolSettings", lang.KindSwitch), lang.Named("ResultSize", lang.KindString)), run: runGetCAS},
		{name: "Set-CASMailbox", params: setParams, changes: true,
			run: func(ctx context.Context, c *call) ([]any, error) { return runSetCAS(ctx, c, sc) }},
	}
}

func runGetCAS(ctx context.Context, c *call) ([]any, error) {
	ids := c.identities("Identity", "PrimarySmtpAddress")
	if len(ids) == 0 && !c.has("Identity") {
		users, err := listUsers(ctx, c)
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			ids = append(ids, u.Address)
		}
	}
	var proto map[string]string
	if c.flag("ProtocolSettings") {
		var err error
		if proto, err = protocolConnectionSettings(ctx, c); err != nil {
			return nil, err
		}
	}
	return eachItem(ids, func(id string) ([]any, error) {
		m, err := c.client().CASMailbox(ctx, id)
		if err != nil {
			return nil, notFound(id, err)
		}
		return []any{casObject(m, proto)}, nil
	})
}

// casObject is a mailbox's CAS settings as Get-CASMailbox shows them;
// with -ProtocolSettings it adds the server's connection settings.
func casObject(m api.CASMailbox, proto map[string]string) *lang.Object {
	alias, _, _ := strings.Cut(m.Identity, "@")
	o := &lang.Object{TypeName: "CASMailbox", Text: m.Identity, Columns: []string{"Name", "PopEnabled", "ImapEnabled"}}
	o.Add("Name", alias)
	o.Add("PrimarySmtpAddress", m.Identity)
	for _, f := range m.Fields {
		o.Add(f.Name, f.Value)
	}
	for _, n := range []string{"ExternalImapSettings", "InternalImapSettings", "ExternalPopSettings", "InternalPopSettings",
		"ExternalSmtpSettings", "InternalSmtpSettings"} {
		if v, ok := proto[n]; ok {
			o.Add(n, v)
		}
	}
	o.Add("Identity", m.Identity)
	return o
}

// protocolConnectionSettings reads the External/Internal connection
// settings Get-CASMailbox -ProtocolSettings shows (spec section 3). SMTP
// submission has none yet, so its two are empty.
func protocolConnectionSettings(ctx context.Context, c *call) (map[string]string, error) {
	out := map[string]string{"ExternalSmtpSettings": "{}", "InternalSmtpSettings": "{}"}
	for _, p := range []struct{ path, noun string }{{"pop3", "Pop"}, {"imap4", "Imap"}} {
		fields, err := c.client().Settings(ctx, p.path)
		if err != nil {
			return nil, err
		}
		for _, f := range fields {
			switch f.Name {
			case "ExternalConnectionSettings":
				out["External"+p.noun+"Settings"] = f.Value
			case "InternalConnectionSettings":
				out["Internal"+p.noun+"Settings"] = f.Value
			}
		}
	}
	return out, nil
}

func runSetCAS(ctx context.Context, c *call, sc schema) ([]any, error) {
	changes, err := c.changes(sc)
	if err != nil {
		return nil, err
	}
	return eachItem(c.identities("Identity", "PrimarySmtpAddress"), func(id string) ([]any, error) {
		if len(changes) == 0 {
			c.warn("The command completed successfully but no settings of '%s' have been modified.", id)
			return nil, nil
		}
		req := api.Changes{Name: id, Changes: changes}
		if c.whatIf() {
			before, err := c.client().CASMailbox(ctx, id)
			if err != nil {
				return nil, notFound(id, err)
			}
			after, err := c.client().WhatIfCASMailbox(ctx, req)
			if err != nil {
				return nil, err
			}
			c.whatIfMsg(before.Identity, diffFields(before.Fields, after.Fields))
			return nil, nil
		}
		_, err := c.client().SetCASMailbox(ctx, req)
		return nil, notFound(id, err)
	})
}

// notFound words a missing object as Exchange does.
func notFound(id string, err error) error {
	var se *admin.StatusError
	if errors.As(err, &se) && se.Code == http.StatusNotFound {
		return fmt.Errorf("The operation couldn't be performed because object '%s' couldn't be found.", id)
	}
	return err
}

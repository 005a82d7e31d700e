package shell

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/postern/postern/internal/admin/api"
	"github.com/postern/postern/internal/config"
)

// sendConnectorCmdlets are Get-, New-, Set- and Remove-SendConnector over
// /v1/sendconnectors; the server parses and validates every value.
func sendConnectorCmdlets() []*cmdlet {
	settings := []param{
		named("AddressSpaces", kStrings), named("SmartHosts", kStrings), named("Port", kInt), named("Enabled", kBool),
		named("RequireTLS", kBool), named("TlsAuthLevel", kString).oneOf("EncryptionOnly", "CertificateValidation", "DomainValidation"),
		named("SmartHostAuthMechanism", kString).oneOf("None", "BasicAuth", "BasicAuthRequireTLS"),
		named("AuthenticationCredential", kCredential),
	}
	identity := positional("Identity", kString, 0)
	return []*cmdlet{
		{name: "Get-SendConnector", params: append(exchangeParams(), identity.piped()), run: runGetSendConnector},
		{name: "New-SendConnector", changes: true, params: append(append(exchangeParams(), positional("Name", kString, 0).must(),
			named("Usage", kString).oneOf("Custom", "Internal", "Internet", "Partner"), named("Internet", kSwitch)), settings...),
			run: func(ctx context.Context, c *call) ([]any, error) { return runEditSendConnector(ctx, c, true) }},
		{name: "Set-SendConnector", changes: true, params: append(append(exchangeParams(), identity.must().piped(), named("Name", kString)), settings...),
			run: func(ctx context.Context, c *call) ([]any, error) { return runEditSendConnector(ctx, c, false) }},
		{name: "Remove-SendConnector", changes: true, params: append(exchangeParams(), identity.must().piped()), run: runRemoveSendConnector},
	}
}

// sendConnectorObject is a send connector as Get-SendConnector shows it.
func sendConnectorObject(k config.SendConnector) *Object {
	o := &Object{TypeName: "SmtpSendConnectorConfig", Text: k.Name, Columns: []string{"Identity", "AddressSpaces", "Enabled"}}
	o.add("Identity", k.Name)
	o.add("AddressSpaces", anyList(k.AddressSpaces))
	o.add("Enabled", k.Enabled)
	o.add("DNSRoutingEnabled", k.DNSRoutingEnabled())
	o.add("SmartHosts", anyList(k.SmartHosts))
	o.add("Port", k.Port)
	o.add("RequireTLS", k.RequireTLS)
	level := k.TlsAuthLevel
	if level == "" {
		level = "EncryptionOnly"
	}
	o.add("TlsAuthLevel", level)
	o.add("SmartHostAuthMechanism", k.SmartHostAuthMechanism)
	o.add("AuthenticationCredential", k.AuthenticationUser)
	o.add("Name", k.Name)
	return o
}

func runGetSendConnector(ctx context.Context, c *call) ([]any, error) {
	if err := c.checkServer(ctx); err != nil {
		return nil, err
	}
	all, err := c.client().SendConnectors(ctx)
	if err != nil {
		return nil, err
	}
	ids := c.identities("Identity", "Name")
	if len(ids) == 0 {
		ids = []string{"*"}
	}
	return eachItem(ids, func(id string) ([]any, error) {
		var out []any
		for _, k := range all {
			if matchesAny([]string{id}, k.Name) {
				out = append(out, sendConnectorObject(k))
			}
		}
		if len(out) == 0 && !hasWildcard(id) {
			return nil, notFoundText(id)
		}
		return out, nil
	})
}

// sendConnectorTexts turns the bound settings into Name=Value texts and
// the password of -AuthenticationCredential.
func (c *call) sendConnectorTexts() ([]api.TextChange, string, error) {
	var out []api.TextChange
	for _, n := range []string{"AddressSpaces", "SmartHosts", "Port", "Enabled", "RequireTLS", "TlsAuthLevel", "SmartHostAuthMechanism"} {
		v, ok := c.args[n]
		if !ok {
			continue
		}
		var text string
		switch x := v.(type) {
		case []string:
			text = strings.Join(x, ",")
		case bool:
			text = "$" + strconv.FormatBool(x)
		case int:
			text = strconv.Itoa(x)
		default:
			text = fmt.Sprint(x)
		}
		out = append(out, api.TextChange{Name: n, Text: text})
	}
	if c.flag("Internet") || strings.EqualFold(c.str("Usage"), "Internet") {
		if _, ok := c.args["AddressSpaces"]; !ok {
			out = append(out, api.TextChange{Name: "AddressSpaces", Text: "*"})
		}
	}
	password := ""
	switch v := c.args["AuthenticationCredential"].(type) {
	case *Credential:
		out = append(out, api.TextChange{Name: "AuthenticationUser", Text: v.UserName})
		if v.Password != nil {
			password = v.Password.text
		}
	case string:
		return nil, "", errors.New("-AuthenticationCredential needs a PSCredential: use -AuthenticationCredential (Get-Credential).")
	}
	return out, password, nil
}

func runEditSendConnector(ctx context.Context, c *call, create bool) ([]any, error) {
	if err := c.checkServer(ctx); err != nil {
		return nil, err
	}
	texts, password, err := c.sendConnectorTexts()
	if err != nil {
		return nil, err
	}
	name, edit := c.str("Name"), c.client().NewSendConnector
	if !create {
		name, edit = c.str("Identity"), c.client().SetSendConnector
		if n := c.str("Name"); n != "" {
			texts = append(texts, api.TextChange{Name: "Name", Text: n})
		}
	}
	if c.whatIf() {
		c.whatIfMsg(name, "")
		return nil, nil
	}
	k, err := edit(ctx, api.SendConnectorRequest{Name: name, Texts: texts, Password: password})
	if err != nil {
		return nil, notFound(name, err)
	}
	if create {
		return []any{sendConnectorObject(k)}, nil
	}
	return nil, nil
}

func runRemoveSendConnector(ctx context.Context, c *call) ([]any, error) {
	if err := c.checkServer(ctx); err != nil {
		return nil, err
	}
	id := c.str("Identity")
	if c.whatIf() {
		c.whatIfMsg(id, "")
		return nil, nil
	}
	ok, err := c.confirm(fmt.Sprintf("Removing Send connector \"%s\".", id))
	if err != nil || !ok {
		return nil, err
	}
	return nil, notFound(id, c.client().RemoveSendConnector(ctx, id))
}

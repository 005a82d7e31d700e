package shell

import (
	"context"
	"errors"
	"fmt"
	"github.com/postern/postern/internal/shell/lang"
	"strconv"
	"strings"

	"github.com/postern/postern/internal/admin/api"
	"github.com/postern/postern/internal/config"
)

// sendConnectorCmdlets are Get-, New-, Set- and Remove-SendConnector over
// /v1/sendconnectors; the server parses and validates every value.
func sendConnectorCmdlets() []*cmdlet {
	settings := []lang.Param{
		lang.Named("AddressSpaces", lang.KindStrings), lang.Named("SmartHosts", lang.KindStrings), lang.Named("Port", lang.KindInt), lang.Named("Enabled", lang.KindBool),
		lang.Named("RequireTLS", lang.KindBool), lang.Named("TlsAuthLevel", lang.KindString).OneOf("EncryptionOnly", "CertificateValidation", "DomainValidation"),
		lang.Named("SmartHostAuthMechanism", lang.KindString).OneOf("None", "BasicAuth", "BasicAuthRequireTLS"),
		lang.Named("AuthenticationCredential", lang.KindCredential),
	}
	identity := lang.Positional("Identity", lang.KindString, 0)
	return []*cmdlet{
		{name: "Get-SendConnector", params: append(exchangeParams(), identity.Piped()), run: runGetSendConnector},
		{name: "New-SendConnector", changes: true, params: append(append(exchangeParams(), lang.Positional("Name", lang.KindString, 0).Must(),
			lang.Named("Usage", lang.KindString).OneOf("Custom", "Internal", "Internet", "Partner"), lang.Named("Internet", lang.KindSwitch)), settings...),
			run: func(ctx context.Context, c *call) ([]any, error) { return runEditSendConnector(ctx, c, true) }},
		{name: "Set-SendConnector", changes: true, params: append(append(exchangeParams(), identity.Must().Piped(), lang.Named("Name", lang.KindString)), settings...),
			run: func(ctx context.Context, c *call) ([]any, error) { return runEditSendConnector(ctx, c, false) }},
		{name: "Remove-SendConnector", changes: true, params: append(exchangeParams(), identity.Must().Piped()), run: runRemoveSendConnector},
	}
}

// sendConnectorObject is a send connector as Get-SendConnector shows it.
func sendConnectorObject(k config.SendConnector) *lang.Object {
	o := &lang.Object{TypeName: "SmtpSendConnectorConfig", Text: k.Name, Columns: []string{"Identity", "AddressSpaces", "Enabled"}}
	o.Add("Identity", k.Name)
	o.Add("AddressSpaces", anyList(k.AddressSpaces))
	o.Add("Enabled", k.Enabled)
	o.Add("DNSRoutingEnabled", k.DNSRoutingEnabled())
	o.Add("SmartHosts", anyList(k.SmartHosts))
	o.Add("Port", k.Port)
	o.Add("RequireTLS", k.RequireTLS)
	level := k.TlsAuthLevel
	if level == "" {
		level = "EncryptionOnly"
	}
	o.Add("TlsAuthLevel", level)
	o.Add("SmartHostAuthMechanism", k.SmartHostAuthMechanism)
	o.Add("AuthenticationCredential", k.AuthenticationUser)
	o.Add("Name", k.Name)
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
		if len(out) == 0 && !lang.HasWildcard(id) {
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
	case *lang.Credential:
		out = append(out, api.TextChange{Name: "AuthenticationUser", Text: v.UserName})
		if v.Password != nil {
			password = v.Password.Reveal()
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

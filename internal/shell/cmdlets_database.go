package shell

import (
	"context"
	"fmt"
	"strings"

	"github.com/postern/postern/internal/admin/api"
	"github.com/postern/postern/internal/shell/lang"
)

// databaseCmdlets are Get-ExchangeServer and the mailbox database cmdlets:
// Get-/New-MailboxDatabase, Mount-/Dismount-Database,
// Move-ActiveMailboxDatabase and Add-MailboxDatabaseCopy. Several servers
// share an organisation when they run with --directory postgres://...;
// one server alone has its databases in its data folder.
func databaseCmdlets() []*cmdlet {
	identity := func() lang.Param { return lang.Positional("Identity", lang.KindString, 0).Must().Piped() }
	return []*cmdlet{
		{name: "Get-ExchangeServer", params: []lang.Param{lang.Positional("Identity", lang.KindString, 0).Piped(),
			lang.Named("Status", lang.KindSwitch), lang.Named("DomainController", lang.KindString)}, run: runGetExchangeServer},
		{name: "Get-MailboxDatabase", params: append(exchangeParams(), lang.Positional("Identity", lang.KindString, 0).Piped(),
			lang.Named("Status", lang.KindSwitch)), run: runGetMailboxDatabase},
		{name: "New-MailboxDatabase", changes: true, params: append(exchangeParams(), lang.Positional("Name", lang.KindString, 0).Must(),
			lang.Named("EdbFilePath", lang.KindString), lang.Named("LogFolderPath", lang.KindString)), run: runNewMailboxDatabase},
		{name: "Mount-Database", changes: true, params: []lang.Param{identity(), lang.Named("Force", lang.KindSwitch), lang.Named("DomainController", lang.KindString)},
			run: func(ctx context.Context, c *call) ([]any, error) { return databaseAction(ctx, c, "mount", "") }},
		{name: "Dismount-Database", changes: true, params: []lang.Param{identity(), lang.Named("Confirm", lang.KindBool), lang.Named("DomainController", lang.KindString)},
			run: func(ctx context.Context, c *call) ([]any, error) { return databaseAction(ctx, c, "dismount", "") }},
		{name: "Move-ActiveMailboxDatabase", changes: true, params: []lang.Param{identity(), lang.Named("ActivateOnServer", lang.KindString).Must(),
			lang.Named("MountDialOverride", lang.KindString), lang.Named("SkipClientExperienceChecks", lang.KindSwitch),
			lang.Named("Confirm", lang.KindBool), lang.Named("DomainController", lang.KindString)},
			run: func(ctx context.Context, c *call) ([]any, error) {
				return databaseAction(ctx, c, "move", c.str("ActivateOnServer"))
			}},
		{name: "Add-MailboxDatabaseCopy", changes: true, params: []lang.Param{identity(), lang.Named("MailboxServer", lang.KindString).Must(),
			lang.Named("ActivationPreference", lang.KindString), lang.Named("DomainController", lang.KindString)},
			run: func(ctx context.Context, c *call) ([]any, error) {
				return databaseAction(ctx, c, "addcopy", c.str("MailboxServer"))
			}},
	}
}

func serverObject(s api.ExchangeServer) *lang.Object {
	o := &lang.Object{TypeName: "ExchangeServer", Text: s.Name, Columns: []string{"Name", "Site", "ServerRole", "Edition", "AdminDisplayVersion"}}
	o.Add("Name", s.Name)
	o.Add("Site", "Default-First-Site-Name")
	o.Add("ServerRole", "Mailbox, ClientAccess")
	o.Add("Edition", "Postern")
	o.Add("AdminDisplayVersion", "Postern")
	o.Add("Fqdn", s.FQDN)
	o.Add("Address", s.Address)
	o.Add("Identity", s.Name)
	o.Add("ActiveDatabases", anyList(s.ActiveDatabases))
	var svc []any
	for _, st := range s.Services {
		svc = append(svc, st.ExchangeName+" "+st.Status)
	}
	o.Add("Services", svc)
	o.Add("Reachable", s.Reachable)
	o.Add("StatusAt", s.StatusAt)
	return o
}

func runGetExchangeServer(ctx context.Context, c *call) ([]any, error) {
	list, err := c.client().ExchangeServers(ctx)
	if err != nil {
		return nil, err
	}
	id := c.str("Identity")
	var out []any
	for _, s := range list {
		if id == "" || matchesAny([]string{id}, s.Name) || strings.EqualFold(id, s.FQDN) {
			out = append(out, serverObject(s))
		}
	}
	if id != "" && !lang.HasWildcard(id) && len(out) == 0 {
		return nil, notFoundText(id)
	}
	return out, nil
}

func databaseObject(d api.MailboxDatabase) *lang.Object {
	cols := []string{"Name", "Server", "Recovery", "ReplicationType"}
	if d.Mounted != nil {
		cols = []string{"Name", "Server", "Mounted", "Epoch"}
	}
	o := &lang.Object{TypeName: "MailboxDatabase", Text: d.Name, Columns: cols}
	o.Add("Name", d.Name)
	o.Add("Server", d.Server)
	o.Add("Recovery", false)
	o.Add("ReplicationType", replicationType(d))
	o.Add("Identity", d.Name)
	o.Add("Servers", anyList(d.Copies))
	pref := make([]any, len(d.Copies))
	for i, s := range d.Copies {
		pref[i] = fmt.Sprintf("[%s, %d]", s, i+1)
	}
	o.Add("ActivationPreference", pref)
	o.Add("EdbFilePath", d.Storage)
	o.Add("MailboxCount", d.Mailboxes)
	if d.Mounted != nil {
		o.Add("Mounted", *d.Mounted)
		o.Add("MountedOnServer", d.Server)
		o.Add("Epoch", d.Epoch)
		o.Add("LeaseExpires", d.LeaseExpires)
	}
	return o
}

func replicationType(d api.MailboxDatabase) string {
	if len(d.Copies) > 1 {
		return "Remote"
	}
	return "None"
}

func runGetMailboxDatabase(ctx context.Context, c *call) ([]any, error) {
	list, err := c.client().Databases(ctx, c.flag("Status"))
	if err != nil {
		return nil, err
	}
	id, server := c.str("Identity"), c.str("Server")
	var out []any
	for _, d := range list {
		if id != "" && !matchesAny([]string{id}, d.Name) {
			continue
		}
		if server != "" && !strings.EqualFold(server, d.Server) {
			continue
		}
		out = append(out, databaseObject(d))
	}
	if id != "" && !lang.HasWildcard(id) && len(out) == 0 {
		return nil, notFoundText(id)
	}
	return out, nil
}

func runNewMailboxDatabase(ctx context.Context, c *call) ([]any, error) {
	if c.has("EdbFilePath") || c.has("LogFolderPath") {
		c.warn("Postern places a database's files itself (its data folder, or PostgreSQL); -EdbFilePath and -LogFolderPath are ignored.")
	}
	if c.whatIf() {
		c.whatIfMsg(c.str("Name"), "")
		return nil, nil
	}
	d, err := c.client().NewDatabase(ctx, c.str("Name"), c.str("Server"))
	if err != nil {
		return nil, err
	}
	return []any{databaseObject(d)}, nil
}

func databaseAction(ctx context.Context, c *call, action, server string) ([]any, error) {
	id := c.str("Identity")
	if c.whatIf() {
		c.whatIfMsg(id, "")
		return nil, nil
	}
	if action == "dismount" || action == "move" {
		ok, err := c.confirm(fmt.Sprintf("The sessions on mailboxes in %q will end.", id))
		if err != nil || !ok {
			return nil, err
		}
	}
	d, err := c.client().DatabaseAction(ctx, api.DatabaseRequest{Name: id, Server: server, Action: action})
	if err != nil {
		return nil, err
	}
	if action == "move" {
		return []any{databaseObject(d)}, nil
	}
	return nil, nil
}

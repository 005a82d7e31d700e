package shell

import (
	"context"
	"errors"
	"fmt"
	"github.com/postern/postern/internal/shell/lang"
	"strings"

	"github.com/postern/postern/internal/admin/api"
)

// mailboxCmdlets are Get-/New-/Set-/Remove-Mailbox.
// A Postern user is an account with its mailbox, so a mailbox is named by
// its primary SMTP address, its alias or its display name.
func mailboxCmdlets() []*cmdlet {
	return []*cmdlet{
		{name: "Get-Mailbox", params: append(exchangeParams(), lang.Positional("Identity", lang.KindString, 0).Piped(),
			lang.Named("ResultSize", lang.KindString), lang.Named("Database", lang.KindString)), run: runGetMailbox},
		{name: "New-Mailbox", changes: true, params: append(exchangeParams(),
			lang.Positional("Name", lang.KindString, 0).Must(), lang.Named("Alias", lang.KindString), lang.Named("DisplayName", lang.KindString),
			lang.Named("FirstName", lang.KindString), lang.Named("LastName", lang.KindString), lang.Named("Initials", lang.KindString),
			lang.Named("UserPrincipalName", lang.KindString), lang.Named("PrimarySmtpAddress", lang.KindString),
			lang.Named("Password", lang.KindSecure).Must(), lang.Named("ResetPasswordOnNextLogon", lang.KindBool),
			lang.Named("Database", lang.KindString), lang.Named("OrganizationalUnit", lang.KindString)),
			run: runNewMailbox},
		{name: "Set-Mailbox", changes: true, params: append(exchangeParams(), lang.Positional("Identity", lang.KindString, 0).Must().Piped(),
			lang.Named("Password", lang.KindSecure), lang.Named("ResetPasswordOnNextLogon", lang.KindBool)), run: runSetMailbox},
		{name: "Remove-Mailbox", changes: true, params: append(exchangeParams(), lang.Positional("Identity", lang.KindString, 0).Must().Piped(),
			lang.Named("Permanent", lang.KindBool), lang.Named("Force", lang.KindSwitch)), run: runRemoveMailbox},
	}
}

func listUsers(ctx context.Context, c *call) ([]api.User, error) {
	return c.client().Users(ctx)
}

// mailboxObject is a user as Get-Mailbox shows it.
func mailboxObject(u api.User, server string) *lang.Object {
	alias, _, _ := strings.Cut(u.Address, "@")
	name := u.DisplayName
	if name == "" {
		name = alias
	}
	o := &lang.Object{TypeName: "Mailbox", Text: name, Columns: []string{"Name", "Alias", "ServerName", "Database"}}
	o.Add("Name", name)
	o.Add("Alias", alias)
	o.Add("DisplayName", u.DisplayName)
	o.Add("PrimarySmtpAddress", u.Address)
	o.Add("UserPrincipalName", u.Address)
	o.Add("Database", u.Database)
	o.Add("ServerName", server)
	o.Add("Identity", u.Address)
	return o
}

// findMailboxes returns the users an identity names; wildcards allowed.
func findMailboxes(users []api.User, id string) []api.User {
	var out []api.User
	for _, u := range users {
		alias, _, _ := strings.Cut(u.Address, "@")
		for _, n := range []string{u.Address, alias, u.DisplayName} {
			if n != "" && (strings.EqualFold(n, id) || lang.HasWildcard(id) && lang.WildcardMatch(id, n)) {
				out = append(out, u)
				break
			}
		}
	}
	return out
}

func runGetMailbox(ctx context.Context, c *call) ([]any, error) {
	in, err := c.serverInfo(ctx)
	if err != nil {
		return nil, err
	}
	users, err := listUsers(ctx, c)
	if err != nil {
		return nil, err
	}
	ids := c.identities("Identity", "PrimarySmtpAddress")
	if len(ids) == 0 && !c.has("Identity") {
		ids = []string{"*"}
	}
	return eachItem(ids, func(id string) ([]any, error) {
		found := findMailboxes(users, id)
		if len(found) == 0 && !lang.HasWildcard(id) {
			return nil, notFoundText(id)
		}
		var out []any
		for _, u := range found {
			out = append(out, mailboxObject(u, in.Name))
		}
		return out, nil
	})
}

func notFoundText(id string) error {
	return fmt.Errorf("The operation couldn't be performed because object '%s' couldn't be found.", id)
}

// newMailboxAddress picks the new mailbox's address: -PrimarySmtpAddress,
// else -UserPrincipalName, else alias@<default accepted domain>.
func newMailboxAddress(c *call, in *api.Info) (string, error) {
	for _, p := range []string{"PrimarySmtpAddress", "UserPrincipalName"} {
		if a := c.str(p); a != "" {
			return a, nil
		}
	}
	alias := c.str("Alias")
	if alias == "" {
		alias = strings.ReplaceAll(c.str("Name"), " ", "")
	}
	if len(in.AcceptedDomains) == 0 {
		return "", errors.New("The server has no accepted domain; give -PrimarySmtpAddress.")
	}
	return alias + "@" + in.AcceptedDomains[0], nil
}

func runNewMailbox(ctx context.Context, c *call) ([]any, error) {
	in, err := c.serverInfo(ctx)
	if err != nil {
		return nil, err
	}
	addr, err := newMailboxAddress(c, in)
	if err != nil {
		return nil, err
	}
	display := c.str("DisplayName")
	if display == "" {
		display = c.str("Name")
	}
	if c.has("OrganizationalUnit") {
		c.warn("Postern has no organizational units; -OrganizationalUnit is ignored.")
	}
	if c.whatIf() {
		c.whatIfMsg(addr, "")
		return nil, nil
	}
	pw, _ := c.args["Password"].(*lang.SecureString)
	u, err := c.client().NewUser(ctx, api.NewUser{Address: addr, Password: pw.Reveal(), DisplayName: display, Database: c.str("Database")})
	if err != nil {
		return nil, err
	}
	return []any{mailboxObject(u, in.Name)}, nil
}

// resolveMailbox names exactly one mailbox or fails.
func resolveMailbox(ctx context.Context, c *call, id string) (api.User, error) {
	users, err := listUsers(ctx, c)
	if err != nil {
		return api.User{}, err
	}
	found := findMailboxes(users, id)
	switch {
	case len(found) == 0:
		return api.User{}, notFoundText(id)
	case len(found) > 1:
		return api.User{}, fmt.Errorf("The operation couldn't be performed because '%s' matches multiple entries.", id)
	}
	return found[0], nil
}

func runSetMailbox(ctx context.Context, c *call) ([]any, error) {
	return eachItem(c.identities("Identity", "PrimarySmtpAddress"), func(id string) ([]any, error) {
		u, err := resolveMailbox(ctx, c, id)
		if err != nil {
			return nil, err
		}
		pw, ok := c.args["Password"].(*lang.SecureString)
		if !ok {
			c.warn("The command completed successfully but no settings of '%s' have been modified.", u.Address)
			return nil, nil
		}
		if c.whatIf() {
			c.whatIfMsg(u.Address, "The password would be reset.")
			return nil, nil
		}
		return nil, c.client().SetPassword(ctx, u.Address, pw.Reveal())
	})
}

func runRemoveMailbox(ctx context.Context, c *call) ([]any, error) {
	return eachItem(c.identities("Identity", "PrimarySmtpAddress"), func(id string) ([]any, error) {
		u, err := resolveMailbox(ctx, c, id)
		if err != nil {
			return nil, err
		}
		if c.whatIf() {
			c.whatIfMsg(u.Address, "The mailbox and its contents would be removed.")
			return nil, nil
		}
		if ok, err := c.confirm(fmt.Sprintf("Removing mailbox \"%s\" removes the user and deletes the mailbox and its contents.", u.Address)); err != nil || !ok {
			return nil, err
		}
		return nil, c.client().RemoveUser(ctx, u.Address)
	})
}

package shell

import (
	"context"
	"fmt"
	"github.com/postern/postern/internal/shell/lang"
	"strings"

	"github.com/postern/postern/internal/admin/api"
)

// permissionCmdlets are Add-/Remove-/Get-MailboxPermission for FullAccess,
// the one access right Postern keeps: it opens the mailbox to the user by
// IMAP4 delegate logon.
func permissionCmdlets() []*cmdlet {
	common := func() []lang.Param {
		return append(exchangeParams(), lang.Positional("Identity", lang.KindString, 0).Must().Piped(), lang.Named("User", lang.KindString).Must(),
			lang.Named("AccessRights", lang.KindStrings).Must(), lang.Named("InheritanceType", lang.KindString), lang.Named("AutoMapping", lang.KindBool),
			lang.Named("Deny", lang.KindSwitch), lang.Named("Owner", lang.KindString))
	}
	return []*cmdlet{
		{name: "Get-MailboxPermission", params: append(exchangeParams(), lang.Positional("Identity", lang.KindString, 0).Must().Piped(), lang.Named("User", lang.KindString)),
			run: runGetMailboxPermission},
		{name: "Add-MailboxPermission", changes: true, params: common(),
			run: func(ctx context.Context, c *call) ([]any, error) { return runSetMailboxPermission(ctx, c, true) }},
		{name: "Remove-MailboxPermission", changes: true, params: append(common(), lang.Named("IgnoreDefaultScope", lang.KindSwitch)),
			run: func(ctx context.Context, c *call) ([]any, error) { return runSetMailboxPermission(ctx, c, false) }},
	}
}

func permissionObject(p api.Permission) *lang.Object {
	o := &lang.Object{TypeName: "MailboxAcePresentationObject", Text: p.User, Columns: []string{"Identity", "User", "AccessRights", "IsInherited", "Deny"}}
	o.Add("Identity", p.Mailbox)
	o.Add("User", p.User)
	o.Add("AccessRights", []string{p.AccessRights})
	o.Add("IsInherited", false)
	o.Add("Deny", false)
	return o
}

func runGetMailboxPermission(ctx context.Context, c *call) ([]any, error) {
	var user api.User
	if c.has("User") {
		var err error
		if user, err = resolveMailbox(ctx, c, c.str("User")); err != nil {
			return nil, err
		}
	}
	return eachItem(c.identities("Identity", "PrimarySmtpAddress"), func(id string) ([]any, error) {
		mb, err := resolveMailbox(ctx, c, id)
		if err != nil {
			return nil, err
		}
		ps, err := c.client().Permissions(ctx, mb.Address)
		if err != nil {
			return nil, err
		}
		var out []any
		for _, p := range ps {
			if user.Address == "" || strings.EqualFold(p.User, user.Address) {
				out = append(out, permissionObject(p))
			}
		}
		return out, nil
	})
}

func runSetMailboxPermission(ctx context.Context, c *call, add bool) ([]any, error) {
	for _, r := range c.strs("AccessRights") {
		if !strings.EqualFold(r, "FullAccess") {
			return nil, fmt.Errorf("AccessRights %q: Postern keeps FullAccess only (it opens the mailbox by IMAP4 delegate logon)", r)
		}
	}
	if c.flag("Deny") {
		return nil, fmt.Errorf("-Deny: Postern keeps no deny entries; a user without FullAccess has none")
	}
	user, err := resolveMailbox(ctx, c, c.str("User"))
	if err != nil {
		return nil, err
	}
	return eachItem(c.identities("Identity", "PrimarySmtpAddress"), func(id string) ([]any, error) {
		mb, err := resolveMailbox(ctx, c, id)
		if err != nil {
			return nil, err
		}
		if c.whatIf() {
			c.whatIfMsg(mb.Address, "User: "+user.Address+", AccessRights: FullAccess.")
			return nil, nil
		}
		req := api.PermissionRequest{Mailbox: mb.Address, User: user.Address, Grant: add}
		p, err := c.client().SetPermission(ctx, req)
		if err != nil {
			return nil, err
		}
		if add {
			return []any{permissionObject(p)}, nil
		}
		return nil, nil
	})
}

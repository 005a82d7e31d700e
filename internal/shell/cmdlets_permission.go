package shell

import (
	"context"
	"fmt"
	"strings"

	"github.com/postern/postern/internal/admin/api"
)

// permissionCmdlets are Add-/Remove-/Get-MailboxPermission for FullAccess,
// the one access right Postern keeps: it opens the mailbox to the user by
// IMAP4 delegate logon.
func permissionCmdlets() []*cmdlet {
	common := func() []param {
		return append(exchangeParams(), positional("Identity", kString, 0).must().piped(), named("User", kString).must(),
			named("AccessRights", kStrings).must(), named("InheritanceType", kString), named("AutoMapping", kBool),
			named("Deny", kSwitch), named("Owner", kString))
	}
	return []*cmdlet{
		{name: "Get-MailboxPermission", params: append(exchangeParams(), positional("Identity", kString, 0).must().piped(), named("User", kString)),
			run: runGetMailboxPermission},
		{name: "Add-MailboxPermission", changes: true, params: common(),
			run: func(ctx context.Context, c *call) ([]any, error) { return runSetMailboxPermission(ctx, c, true) }},
		{name: "Remove-MailboxPermission", changes: true, params: append(common(), named("IgnoreDefaultScope", kSwitch)),
			run: func(ctx context.Context, c *call) ([]any, error) { return runSetMailboxPermission(ctx, c, false) }},
	}
}

func permissionObject(p api.Permission) *Object {
	o := &Object{TypeName: "MailboxAcePresentationObject", Text: p.User, Columns: []string{"Identity", "User", "AccessRights", "IsInherited", "Deny"}}
	o.add("Identity", p.Mailbox)
	o.add("User", p.User)
	o.add("AccessRights", []string{p.AccessRights})
	o.add("IsInherited", false)
	o.add("Deny", false)
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

package shell

import (
	"context"
	"fmt"
	"github.com/postern/postern/internal/shell/lang"
	"strings"
)

// orgManagement is the one role group Postern has: its members are the
// administrators, who may use the remote admin API.
const orgManagement = "Organization Management"

// roleCmdlets are Add-/Remove-/Get-RoleGroupMember for the "Organization
// Management" role group.
func roleCmdlets() []*cmdlet {
	group := func() lang.Param { return lang.Positional("Identity", lang.KindString, 0).Must() }
	return []*cmdlet{
		{name: "Get-RoleGroupMember", params: append(exchangeParams(), group(), lang.Named("ResultSize", lang.KindString)), run: runGetRoleGroupMember},
		{name: "Add-RoleGroupMember", changes: true, params: append(exchangeParams(), group(), lang.Named("Member", lang.KindString).Must().Piped(),
			lang.Named("BypassSecurityGroupManagerCheck", lang.KindSwitch)), run: func(ctx context.Context, c *call) ([]any, error) { return runSetRoleGroupMember(ctx, c, true) }},
		{name: "Remove-RoleGroupMember", changes: true, params: append(exchangeParams(), group(), lang.Named("Member", lang.KindString).Must().Piped(),
			lang.Named("BypassSecurityGroupManagerCheck", lang.KindSwitch)), run: func(ctx context.Context, c *call) ([]any, error) { return runSetRoleGroupMember(ctx, c, false) }},
	}
}

func checkRoleGroup(c *call) error {
	if id := c.str("Identity"); !strings.EqualFold(id, orgManagement) {
		return fmt.Errorf("The role group '%s' couldn't be found. Postern has one role group, \"%s\": its members administer the server, also remotely.", id, orgManagement)
	}
	return nil
}

func runGetRoleGroupMember(ctx context.Context, c *call) ([]any, error) {
	if err := checkRoleGroup(c); err != nil {
		return nil, err
	}
	us, err := c.client().Administrators(ctx)
	if err != nil {
		return nil, err
	}
	var out []any
	for _, u := range us {
		o := &lang.Object{TypeName: "ReducedRecipient", Text: u.Address, Columns: []string{"Name", "RecipientType"}}
		name := u.DisplayName
		if name == "" {
			name = u.Address
		}
		o.Add("Name", name)
		o.Add("RecipientType", "UserMailbox")
		o.Add("PrimarySmtpAddress", u.Address)
		o.Add("Identity", u.Address)
		out = append(out, o)
	}
	return out, nil
}

func runSetRoleGroupMember(ctx context.Context, c *call, add bool) ([]any, error) {
	if err := checkRoleGroup(c); err != nil {
		return nil, err
	}
	return eachItem(c.identities("Member", "PrimarySmtpAddress"), func(id string) ([]any, error) {
		u, err := resolveMailbox(ctx, c, id)
		if err != nil {
			return nil, err
		}
		if c.whatIf() {
			c.whatIfMsg(orgManagement, "Member: "+u.Address+".")
			return nil, nil
		}
		_, err = c.client().SetAdministrator(ctx, u.Address, add)
		return nil, err
	})
}

package shell

import (
	"context"
	"errors"
	"fmt"
	"github.com/postern/postern/internal/shell/lang"
	"sort"
	"strings"

	"github.com/postern/postern/internal/admin"
	"github.com/postern/postern/internal/admin/api"
)

// cmdlet is one entry of the command table: its parameters and what it
// does. Binding, abbreviations, -WhatIf and -ErrorAction are handled
// before run is called, so run reads bound, converted arguments.
type cmdlet struct {
	name   string
	params []lang.Param
	// changes marks cmdlets that change something: they take -WhatIf and
	// -Confirm.
	changes bool
	run     func(ctx context.Context, c *call) ([]any, error)
	// unknown explains a parameter name the table lacks; nil gives
	// PowerShell's "cannot be found" message.
	unknown func(name string) error
}

// builtins is the command table.
func builtins() []*cmdlet {
	var all []*cmdlet
	for _, group := range [][]*cmdlet{settingsCmdlets(), casCmdlets(), mailboxCmdlets(), domainCmdlets(), roleCmdlets(), permissionCmdlets(), serviceCmdlets(), databaseCmdlets(),
		certCmdlets(), connectivityCmdlets(), connectorCmdlets(), queueCmdlets(), sendConnectorCmdlets(), moveCmdlets(), formatCmdlets(), utilityCmdlets()} {
		all = append(all, group...)
	}
	return all
}

// Names returns every cmdlet name, sorted, for completion.
func (sh *Shell) Names() []string {
	var out []string
	for _, c := range sh.cmdlets {
		out = append(out, c.name)
	}
	sort.Strings(out)
	return out
}

// ParamNames returns a cmdlet's parameter names (with the common ones),
// for completion; nil for an unknown cmdlet.
func (sh *Shell) ParamNames(cmdletName string) []string {
	c, ok := sh.lookup(cmdletName)
	if !ok {
		return nil
	}
	var out []string
	for _, p := range c.spec(sh).AllParams() {
		out = append(out, p.Name)
	}
	return out
}

// call is one invocation of a cmdlet: its bound arguments and its input.
type call struct {
	sh    *Shell
	lc    *lang.Call
	def   *cmdlet
	args  map[string]any
	input []any
	piped bool
}

func (c *call) has(name string) bool { _, ok := c.args[name]; return ok }

func (c *call) str(name string) string { s, _ := c.args[name].(string); return s }

func (c *call) strs(name string) []string { s, _ := c.args[name].([]string); return s }

func (c *call) flag(name string) bool { b, _ := c.args[name].(bool); return b }

func (c *call) whatIf() bool { return c.flag("WhatIf") }

// client reaches the admin API, naming the cmdlet for the audit log.
func (c *call) client() admin.Requests { return admin.Cmdlet(c.sh.api, c.def.name) }

// warn writes a warning, after the output before it.
func (c *call) warn(format string, a ...any) {
	if w := lower(c.str("WarningAction")); w == "silentlycontinue" || w == "ignore" {
		return
	}
	c.lc.Flush()
	fmt.Fprintf(c.sh.errw, "WARNING: "+format+"\n", a...)
}

// whatIfMsg reports what the cmdlet would do, in PowerShell's words.
func (c *call) whatIfMsg(target, detail string) {
	c.lc.Flush()
	msg := fmt.Sprintf("What if: Performing the operation \"%s\" on target \"%s\".", c.def.name, target)
	if detail != "" {
		msg += " " + detail
	}
	fmt.Fprintln(c.sh.out, msg)
}

// confirm asks before a high-impact change in an interactive shell,
// unless -Confirm:$false; scripts never ask. what says what would happen.
func (c *call) confirm(what string) (bool, error) {
	if v, given := c.args["Confirm"]; given && v == false || !c.sh.interactive || c.sh.prompter == nil {
		return true, nil
	}
	c.lc.Flush()
	fmt.Fprintf(c.sh.errw, "\nConfirm\nAre you sure you want to perform this action?\n%s\n", what)
	ans, err := c.sh.prompter.ReadLine(`[Y] Yes  [N] No  (default is "Y"): `)
	if err != nil {
		return false, err
	}
	a := lower(strings.TrimSpace(ans))
	return a == "" || a == "y" || a == "yes", nil
}

// identities returns the values of a parameter that can come from the
// pipeline: as bound, else from each input object's property of the same
// name (or one of props), else the input items themselves as text.
func (c *call) identities(name string, props ...string) []string {
	if v, ok := c.args[name]; ok {
		switch x := v.(type) {
		case []string:
			return x
		case string:
			return []string{x}
		}
	}
	var out []string
	for _, in := range c.input {
		o, ok := in.(*lang.Object)
		if !ok {
			out = append(out, lang.TextOf(in))
			continue
		}
		for _, p := range append([]string{name}, props...) {
			if v, ok := o.Get(p); ok {
				out = append(out, lang.Display(v))
				break
			}
		}
	}
	return out
}

// serverInfo returns the server's name and domains (cached for the
// shell's life).
func (c *call) serverInfo(ctx context.Context) (*api.Info, error) {
	if c.sh.info == nil {
		in, err := c.client().Info(ctx)
		if err != nil {
			return nil, err
		}
		c.sh.info = &in
	}
	return c.sh.info, nil
}

// checkServer refuses -Server naming another server: one admin socket
// manages one server.
func (c *call) checkServer(ctx context.Context) error {
	name := c.str("Server")
	if name == "" {
		return nil
	}
	in, err := c.serverInfo(ctx)
	if err != nil {
		return err
	}
	if strings.EqualFold(name, in.Name) || strings.EqualFold(name, in.FQDN) {
		return nil
	}
	return fmt.Errorf("The operation couldn't be performed because object '%s' couldn't be found. This shell manages the server '%s' only.", name, in.Name)
}

// eachItem runs fn for every item, collecting the errors of the items
// that fail so that the others still run.
func eachItem(items []string, fn func(string) ([]any, error)) ([]any, error) {
	var out []any
	var errs []error
	for _, it := range items {
		o, err := fn(it)
		out = append(out, o...)
		if err != nil {
			errs = append(errs, err)
		}
	}
	return out, errors.Join(errs...)
}

// intArg is an integer argument, or def when absent.
func intArg(args map[string]any, name string, def int) int {
	if v, ok := args[name].(int64); ok {
		return int(v)
	}
	return def
}

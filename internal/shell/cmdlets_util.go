package shell

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// formatCmdlets are the display cmdlets that work on any object.
func formatCmdlets() []*cmdlet {
	return []*cmdlet{
		{name: "Format-List", params: []param{positional("Property", kStrings, 0), named("InputObject", kObject).piped(), named("Force", kSwitch)},
			run: func(ctx context.Context, c *call) ([]any, error) {
				return []any{&formatted{text: formatList(objectsOf(c.inputObjects()), c.strs("Property"))}}, nil
			}},
		{name: "Format-Table", params: []param{positional("Property", kStrings, 0), named("InputObject", kObject).piped(),
			named("AutoSize", kSwitch), named("Wrap", kSwitch), named("HideTableHeaders", kSwitch), named("Force", kSwitch)},
			run: func(ctx context.Context, c *call) ([]any, error) {
				objs := objectsOf(c.inputObjects())
				props := c.strs("Property")
				if props == nil && len(objs) > 0 && objs[0].Columns != nil {
					props = objs[0].Columns
				}
				return []any{&formatted{text: formatTable(objs, props, c.flag("HideTableHeaders"))}}, nil
			}},
		{name: "Select-Object", params: []param{positional("Property", kStrings, 0), named("InputObject", kObject).piped(),
			named("First", kInt), named("Last", kInt), named("Skip", kInt), named("ExpandProperty", kString)},
			run: runSelect},
	}
}

// inputObjects is the pipeline input, or -InputObject.
func (c *call) inputObjects() []any {
	if v, ok := c.args["InputObject"]; ok {
		return flatten(v)
	}
	return c.input
}

func runSelect(ctx context.Context, c *call) ([]any, error) {
	in := c.inputObjects()
	if n := intArg(c.args, "Skip", 0); n > 0 {
		in = in[min(n, len(in)):]
	}
	if n := intArg(c.args, "First", -1); n >= 0 {
		in = in[:min(n, len(in))]
	}
	if n := intArg(c.args, "Last", -1); n >= 0 {
		in = in[max(0, len(in)-n):]
	}
	if name := c.str("ExpandProperty"); name != "" {
		var out []any
		for _, o := range objectsOf(in) {
			v, ok := o.Get(name)
			if !ok {
				return out, fmt.Errorf("Property \"%s\" cannot be found.", name)
			}
			out = append(out, flatten(v)...)
		}
		return out, nil
	}
	if !c.has("Property") {
		return in, nil
	}
	return selectObject(objectsOf(in), c.strs("Property")), nil
}

// utilityCmdlets are the PowerShell cmdlets the Exchange documentation
// uses around the Exchange ones.
func utilityCmdlets() []*cmdlet {
	return []*cmdlet{
		{name: "ConvertTo-SecureString", params: []param{positional("String", kString, 0).must(), named("AsPlainText", kSwitch), named("Force", kSwitch)},
			run: runConvertToSecureString},
		{name: "Get-Credential", params: []param{positional("Credential", kString, 0), named("UserName", kString), named("Message", kString)},
			run: runGetCredential},
		{name: "Read-Host", params: []param{positional("Prompt", kString, 0), named("AsSecureString", kSwitch)}, run: runReadHost},
		{name: "Write-Output", params: []param{positional("InputObject", kObject, 0), named("NoEnumerate", kSwitch)},
			run: func(ctx context.Context, c *call) ([]any, error) { return flatten(c.args["InputObject"]), nil }},
		{name: "Write-Host", params: []param{positional("Object", kObject, 0), named("NoNewline", kSwitch)},
			run: func(ctx context.Context, c *call) ([]any, error) {
				c.r.od.flush()
				end := "\n"
				if c.flag("NoNewline") {
					end = ""
				}
				fmt.Fprint(c.sh.out, stringOf(c.args["Object"])+end)
				return nil, nil
			}},
		{name: "Get-Command", params: []param{positional("Name", kStrings, 0)}, run: runGetCommand},
		{name: "exit", params: []param{positional("Code", kInt, 0)},
			run: func(ctx context.Context, c *call) ([]any, error) {
				return nil, &ExitError{Code: intArg(c.args, "Code", 0)}
			}},
	}
}

func runConvertToSecureString(ctx context.Context, c *call) ([]any, error) {
	if !c.flag("AsPlainText") {
		return nil, errors.New("This shell converts only plain text: use -AsPlainText -Force (an encrypted standard string is Windows DPAPI data).")
	}
	if !c.flag("Force") {
		return nil, errors.New("The system cannot protect plain text input. To suppress this warning and convert the plain text to a SecureString, " +
			"reissue the command specifying the Force parameter.")
	}
	return []any{&SecureString{text: c.str("String")}}, nil
}

// runGetCredential prompts for a user name (unless given) and a password.
func runGetCredential(ctx context.Context, c *call) ([]any, error) {
	if c.sh.prompter == nil {
		return nil, errors.New("Get-Credential needs a terminal to prompt on; pass -Password (ConvertTo-SecureString ...) where the cmdlet allows it.")
	}
	user := c.str("Credential")
	if user == "" {
		user = c.str("UserName")
	}
	c.r.od.flush()
	if msg := c.str("Message"); msg != "" {
		fmt.Fprintln(c.sh.errw, msg)
	}
	if user == "" {
		var err error
		if user, err = c.sh.prompter.ReadLine("User: "); err != nil {
			return nil, err
		}
	}
	pw, err := c.sh.prompter.ReadSecret("Password for user " + user + ": ")
	if err != nil {
		return nil, err
	}
	return []any{&Credential{UserName: strings.TrimSpace(user), Password: &SecureString{text: pw}}}, nil
}

func runReadHost(ctx context.Context, c *call) ([]any, error) {
	if c.sh.prompter == nil {
		return nil, errors.New("Read-Host needs a terminal to prompt on.")
	}
	c.r.od.flush()
	prompt := c.str("Prompt")
	if prompt != "" {
		prompt += ": "
	}
	if c.flag("AsSecureString") {
		s, err := c.sh.prompter.ReadSecret(prompt)
		return []any{&SecureString{text: s}}, err
	}
	s, err := c.sh.prompter.ReadLine(prompt)
	return []any{s}, err
}

// runGetCommand lists the cmdlets, with their parameters.
func runGetCommand(ctx context.Context, c *call) ([]any, error) {
	pats := c.strs("Name")
	var names []string
	for _, d := range c.sh.cmdlets {
		if len(pats) == 0 || matchesAny(pats, d.name) {
			names = append(names, d.name)
		}
	}
	sort.Strings(names)
	var out []any
	for _, n := range names {
		d := c.sh.cmdlets[lower(n)]
		var ps []string
		for _, p := range d.params {
			ps = append(ps, "-"+p.name)
		}
		out = append(out, &Object{TypeName: "CommandInfo", Text: n, Columns: []string{"CommandType", "Name", "Parameters"},
			Props: []Property{{"CommandType", "Cmdlet"}, {"Name", n}, {"Parameters", strings.Join(ps, " ")}}})
	}
	return out, nil
}

// matchesAny reports whether s matches one of the wildcard patterns.
func matchesAny(patterns []string, s string) bool {
	for _, p := range patterns {
		if wildcardMatch(p, s) {
			return true
		}
	}
	return false
}

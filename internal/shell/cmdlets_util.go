package shell

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/postern/postern/internal/shell/lang"
)

// formatCmdlets are the display cmdlets that work on any object.
func formatCmdlets() []*cmdlet {
	return []*cmdlet{
		{name: "Format-List", params: []lang.Param{lang.Positional("Property", lang.KindStrings, 0), lang.Named("InputObject", lang.KindObject).Piped(), lang.Named("Force", lang.KindSwitch)},
			run: func(ctx context.Context, c *call) ([]any, error) {
				return []any{&lang.Formatted{Text: lang.FormatList(lang.ObjectsOf(c.inputObjects()), c.strs("Property"))}}, nil
			}},
		{name: "Format-Table", params: []lang.Param{lang.Positional("Property", lang.KindStrings, 0), lang.Named("InputObject", lang.KindObject).Piped(),
			lang.Named("AutoSize", lang.KindSwitch), lang.Named("Wrap", lang.KindSwitch), lang.Named("HideTableHeaders", lang.KindSwitch), lang.Named("Force", lang.KindSwitch)},
			run: func(ctx context.Context, c *call) ([]any, error) {
				objs := lang.ObjectsOf(c.inputObjects())
				props := c.strs("Property")
				if props == nil && len(objs) > 0 && objs[0].Columns != nil {
					props = objs[0].Columns
				}
				return []any{&lang.Formatted{Text: lang.FormatTable(objs, props, c.flag("HideTableHeaders"))}}, nil
			}},
		{name: "Select-Object", params: []lang.Param{lang.Positional("Property", lang.KindStrings, 0), lang.Named("InputObject", lang.KindObject).Piped(),
			lang.Named("First", lang.KindInt), lang.Named("Last", lang.KindInt), lang.Named("Skip", lang.KindInt), lang.Named("ExpandProperty", lang.KindString)},
			run: runSelect},
	}
}

// inputObjects is the pipeline input, or -InputObject.
func (c *call) inputObjects() []any {
	if v, ok := c.args["InputObject"]; ok {
		return lang.Flatten(v)
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
		for _, o := range lang.ObjectsOf(in) {
			v, ok := o.Get(name)
			if !ok {
				return out, fmt.Errorf("Property \"%s\" cannot be found.", name)
			}
			out = append(out, lang.Flatten(v)...)
		}
		return out, nil
	}
	if !c.has("Property") {
		return in, nil
	}
	return lang.SelectObject(lang.ObjectsOf(in), c.strs("Property")), nil
}

// utilityCmdlets are the PowerShell cmdlets the Exchange documentation
// uses around the Exchange ones.
func utilityCmdlets() []*cmdlet {
	return []*cmdlet{
		{name: "ConvertTo-SecureString", params: []lang.Param{lang.Positional("String", lang.KindString, 0).Must(), lang.Named("AsPlainText", lang.KindSwitch), lang.Named("Force", lang.KindSwitch)},
			run: runConvertToSecureString},
		{name: "Get-Credential", params: []lang.Param{lang.Positional("Credential", lang.KindString, 0), lang.Named("UserName", lang.KindString), lang.Named("Message", lang.KindString)},
			run: runGetCredential},
		{name: "Read-Host", params: []lang.Param{lang.Positional("Prompt", lang.KindString, 0), lang.Named("AsSecureString", lang.KindSwitch)}, run: runReadHost},
		{name: "Write-Output", params: []lang.Param{lang.Positional("InputObject", lang.KindObject, 0), lang.Named("NoEnumerate", lang.KindSwitch)},
			run: func(ctx context.Context, c *call) ([]any, error) { return lang.Flatten(c.args["InputObject"]), nil }},
		{name: "Write-Host", params: []lang.Param{lang.Positional("Object", lang.KindObject, 0), lang.Named("NoNewline", lang.KindSwitch)},
			run: func(ctx context.Context, c *call) ([]any, error) {
				c.lc.Flush()
				end := "\n"
				if c.flag("NoNewline") {
					end = ""
				}
				fmt.Fprint(c.sh.out, lang.StringOf(c.args["Object"])+end)
				return nil, nil
			}},
		{name: "Get-Command", params: []lang.Param{lang.Positional("Name", lang.KindStrings, 0)}, run: runGetCommand},
		{name: "exit", params: []lang.Param{lang.Positional("Code", lang.KindInt, 0)},
			run: func(ctx context.Context, c *call) ([]any, error) {
				return nil, &lang.ExitError{Code: intArg(c.args, "Code", 0)}
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
	return []any{lang.NewSecureString(c.str("String"))}, nil
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
	c.lc.Flush()
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
	return []any{&lang.Credential{UserName: strings.TrimSpace(user), Password: lang.NewSecureString(pw)}}, nil
}

func runReadHost(ctx context.Context, c *call) ([]any, error) {
	if c.sh.prompter == nil {
		return nil, errors.New("Read-Host needs a terminal to prompt on.")
	}
	c.lc.Flush()
	prompt := c.str("Prompt")
	if prompt != "" {
		prompt += ": "
	}
	if c.flag("AsSecureString") {
		s, err := c.sh.prompter.ReadSecret(prompt)
		return []any{lang.NewSecureString(s)}, err
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
			ps = append(ps, "-"+p.Name)
		}
		out = append(out, &lang.Object{TypeName: "CommandInfo", Text: n, Columns: []string{"CommandType", "Name", "Parameters"},
			Props: []lang.Property{{Name: "CommandType", Value: "Cmdlet"}, {Name: "Name", Value: n}, {Name: "Parameters", Value: strings.Join(ps, " ")}}})
	}
	return out, nil
}

// matchesAny reports whether s matches one of the wildcard patterns.
func matchesAny(patterns []string, s string) bool {
	for _, p := range patterns {
		if lang.WildcardMatch(p, s) {
			return true
		}
	}
	return false
}

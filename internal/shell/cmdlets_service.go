package shell

import (
	"context"
	"fmt"
	"github.com/postern/postern/internal/shell/lang"
	"strings"

	"github.com/postern/postern/internal/admin/api"
)

// serviceCmdlets are Get-, Start-, Stop-, Restart- and Set-Service. A
// service is named by its Exchange name (MSExchangePOP3) or Postern's
// (pop3), with wildcards; Get-Service shows the Exchange name, as Windows
// does.
func serviceCmdlets() []*cmdlet {
	action := func(name, verb, past string) *cmdlet {
		return &cmdlet{name: name, changes: true,
			params: []lang.Param{lang.Positional("Name", lang.KindStrings, 0).Must().Piped(), lang.Named("PassThru", lang.KindSwitch), lang.Named("Force", lang.KindSwitch),
				lang.Named("DisplayName", lang.KindStrings)},
			run: func(ctx context.Context, c *call) ([]any, error) { return serviceAction(ctx, c, verb, past) }}
	}
	return []*cmdlet{
		{name: "Get-Service", params: []lang.Param{lang.Positional("Name", lang.KindStrings, 0).Piped(), lang.Named("DisplayName", lang.KindStrings)},
			run: runGetService},
		action("Start-Service", "start", "started"),
		action("Stop-Service", "stop", "stopped"),
		action("Restart-Service", "restart", "restarted"),
		{name: "Set-Service", changes: true, params: []lang.Param{lang.Positional("Name", lang.KindString, 0).Must().Piped(),
			lang.Named("StartupType", lang.KindString, "StartMode", "ST").OneOf(api.Automatic, api.Manual, api.Disabled),
			lang.Named("Status", lang.KindString).OneOf(api.Running, api.Stopped), lang.Named("PassThru", lang.KindSwitch)},
			run: runSetService},
	}
}

// serviceObject is a service as Get-Service shows it.
func serviceObject(st api.ServiceStatus) *lang.Object {
	o := &lang.Object{TypeName: "System.ServiceProcess.ServiceController", Text: st.ExchangeName,
		Columns: []string{"Status", "Name", "DisplayName"}}
	o.Add("Name", st.ExchangeName)
	o.Add("DisplayName", st.DisplayName)
	o.Add("Status", st.Status)
	o.Add("StartType", st.StartupType)
	o.Add("ServiceName", st.ExchangeName)
	o.Add("PosternName", st.Name)
	o.Add("Listeners", anyList(st.Listeners))
	if st.Error != "" {
		o.Add("LastError", st.Error)
	}
	return o
}

func anyList(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func listServices(ctx context.Context, c *call) ([]api.ServiceStatus, error) {
	return c.client().Services(ctx)
}

// matchServices resolves names (wildcards allowed) against both the
// Exchange and the Postern names; a plain name that matches nothing is an
// error, a wildcard that matches nothing is not (as in PowerShell).
func matchServices(all []api.ServiceStatus, names []string, byDisplay bool) ([]api.ServiceStatus, error) {
	var out []api.ServiceStatus
	var errs []string
	seen := map[string]bool{}
	for _, n := range names {
		found := false
		for _, st := range all {
			keys := []string{st.ExchangeName, st.Name}
			if byDisplay {
				keys = []string{st.DisplayName}
			}
			if !matchesAny([]string{n}, keys[0]) && (len(keys) < 2 || !matchesAny([]string{n}, keys[1])) {
				continue
			}
			found = true
			if !seen[st.Name] {
				seen[st.Name] = true
				out = append(out, st)
			}
		}
		if !found && !lang.HasWildcard(n) {
			what := "service name"
			if byDisplay {
				what = "display name"
			}
			errs = append(errs, fmt.Sprintf("Cannot find any service with %s '%s'.", what, n))
		}
	}
	return out, joinMessages(errs)
}

func runGetService(ctx context.Context, c *call) ([]any, error) {
	all, err := listServices(ctx, c)
	if err != nil {
		return nil, err
	}
	names, byDisplay := c.identities("Name"), false
	if d := c.strs("DisplayName"); d != nil {
		names, byDisplay = d, true
	}
	if len(names) == 0 {
		names = []string{"*"}
	}
	sel, err := matchServices(all, names, byDisplay)
	out := make([]any, 0, len(sel))
	for _, st := range sortServices(sel) {
		out = append(out, serviceObject(st))
	}
	return out, err
}

// sortServices orders by the name Get-Service shows.
func sortServices(st []api.ServiceStatus) []api.ServiceStatus {
	out := append([]api.ServiceStatus(nil), st...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && lower(out[j].ExchangeName) < lower(out[j-1].ExchangeName); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// serviceAction starts, stops or restarts the named services. Restart
// makes a service read its settings again, which is how Set-PopSettings
// changes take effect.
func serviceAction(ctx context.Context, c *call, verb, past string) ([]any, error) {
	all, err := listServices(ctx, c)
	if err != nil {
		return nil, err
	}
	names, byDisplay := c.identities("Name"), false
	if d := c.strs("DisplayName"); d != nil {
		names, byDisplay = d, true
	}
	sel, matchErr := matchServices(all, names, byDisplay)
	var items []string
	for _, st := range sel {
		items = append(items, st.Name)
	}
	byName := map[string]api.ServiceStatus{}
	for _, st := range sel {
		byName[st.Name] = st
	}
	out, err := eachItem(items, func(n string) ([]any, error) {
		st := byName[n]
		label := fmt.Sprintf("%s (%s)", st.DisplayName, st.ExchangeName)
		if c.whatIf() {
			c.whatIfMsg(label, "")
			return nil, nil
		}
		res, err := c.client().ServiceAction(ctx, st.Name, verb)
		if err != nil {
			failed := "started"
			if verb == "stop" {
				failed = "stopped"
			}
			return nil, fmt.Errorf("Service '%s' cannot be %s due to the following error: %v", label, failed, err)
		}
		if c.flag("PassThru") {
			return []any{serviceObject(res)}, nil
		}
		return nil, nil
	})
	return out, joinErrors(matchErr, err)
}

func runSetService(ctx context.Context, c *call) ([]any, error) {
	all, err := listServices(ctx, c)
	if err != nil {
		return nil, err
	}
	sel, err := matchServices(all, c.identities("Name"), false)
	if err != nil {
		return nil, err
	}
	var out []any
	for _, st := range sel {
		label := fmt.Sprintf("%s (%s)", st.DisplayName, st.ExchangeName)
		if c.whatIf() {
			c.whatIfMsg(label, "")
			continue
		}
		res := st
		if t := c.str("StartupType"); t != "" {
			got, err := c.client().SetStartupType(ctx, st.Name, t)
			if err != nil {
				return out, fmt.Errorf("Service '%s' cannot be configured due to the following error: %v", label, err)
			}
			res = answered(res, got)
		}
		if s := c.str("Status"); s != "" && !strings.EqualFold(s, res.Status) {
			verb := map[string]string{"running": "start", "stopped": "stop"}[lower(s)]
			got, err := c.client().ServiceAction(ctx, st.Name, verb)
			if err != nil {
				return out, fmt.Errorf("Service '%s' cannot be configured due to the following error: %v", label, err)
			}
			res = answered(res, got)
		}
		if c.flag("PassThru") {
			out = append(out, serviceObject(res))
		}
	}
	return out, nil
}

// answered is res after a service endpoint's answer got: the answer, with
// res's listeners and error where the answer has none (the JSON omits
// them), as decoding the answer over res gave.
func answered(res, got api.ServiceStatus) api.ServiceStatus {
	if got.Listeners == nil {
		got.Listeners = res.Listeners
	}
	if got.Error == "" {
		got.Error = res.Error
	}
	return got
}

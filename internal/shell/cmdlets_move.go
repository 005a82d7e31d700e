package shell

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/postern/postern/internal/admin/api"
	"github.com/postern/postern/internal/shell/lang"
)

// moveCmdlets are New-MoveRequest, Get-MoveRequest,
// Get-MoveRequestStatistics and Remove-MoveRequest: a mailbox moves to
// another mailbox database active on the same server, in the background
// on that server. UIDs are not kept (the target folders have a new
// UIDVALIDITY); the objects say so in Note.
func moveCmdlets() []*cmdlet {
	identity := func() lang.Param { return lang.Positional("Identity", lang.KindString, 0).Piped() }
	return []*cmdlet{
		{name: "New-MoveRequest", changes: true, params: []lang.Param{identity().Must(), lang.Named("TargetDatabase", lang.KindString).Must(),
			lang.Named("BatchName", lang.KindString), lang.Named("BadItemLimit", lang.KindString), lang.Named("DomainController", lang.KindString)},
			run: runNewMoveRequest},
		{name: "Get-MoveRequest", params: []lang.Param{identity(), lang.Named("MoveStatus", lang.KindString),
			lang.Named("TargetDatabase", lang.KindString), lang.Named("SourceDatabase", lang.KindString), lang.Named("DomainController", lang.KindString)},
			run: runGetMoveRequest},
		{name: "Get-MoveRequestStatistics", params: []lang.Param{identity().Must(), lang.Named("DomainController", lang.KindString)},
			run: runGetMoveRequestStatistics},
		{name: "Remove-MoveRequest", changes: true, params: []lang.Param{identity().Must(), lang.Named("Confirm", lang.KindBool),
			lang.Named("DomainController", lang.KindString)}, run: runRemoveMoveRequest},
	}
}

func moveName(m api.MoveRequest) string {
	if m.DisplayName != "" {
		return m.DisplayName
	}
	alias, _, _ := strings.Cut(m.Identity, "@")
	return alias
}

// moveObject is a move request as Get-MoveRequest shows it.
func moveObject(m api.MoveRequest) *lang.Object {
	o := &lang.Object{TypeName: "MoveRequest", Text: moveName(m), Columns: []string{"DisplayName", "Status", "TargetDatabase"}}
	alias, _, _ := strings.Cut(m.Identity, "@")
	o.Add("DisplayName", moveName(m))
	o.Add("Status", m.Status)
	o.Add("TargetDatabase", m.TargetDatabase)
	o.Add("SourceDatabase", m.SourceDatabase)
	o.Add("Alias", alias)
	o.Add("Identity", m.Identity)
	o.Add("RequestStyle", "IntraOrg")
	o.Add("Server", m.Server)
	o.Add("Note", m.Note)
	return o
}

// moveStatsObject is a move request as Get-MoveRequestStatistics shows
// it: counts, percent complete and times.
func moveStatsObject(m api.MoveRequest) *lang.Object {
	o := &lang.Object{TypeName: "MoveRequestStatistics", Text: moveName(m),
		Columns: []string{"DisplayName", "StatusDetail", "ItemsTransferred", "PercentComplete"}}
	detail := m.Status
	if m.Status == api.MoveInProgress {
		detail = "CopyingMessages"
	}
	o.Add("DisplayName", moveName(m))
	o.Add("StatusDetail", detail)
	o.Add("ItemsTransferred", m.MessagesCopied)
	o.Add("PercentComplete", m.PercentComplete())
	o.Add("Status", m.Status)
	o.Add("Identity", m.Identity)
	o.Add("SourceDatabase", m.SourceDatabase)
	o.Add("TargetDatabase", m.TargetDatabase)
	o.Add("TotalMailboxItemCount", m.MessagesTotal)
	o.Add("FoldersTransferred", m.FoldersCopied)
	o.Add("TotalFolderCount", m.FoldersTotal)
	o.Add("BytesTransferred", m.BytesCopied)
	o.Add("QueuedTimestamp", m.QueuedTime)
	o.Add("StartTimestamp", m.StartTime)
	o.Add("CompletionTimestamp", m.CompleteTime)
	o.Add("OverallDuration", moveDuration(m))
	o.Add("MRSServerName", m.Server)
	o.Add("Message", m.Error)
	o.Add("Note", m.Note)
	return o
}

// moveDuration is the time from queued to complete (or now).
func moveDuration(m api.MoveRequest) string {
	from, err := time.Parse(time.RFC3339, m.QueuedTime)
	if err != nil {
		return ""
	}
	to := time.Now()
	if t, err := time.Parse(time.RFC3339, m.CompleteTime); err == nil {
		to = t
	}
	return to.Sub(from).Round(time.Second).String()
}

func runNewMoveRequest(ctx context.Context, c *call) ([]any, error) {
	id, target := c.str("Identity"), c.str("TargetDatabase")
	if c.has("BadItemLimit") {
		c.warn("Postern copies every message or fails the move; -BadItemLimit is ignored.")
	}
	if c.whatIf() {
		c.whatIfMsg(id, "")
		return nil, nil
	}
	m, err := c.client().NewMoveRequest(ctx, id, target)
	if err != nil {
		return nil, notFound(id, err)
	}
	return []any{moveObject(m)}, nil
}

// moveRequests lists the move requests an identity names: one mailbox,
// a wildcard over address, alias and display name, or all.
func moveRequests(ctx context.Context, c *call, id string) ([]api.MoveRequest, error) {
	if id != "" && !lang.HasWildcard(id) {
		list, err := c.client().MoveRequests(ctx, id)
		return list, notFound(id, err)
	}
	list, err := c.client().MoveRequests(ctx, "")
	if err != nil || id == "" {
		return list, err
	}
	var out []api.MoveRequest
	for _, m := range list {
		alias, _, _ := strings.Cut(m.Identity, "@")
		if matchesAny([]string{id}, m.Identity) || matchesAny([]string{id}, alias) || m.DisplayName != "" && matchesAny([]string{id}, m.DisplayName) {
			out = append(out, m)
		}
	}
	return out, nil
}

func runGetMoveRequest(ctx context.Context, c *call) ([]any, error) {
	list, err := moveRequests(ctx, c, c.str("Identity"))
	if err != nil {
		return nil, err
	}
	var out []any
	for _, m := range list {
		if st := c.str("MoveStatus"); st != "" && !strings.EqualFold(st, m.Status) {
			continue
		}
		if db := c.str("TargetDatabase"); db != "" && !strings.EqualFold(db, m.TargetDatabase) {
			continue
		}
		if db := c.str("SourceDatabase"); db != "" && !strings.EqualFold(db, m.SourceDatabase) {
			continue
		}
		out = append(out, moveObject(m))
	}
	return out, nil
}

func runGetMoveRequestStatistics(ctx context.Context, c *call) ([]any, error) {
	return eachItem(c.identities("Identity"), func(id string) ([]any, error) {
		list, err := moveRequests(ctx, c, id)
		if err != nil {
			return nil, err
		}
		var out []any
		for _, m := range list {
			out = append(out, moveStatsObject(m))
		}
		return out, nil
	})
}

func runRemoveMoveRequest(ctx context.Context, c *call) ([]any, error) {
	return eachItem(c.identities("Identity"), func(id string) ([]any, error) {
		if c.whatIf() {
			c.whatIfMsg(id, "")
			return nil, nil
		}
		ok, err := c.confirm(fmt.Sprintf("Removing move request \"%s\".", id))
		if err != nil || !ok {
			return nil, err
		}
		return nil, notFound(id, c.client().RemoveMoveRequest(ctx, id))
	})
}

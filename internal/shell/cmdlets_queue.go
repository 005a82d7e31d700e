package shell

import (
	"context"
	"fmt"
	"github.com/postern/postern/internal/shell/lang"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/postern/postern/internal/admin/api"
)

// queueCmdlets are Get-Queue, Get-Message, Retry-Queue and Remove-Message
// over /v1/queue. Exchange keeps one delivery queue per next hop; Postern
// keeps one store, so a "queue" here is the next-hop domain of the
// pending recipients, named Server\domain, and a message is
// Server\domain\id (or just its id).
func queueCmdlets() []*cmdlet {
	identity := lang.Positional("Identity", lang.KindString, 0)
	return []*cmdlet{
		{name: "Get-Queue", params: append(exchangeParams(), identity.Piped()), run: runGetQueue},
		{name: "Get-Message", params: append(exchangeParams(), identity.Piped(), lang.Named("Queue", lang.KindString)), run: runGetMessage},
		{name: "Retry-Queue", changes: true, params: append(exchangeParams(), identity.Piped()), run: runRetryQueue},
		{name: "Remove-Message", changes: true, params: append(exchangeParams(), identity.Must().Piped(), lang.Named("WithNDR", lang.KindBool)),
			run: runRemoveMessage},
	}
}

func listQueue(ctx context.Context, c *call) (string, []api.QueueMessage, error) {
	if err := c.checkServer(ctx); err != nil {
		return "", nil, err
	}
	in, err := c.serverInfo(ctx)
	if err != nil {
		return "", nil, err
	}
	ql, err := c.client().Queue(ctx)
	return in.Name, ql.Messages, err
}

// domainQueue is the pending recipients of one next-hop domain.
type domainQueue struct {
	domain   string
	messages map[int64]bool
	status   string
	next     time.Time
	lastErr  string
}

func queuesOf(list []api.QueueMessage) []*domainQueue {
	byDomain := map[string]*domainQueue{}
	for _, m := range list {
		for _, r := range m.Recipients {
			if r.State != api.StateReady && r.State != api.StateRetry {
				continue
			}
			q := byDomain[r.Domain]
			if q == nil {
				q = &domainQueue{domain: r.Domain, messages: map[int64]bool{}, status: "Ready"}
				byDomain[r.Domain] = q
			}
			q.messages[m.ID] = true
			if r.State == api.StateRetry {
				q.status, q.lastErr = "Retry", r.LastError
			}
			if q.next.IsZero() || r.NextRetry.Before(q.next) {
				q.next = r.NextRetry
			}
		}
	}
	out := make([]*domainQueue, 0, len(byDomain))
	for _, q := range byDomain {
		out = append(out, q)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].domain < out[j].domain })
	return out
}

func queueObject(server string, q *domainQueue) *lang.Object {
	id := server + `\` + q.domain
	o := &lang.Object{TypeName: "ExtensibleQueueInfo", Text: id,
		Columns: []string{"Identity", "DeliveryType", "Status", "MessageCount", "NextHopDomain"}}
	o.Add("Identity", id)
	o.Add("DeliveryType", "DnsConnectorDelivery")
	o.Add("Status", q.status)
	o.Add("MessageCount", len(q.messages))
	o.Add("NextHopDomain", q.domain)
	o.Add("NextRetryTime", q.next.Local().Format(time.DateTime))
	o.Add("LastError", q.lastErr)
	return o
}

func runGetQueue(ctx context.Context, c *call) ([]any, error) {
	server, list, err := listQueue(ctx, c)
	if err != nil {
		return nil, err
	}
	ids := c.identities("Identity")
	if len(ids) == 0 {
		ids = []string{"*"}
	}
	qs := queuesOf(list)
	return eachItem(ids, func(id string) ([]any, error) {
		var out []any
		for _, q := range qs {
			if matchesAny([]string{id}, q.domain) || matchesAny([]string{id}, server+`\`+q.domain) {
				out = append(out, queueObject(server, q))
			}
		}
		if len(out) == 0 && !lang.HasWildcard(id) {
			return nil, notFoundText(id)
		}
		return out, nil
	})
}

func messageObject(server string, m api.QueueMessage) *lang.Object {
	domain, status, last := "", "Delivered", ""
	var rcpts []any
	for _, r := range m.Recipients {
		rcpts = append(rcpts, r.Address+" ("+r.State+")")
		if r.State == api.StateReady || r.State == api.StateRetry {
			if domain == "" {
				domain = r.Domain
			}
			status = "Ready"
			if r.State == api.StateRetry {
				status, last = "Retry", r.LastError
			}
		}
	}
	id := server + `\` + domain + `\` + strconv.FormatInt(m.ID, 10)
	from := m.Sender
	if from == "" {
		from = "<>"
	}
	o := &lang.Object{TypeName: "ExtensibleMessageInfo", Text: id,
		Columns: []string{"Identity", "FromAddress", "Status", "Size", "Queue"}}
	o.Add("Identity", id)
	o.Add("FromAddress", from)
	o.Add("Status", status)
	o.Add("Size", fmt.Sprintf("%d B", m.Size))
	o.Add("Queue", server+`\`+domain)
	o.Add("Recipients", rcpts)
	o.Add("DateReceived", m.Created.Local().Format(time.DateTime))
	o.Add("LastError", last)
	o.Add("MessageId", m.ID)
	return o
}

// inQueue reports whether m has a pending recipient in the queue named
// (Server\domain or domain, wildcards allowed).
func inQueue(m api.QueueMessage, server, name string) bool {
	for _, r := range m.Recipients {
		if (r.State == api.StateReady || r.State == api.StateRetry) &&
			(matchesAny([]string{name}, r.Domain) || matchesAny([]string{name}, server+`\`+r.Domain)) {
			return true
		}
	}
	return false
}

// messageID reads the id at the end of Server\Queue\Id.
func messageID(id string) (int64, bool) {
	i := strings.LastIndexByte(id, '\\')
	n, err := strconv.ParseInt(id[i+1:], 10, 64)
	return n, err == nil && n > 0
}

func runGetMessage(ctx context.Context, c *call) ([]any, error) {
	server, list, err := listQueue(ctx, c)
	if err != nil {
		return nil, err
	}
	var out []any
	want, byID := messageID(c.str("Identity"))
	if c.has("Identity") && !byID {
		return nil, notFoundText(c.str("Identity"))
	}
	qname := c.str("Queue")
	for _, m := range list {
		if byID && m.ID != want {
			continue
		}
		if qname != "" && !inQueue(m, server, qname) {
			continue
		}
		out = append(out, messageObject(server, m))
	}
	if byID && len(out) == 0 {
		return nil, notFoundText(c.str("Identity"))
	}
	return out, nil
}

func runRetryQueue(ctx context.Context, c *call) ([]any, error) {
	server, list, err := listQueue(ctx, c)
	if err != nil {
		return nil, err
	}
	id := c.str("Identity")
	if id == "" {
		id = "*"
	}
	var targets []int64
	found := false
	for _, q := range queuesOf(list) {
		if !matchesAny([]string{id}, q.domain) && !matchesAny([]string{id}, server+`\`+q.domain) {
			continue
		}
		found = true
		for m := range q.messages {
			targets = append(targets, m)
		}
	}
	if !found && !lang.HasWildcard(id) {
		return nil, notFoundText(id)
	}
	if c.whatIf() {
		c.whatIfMsg(id, "")
		return nil, nil
	}
	for _, m := range targets {
		if _, err := c.client().RetryQueue(ctx, api.QueueRequest{ID: m}); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

func runRemoveMessage(ctx context.Context, c *call) ([]any, error) {
	if v, ok := c.args["WithNDR"]; ok && v == true {
		return nil, fmt.Errorf("Remove-Message -WithNDR $true is not supported: messages are removed without a delivery status notification")
	}
	if err := c.checkServer(ctx); err != nil {
		return nil, err
	}
	return eachItem(c.identities("Identity"), func(id string) ([]any, error) {
		n, ok := messageID(id)
		if !ok {
			return nil, notFoundText(id)
		}
		if c.whatIf() {
			c.whatIfMsg(id, "")
			return nil, nil
		}
		ok, err := c.confirm(fmt.Sprintf("Removing message \"%s\".", id))
		if err != nil || !ok {
			return nil, err
		}
		if err := c.client().RemoveQueued(ctx, n); err != nil {
			return nil, notFound(id, err)
		}
		return nil, nil
	})
}

package admin

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/postern/postern/internal/admin/api"
	"github.com/postern/postern/internal/config"
	"github.com/postern/postern/internal/queue"
)

// listQueue answers GET /v1/queue (Get-Queue, Get-Message).
func (a *API) listQueue(r *http.Request) (api.QueueList, error) {
	limit := 0
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return api.QueueList{}, fmt.Errorf("%w: limit %q", errBadRequest, v)
		}
		limit = n
	}
	list, total, err := a.s.Queue().List(r.Context(), limit)
	out := make([]api.QueueMessage, 0, len(list))
	for _, m := range list {
		out = append(out, queueMessageOf(m))
	}
	return api.QueueList{Total: total, Messages: out}, err
}

// queueMessageOf is a queued message as the API shows it.
func queueMessageOf(m queue.Message) api.QueueMessage {
	out := api.QueueMessage{ID: m.ID, Sender: m.Sender, Created: m.Created, Size: m.Size, EightBit: m.EightBit}
	if m.Recipients != nil {
		out.Recipients = make([]api.QueueRecipient, 0, len(m.Recipients))
	}
	for _, r := range m.Recipients {
		out.Recipients = append(out.Recipients, api.QueueRecipient{Address: r.Address, Domain: r.Domain, State: r.State,
			Attempts: r.Attempts, NextRetry: r.NextRetry, LastError: r.LastError, DelayNotified: r.DelayNotified})
	}
	return out
}

// checkQueueRequest checks that req names one message, or all of them
// where allowAll.
func checkQueueRequest(req api.QueueRequest, allowAll bool) error {
	switch {
	case req.All && !allowAll:
		return fmt.Errorf("%w: name one message", errBadRequest)
	case req.All == (req.ID != 0):
		return fmt.Errorf("%w: give a message id or all, not both or neither", errBadRequest)
	case req.ID < 0:
		return fmt.Errorf("%w: bad message id %d", errBadRequest, req.ID)
	}
	return nil
}

// retryQueue answers POST /v1/queue/retry (Retry-Queue): the pending
// recipients are tried at once.
func (a *API) retryQueue(r *http.Request, req api.QueueRequest) (api.QueueResult, error) {
	if err := checkQueueRequest(req, true); err != nil {
		return api.QueueResult{}, err
	}
	n, err := a.s.Queue().Retry(r.Context(), req.ID)
	return api.QueueResult{Messages: n}, err
}

// removeQueued answers POST /v1/queue/remove (Remove-Message -WithNDR
// $false): the message is dropped without a DSN.
func (a *API) removeQueued(r *http.Request, req api.QueueRequest) (api.QueueResult, error) {
	if err := checkQueueRequest(req, false); err != nil {
		return api.QueueResult{}, err
	}
	return api.QueueResult{Messages: 1}, a.s.Queue().Remove(r.Context(), req.ID)
}

func (a *API) setOutbound(r *http.Request, req api.OutboundRequest) (config.TransportSettings, error) {
	tr, err := a.s.UpdateTransport(r.Context(), func(tr *config.TransportSettings) error {
		for _, e := range req.Resolve {
			d, hp, ok := strings.Cut(e, "=")
			if !ok {
				return fmt.Errorf("Resolve %q: want domain=host:port", e)
			}
			d = strings.ToLower(strings.TrimSpace(d))
			if hp == "" {
				delete(tr.Resolve, d)
			} else {
				tr.Resolve[d] = strings.TrimSpace(hp)
			}
		}
		if req.LoopbackOnly != nil {
			tr.LoopbackOnly = *req.LoopbackOnly
		}
		if req.RetryIntervals != nil {
			tr.RetryIntervals = nil
			for _, v := range config.SplitList(*req.RetryIntervals) {
				ts, err := config.ParseTimeSpan(v)
				if err != nil {
					return fmt.Errorf("RetryIntervals: %w", err)
				}
				tr.RetryIntervals = append(tr.RetryIntervals, ts)
			}
		}
		for _, t := range []struct {
			name string
			text *string
			to   *config.TimeSpan
		}{
			{"MessageExpirationTimeout", req.MessageExpirationTimeout, &tr.MessageExpirationTimeout},
			{"DelayNotificationTimeout", req.DelayNotificationTimeout, &tr.DelayNotificationTimeout},
		} {
			if t.text == nil {
				continue
			}
			ts, err := config.ParseTimeSpan(*t.text)
			if err != nil {
				return fmt.Errorf("%s: %w", t.name, err)
			}
			*t.to = ts
		}
		return nil
	})
	if err != nil {
		return tr, fmt.Errorf("%w: %v", errBadRequest, err)
	}
	return tr, nil
}

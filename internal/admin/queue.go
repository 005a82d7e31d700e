package admin

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/postern/postern/internal/config"
	"github.com/postern/postern/internal/queue"
)

// QueueList is the answer of GET /v1/queue: the oldest messages, at
// most ?limit= of them (queue.MaxList by default), and how many are
// queued in all.
type QueueList struct {
	Total    int             `json:"total"`
	Messages []queue.Message `json:"messages"`
}

// listQueue answers GET /v1/queue (Get-Queue, Get-Message).
func (a *API) listQueue(r *http.Request) (QueueList, error) {
	limit := 0
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return QueueList{}, fmt.Errorf("%w: limit %q", errBadRequest, v)
		}
		limit = n
	}
	list, total, err := a.s.Queue().List(r.Context(), limit)
	if list == nil {
		list = []queue.Message{}
	}
	return QueueList{Total: total, Messages: list}, err
}

// QueueRequest names a queued message, or all of them.
type QueueRequest struct {
	ID  int64 `json:"id,omitempty"`
	All bool  `json:"all,omitempty"`
}

// QueueResult says how many messages a request touched.
type QueueResult struct {
	Messages int `json:"messages"`
}

func (req QueueRequest) check(allowAll bool) error {
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
func (a *API) retryQueue(r *http.Request, req QueueRequest) (QueueResult, error) {
	if err := req.check(true); err != nil {
		return QueueResult{}, err
	}
	n, err := a.s.Queue().Retry(r.Context(), req.ID)
	return QueueResult{Messages: n}, err
}

// removeQueued answers POST /v1/queue/remove (Remove-Message -WithNDR
// $false): the message is dropped without a DSN.
func (a *API) removeQueued(r *http.Request, req QueueRequest) (QueueResult, error) {
	if err := req.check(false); err != nil {
		return QueueResult{}, err
	}
	return QueueResult{Messages: 1}, a.s.Queue().Remove(r.Context(), req.ID)
}

// OutboundRequest is the body of POST /v1/settings/transport/outbound;
// absent fields are left as they are.
type OutboundRequest struct {
	// Resolve entries are "domain=host:port"; "domain=" removes one.
	Resolve                  []string `json:"resolve,omitempty"`
	LoopbackOnly             *bool    `json:"loopbackOnly,omitempty"`
	RetryIntervals           *string  `json:"retryIntervals,omitempty"`
	MessageExpirationTimeout *string  `json:"messageExpirationTimeout,omitempty"`
	DelayNotificationTimeout *string  `json:"delayNotificationTimeout,omitempty"`
}

func (a *API) setOutbound(r *http.Request, req OutboundRequest) (config.TransportSettings, error) {
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

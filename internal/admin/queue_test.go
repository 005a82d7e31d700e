package admin

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/postern/postern/internal/admin/api"
	"github.com/postern/postern/internal/queue"
)

// The API shows a queued message as the queue's own JSON form would.
func TestQueueMessageWire(t *testing.T) {
	for _, s := range [][2]string{{api.StateReady, queue.StateReady}, {api.StateRetry, queue.StateRetry},
		{api.StateDelivered, queue.StateDelivered}, {api.StateFailed, queue.StateFailed}} {
		if s[0] != s[1] {
			t.Errorf("state %q in the API is %q in the queue", s[0], s[1])
		}
	}
	now := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	for _, m := range []queue.Message{
		{ID: 7, Sender: "a@b.test", Created: now, Size: 1234, EightBit: true, Recipients: []queue.Recipient{
			{Address: "x@c.test", Domain: "c.test", State: queue.StateRetry, Attempts: 2, NextRetry: now, LastError: "451 later", DelayNotified: true},
			{Address: "y@d.test", Domain: "d.test", State: queue.StateReady}}},
		{ID: 8},
	} {
		want, _ := json.Marshal(m)
		got, _ := json.Marshal(queueMessageOf(m))
		if string(got) != string(want) {
			t.Errorf("API form\n%s\nqueue form\n%s", got, want)
		}
	}
}

package api

import "time"

// A queued recipient's states.
const (
	StateReady     = "Ready"     // waiting for its first attempt
	StateRetry     = "Retry"     // a temporary failure; tried again at NextRetry
	StateDelivered = "Delivered" // a remote server accepted it
	StateFailed    = "Failed"    // refused for good, or expired; a DSN was sent
)

// QueueMessage is one message of the outbound queue as GET /v1/queue
// shows it.
type QueueMessage struct {
	ID         int64            `json:"id"`
	Sender     string           `json:"sender"`
	Created    time.Time        `json:"created"`
	Size       int64            `json:"size"`
	EightBit   bool             `json:"eightBit,omitempty"`
	Recipients []QueueRecipient `json:"recipients"`
}

// QueueRecipient is one recipient of a queued message and its state.
type QueueRecipient struct {
	Address   string    `json:"address"`
	Domain    string    `json:"domain"`
	State     string    `json:"state"`
	Attempts  int       `json:"attempts"`
	NextRetry time.Time `json:"nextRetry"`
	LastError string    `json:"lastError,omitempty"`
	// DelayNotified: a delay DSN went out for this recipient.
	DelayNotified bool `json:"delayNotified,omitempty"`
}

// QueueList is the answer of GET /v1/queue: the oldest messages, at
// most ?limit= of them (the queue's MaxList, 5000, by default), and how many are
// queued in all.
type QueueList struct {
	Total    int            `json:"total"`
	Messages []QueueMessage `json:"messages"`
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

package queue

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"time"
)

// Message is one queued message as the queue CLI shows it.
type Message struct {
	ID         int64       `json:"id"`
	Sender     string      `json:"sender"`
	Created    time.Time   `json:"created"`
	Size       int64       `json:"size"`
	EightBit   bool        `json:"eightBit,omitempty"`
	Recipients []Recipient `json:"recipients"`
	file       string
}

// Recipient is one recipient of a queued message and its state.
type Recipient struct {
	Address   string    `json:"address"`
	Domain    string    `json:"domain"`
	State     string    `json:"state"`
	Attempts  int       `json:"attempts"`
	NextRetry time.Time `json:"nextRetry"`
	LastError string    `json:"lastError,omitempty"`
	// DelayNotified: a delay DSN went out for this recipient.
	DelayNotified bool `json:"delayNotified,omitempty"`
}

// pending reports whether the recipient still waits for delivery.
func (r Recipient) pending() bool { return r.State == StateReady || r.State == StateRetry }

// MaxList bounds the messages one List returns.
const MaxList = 5000

// List returns the queued messages, oldest first: at most limit of them
// (MaxList when limit is 0 or more), and how many are queued in all.
func (q *Queue) List(ctx context.Context, limit int) ([]Message, int, error) {
	if limit <= 0 || limit > MaxList {
		limit = MaxList
	}
	var total int
	if err := q.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM messages`).Scan(&total); err != nil {
		return nil, 0, err
	}
	list, err := q.messages(ctx, `SELECT id, sender, created, size, eightbit, file FROM messages ORDER BY id LIMIT ?`, limit)
	return list, total, err
}

// Get returns one queued message.
func (q *Queue) Get(ctx context.Context, id int64) (Message, error) {
	list, err := q.messages(ctx, `SELECT id, sender, created, size, eightbit, file FROM messages WHERE id = ?`, id)
	if err != nil {
		return Message{}, err
	}
	if len(list) == 0 {
		return Message{}, ErrNotFound
	}
	return list[0], nil
}

// due returns the messages with a recipient due at now, oldest first,
// at most limit of them.
func (q *Queue) due(ctx context.Context, now time.Time, limit int) ([]Message, error) {
	return q.messages(ctx, `SELECT id, sender, created, size, eightbit, file FROM messages WHERE id IN
		(SELECT msg FROM recipients WHERE state IN ('Ready', 'Retry') AND next_try <= ?) ORDER BY id LIMIT ?`, now.UnixMilli(), limit)
}

// nextDue returns the earliest next try of a pending recipient.
func (q *Queue) nextDue(ctx context.Context) (time.Time, bool, error) {
	var ms sql.NullInt64
	err := q.db.QueryRowContext(ctx, `SELECT MIN(next_try) FROM recipients WHERE state IN ('Ready', 'Retry')`).Scan(&ms)
	if err != nil || !ms.Valid {
		return time.Time{}, false, err
	}
	return time.UnixMilli(ms.Int64), true, nil
}

func (q *Queue) messages(ctx context.Context, query string, args ...any) ([]Message, error) {
	rows, err := q.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	var out []Message
	for rows.Next() {
		var m Message
		var created int64
		if err := rows.Scan(&m.ID, &m.Sender, &created, &m.Size, &m.EightBit, &m.file); err != nil {
			rows.Close()
			return nil, err
		}
		m.Created = time.UnixMilli(created)
		out = append(out, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Recipients, err = q.recipients(ctx, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (q *Queue) recipients(ctx context.Context, id int64) ([]Recipient, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT addr, domain, state, attempts, next_try, last_error, delayed FROM recipients WHERE msg = ? ORDER BY rowid`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Recipient
	for rows.Next() {
		var r Recipient
		var next int64
		if err := rows.Scan(&r.Address, &r.Domain, &r.State, &r.Attempts, &next, &r.LastError, &r.DelayNotified); err != nil {
			return nil, err
		}
		r.NextRetry = time.UnixMilli(next)
		out = append(out, r)
	}
	return out, rows.Err()
}

// Retry makes the pending recipients of message id (every message when id
// is 0) due now, as Retry-Queue does. It returns how many messages it
// touched.
func (q *Queue) Retry(ctx context.Context, id int64) (int, error) {
	now := q.now().UnixMilli()
	var res sql.Result
	var err error
	if id == 0 {
		res, err = q.db.ExecContext(ctx, `UPDATE recipients SET next_try = ? WHERE state IN ('Ready', 'Retry')`, now)
	} else {
		res, err = q.db.ExecContext(ctx, `UPDATE recipients SET next_try = ? WHERE msg = ? AND state IN ('Ready', 'Retry')`, now, id)
	}
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	if id != 0 && n == 0 {
		if _, err := q.Get(ctx, id); err != nil {
			return 0, err
		}
	}
	q.signal()
	if id != 0 {
		return 1, nil
	}
	var msgs int
	err = q.db.QueryRowContext(ctx, `SELECT COUNT(DISTINCT msg) FROM recipients WHERE state IN ('Ready', 'Retry')`).Scan(&msgs)
	return msgs, err
}

// Remove deletes message id without a delivery status notification, as
// Remove-Message -WithNDR $false does.
func (q *Queue) Remove(ctx context.Context, id int64) error {
	m, err := q.Get(ctx, id)
	if err != nil {
		return err
	}
	return q.drop(ctx, m)
}

// drop deletes a message's rows, then its file.
func (q *Queue) drop(ctx context.Context, m Message) error {
	if _, err := q.db.ExecContext(ctx, `DELETE FROM messages WHERE id = ?`, m.ID); err != nil {
		return err
	}
	if err := os.Remove(filepath.Join(q.dir, "msg", m.file)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// open opens a message's bytes.
func (q *Queue) open(m Message) (*os.File, error) {
	return os.Open(filepath.Join(q.dir, "msg", m.file))
}

// record stores the outcome of one attempt for one recipient.
func (q *Queue) record(ctx context.Context, id int64, r Recipient) error {
	_, err := q.db.ExecContext(ctx, `UPDATE recipients SET state = ?, attempts = ?, next_try = ?, last_error = ?, delayed = ? WHERE msg = ? AND addr = ?`,
		r.State, r.Attempts, r.NextRetry.UnixMilli(), clip(r.LastError), r.DelayNotified, id, r.Address)
	return err
}

func clip(s string) string {
	if len(s) > maxErrorText {
		return s[:maxErrorText]
	}
	return s
}

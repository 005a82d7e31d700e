package queue

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver

	"github.com/postern/postern/internal/durable"
)

// Recipient states, as `postern queue list` shows them.
const (
	StateReady     = "Ready"     // waiting for its first attempt
	StateRetry     = "Retry"     // a temporary failure; tried again at NextRetry
	StateDelivered = "Delivered" // a remote server accepted it
	StateFailed    = "Failed"    // refused for good, or expired; a DSN was sent
)

// ErrNotFound is returned for a message id the queue does not hold.
var ErrNotFound = errors.New("queue: no such message")

// Limits of one queued message.
const (
	// MaxRecipients bounds the recipients of one queued message.
	MaxRecipients = 1000
	// maxErrorText bounds a stored diagnostic.
	maxErrorText = 512
)

const schema = `
CREATE TABLE IF NOT EXISTS messages (
	id       INTEGER PRIMARY KEY AUTOINCREMENT,
	sender   TEXT    NOT NULL,
	created  INTEGER NOT NULL,
	size     INTEGER NOT NULL,
	eightbit INTEGER NOT NULL,
	file     TEXT    NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS recipients (
	msg        INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
	addr       TEXT    NOT NULL,
	domain     TEXT    NOT NULL,
	state      TEXT    NOT NULL,
	attempts   INTEGER NOT NULL DEFAULT 0,
	next_try   INTEGER NOT NULL,
	last_error TEXT    NOT NULL DEFAULT '',
	delayed    INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (msg, addr)
);
CREATE INDEX IF NOT EXISTS recipients_due ON recipients(state, next_try);
`

// Queue is the durable store of outbound messages. It is safe for
// concurrent use.
type Queue struct {
	dir  string
	db   *sql.DB
	now  func() time.Time
	wake chan struct{}
}

// Open opens (creating) the queue in dir and removes message files left
// by an Enqueue that crashed before its commit.
func Open(ctx context.Context, dir string) (*Queue, error) {
	if err := os.MkdirAll(filepath.Join(dir, "msg"), 0o700); err != nil {
		return nil, err
	}
	dsn := "file:" + filepath.Join(dir, "queue.db") + "?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1) // one writer; the queue's statements are short
	if _, err := db.ExecContext(ctx, schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("queue: %w", err)
	}
	q := &Queue{dir: dir, db: db, now: time.Now, wake: make(chan struct{}, 1)}
	if err := q.dropFinished(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := q.removeOrphans(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return q, nil
}

// dropFinished removes the messages no recipient waits for any more: a
// crash between the last recipient's result and the removal leaves them.
func (q *Queue) dropFinished(ctx context.Context) error {
	list, err := q.messages(ctx, `SELECT id, sender, created, size, eightbit, file FROM messages WHERE id NOT IN
		(SELECT msg FROM recipients WHERE state IN ('Ready', 'Retry'))`)
	if err != nil {
		return fmt.Errorf("queue: %w", err)
	}
	for _, m := range list {
		if err := q.drop(ctx, m); err != nil {
			return fmt.Errorf("queue: %w", err)
		}
	}
	return nil
}

// Close closes the database.
func (q *Queue) Close() error { return q.db.Close() }

// Wakeup is signalled when a message is enqueued or retried.
func (q *Queue) Wakeup() <-chan struct{} { return q.wake }

func (q *Queue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// removeOrphans deletes message files no row refers to.
func (q *Queue) removeOrphans(ctx context.Context) error {
	rows, err := q.db.QueryContext(ctx, `SELECT file FROM messages`)
	if err != nil {
		return err
	}
	known := map[string]bool{}
	for rows.Next() {
		var f string
		if err := rows.Scan(&f); err != nil {
			rows.Close()
			return err
		}
		known[f] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	ents, err := os.ReadDir(filepath.Join(q.dir, "msg"))
	if err != nil {
		return err
	}
	for _, e := range ents {
		if !known[e.Name()] {
			os.Remove(filepath.Join(q.dir, "msg", e.Name()))
		}
	}
	return nil
}

// Enqueue stores a message for rcpts durably and returns its id. body
// yields size octets. Each recipient must have a domain.
func (q *Queue) Enqueue(ctx context.Context, from string, rcpts []string, body io.Reader, size int64) (int64, error) {
	if len(rcpts) == 0 || len(rcpts) > MaxRecipients {
		return 0, fmt.Errorf("queue: %d recipients", len(rcpts))
	}
	domains := make([]string, len(rcpts))
	for i, r := range rcpts {
		at := strings.LastIndexByte(r, '@')
		if at <= 0 || at == len(r)-1 {
			return 0, fmt.Errorf("queue: recipient %q has no domain", r)
		}
		domains[i] = strings.ToLower(r[at+1:])
	}
	name, n, eightBit, err := q.writeFile(body)
	if err != nil {
		return 0, err
	}
	if n != size {
		os.Remove(filepath.Join(q.dir, "msg", name))
		return 0, fmt.Errorf("queue: message is %d octets, %d announced", n, size)
	}
	id, err := q.insert(ctx, from, rcpts, domains, name, n, eightBit)
	if err != nil {
		os.Remove(filepath.Join(q.dir, "msg", name))
		return 0, err
	}
	q.signal()
	return id, nil
}

func (q *Queue) insert(ctx context.Context, from string, rcpts, domains []string, name string, size int64, eightBit bool) (int64, error) {
	tx, err := q.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	now := q.now().UnixMilli()
	res, err := tx.ExecContext(ctx, `INSERT INTO messages(sender, created, size, eightbit, file) VALUES (?, ?, ?, ?, ?)`,
		from, now, size, eightBit, name)
	if err != nil {
		return 0, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	for i, r := range rcpts {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO recipients(msg, addr, domain, state, next_try) VALUES (?, ?, ?, ?, ?)`,
			id, r, domains[i], StateReady, now); err != nil {
			return 0, err
		}
	}
	return id, tx.Commit()
}

// writeFile copies body into a new message file, synced with its folder.
func (q *Queue) writeFile(body io.Reader) (name string, n int64, eightBit bool, err error) {
	var rnd [12]byte
	rand.Read(rnd[:])
	name = hex.EncodeToString(rnd[:]) + ".eml"
	dir := filepath.Join(q.dir, "msg")
	tmp := filepath.Join(dir, "tmp-"+name)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", 0, false, err
	}
	w := &eightBitWriter{w: f}
	n, err = io.Copy(w, body)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, name))
	}
	if err == nil {
		err = durable.SyncDir(dir)
	}
	if err != nil {
		os.Remove(tmp)
		os.Remove(filepath.Join(dir, name))
		return "", 0, false, fmt.Errorf("queue: storing the message: %w", err)
	}
	return name, n, w.seen, nil
}

// eightBitWriter notes whether any octet has its high bit set.
type eightBitWriter struct {
	w    io.Writer
	seen bool
}

func (e *eightBitWriter) Write(p []byte) (int, error) {
	if !e.seen {
		for _, b := range p {
			if b >= 0x80 {
				e.seen = true
				break
			}
		}
	}
	return e.w.Write(p)
}

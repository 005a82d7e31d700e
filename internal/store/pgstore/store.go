// Package pgstore is a store.Store on PostgreSQL. Many mailbox databases
// share one set of tables, each keyed by the database's name, and several
// Postern servers share one PostgreSQL: a mailbox database is written by
// exactly one server at a time, the holder of its lease (lease.go), and
// every write transaction checks the lease's epoch first, so a server
// that lost the lease can never write.
//
// Bodies are rows (bytea) named by their SHA-256 and shared by the
// messages of a database that have the same bytes; UIDs and mod-sequences
// come from counters in the folder row, raised in the writing transaction,
// which also holds that row locked: writes to one folder are serialised,
// writes to different folders run side by side. Every write locks folder
// rows (in id order) before body rows (in hash order); a deadlock or
// serialisation failure all the same runs the transaction again.
package pgstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/postern/postern/internal/store"
)

// Options configure Open.
type Options struct {
	Pool     *pgxpool.Pool // the organisation's PostgreSQL (shared with other databases)
	Database string        // the mailbox database's name: its key in the tables
	Server   string        // this server's name (lease holder identity)
	Analyze  store.Analyzer
	// AnalysisCurrent reports whether a kept analysis is in the
	// analyser's current form; nil means every kept analysis is.
	AnalysisCurrent func([]byte) bool
	Logger          *slog.Logger
}

// expungeHistory is how many mod-sequences of a folder its expunge
// records span, as the SQLite store's default ExpungeHistory.
const expungeHistory = 10000

// maxRetries bounds the retries of a write transaction that PostgreSQL
// ended for a deadlock or a serialisation failure.
const maxRetries = 5

// Store is one mailbox database on PostgreSQL. It implements store.Store,
// store.StructureBatcher and store.ExpungeLister.
type Store struct {
	opt      Options
	pool     *pgxpool.Pool
	log      *slog.Logger
	db       int64  // mailbox_dbs.id
	epoch    int64  // the lease epoch the store opened under
	instance string // names this Store's notifications
	history  int64
	text     bool // pg_trgm is there: bodies' text is indexed (textsearch.go)

	hub    store.Hub
	inbox  keyLock // Deliver's, by account
	order  keyLock // commit and publish, by account (write)
	subMu  sync.Mutex
	subs   map[store.AccountID]int // subscriptions per account, for resyncs
	cancel context.CancelFunc
	done   chan struct{}

	// beforeCommit, if set (tests), runs in each write transaction just
	// before its COMMIT.
	beforeCommit func()
}

var (
	_ store.Store            = (*Store)(nil)
	_ store.StructureBatcher = (*Store)(nil)
	_ store.ExpungeLister    = (*Store)(nil)
)

// Open creates the schema if it is missing, then requires that o.Server
// holds the lease of o.Database (Acquire or Transfer it first) and
// remembers its epoch. It starts the listener that republishes the
// changes other Store instances commit.
//
// The Store fences by epoch alone: it never looks at the lease's expiry.
// Renewing the lease (Renew) is its holder's duty; once it has expired,
// another server may Acquire it, which raises the epoch and ends this
// Store's writes.
func Open(ctx context.Context, o Options) (*Store, error) {
	switch {
	case o.Pool == nil:
		return nil, fmt.Errorf("pgstore: Options.Pool is nil: %w", store.ErrInvalid)
	case o.Database == "", o.Server == "":
		return nil, fmt.Errorf("pgstore: Options.Database and Options.Server are required: %w", store.ErrInvalid)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	id, err := createSchema(ctx, o.Pool, o.Database)
	if err != nil {
		return nil, err
	}
	text, err := setupText(ctx, o.Pool)
	if err != nil {
		return nil, err
	}
	l, err := Holder(ctx, o.Pool, o.Database)
	if err != nil {
		return nil, err
	}
	if l.Server != o.Server {
		return nil, fmt.Errorf("pgstore: open %q as %q: the lease is %q's: %w", o.Database, o.Server, l.Server, ErrLeaseLost)
	}
	inst := make([]byte, 8)
	rand.Read(inst)
	s := &Store{opt: o, pool: o.Pool, log: o.Logger.With("database", o.Database), db: id, epoch: l.Epoch, text: text,
		instance: hex.EncodeToString(inst), history: expungeHistory, subs: map[store.AccountID]int{},
		done: make(chan struct{})}
	lctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	ready := make(chan struct{})
	go s.listen(lctx, ready)
	select {
	case <-ready:
	case <-ctx.Done():
		s.Close()
		return nil, ctx.Err()
	}
	return s, nil
}

// Epoch is the lease epoch the store writes under.
func (s *Store) Epoch() int64 { return s.epoch }

// Close stops the listener and the subscriptions. The pool is the
// caller's and stays open.
func (s *Store) Close() error {
	s.cancel()
	<-s.done
	s.hub.Close()
	return nil
}

// Subscribe implements store.Store.
func (s *Store) Subscribe(a store.AccountID, fn func(store.Change)) (cancel func()) {
	s.subMu.Lock()
	s.subs[a]++
	s.subMu.Unlock()
	c := s.hub.Subscribe(a, fn)
	var once sync.Once
	return func() {
		once.Do(func() {
			s.subMu.Lock()
			if s.subs[a]--; s.subs[a] <= 0 {
				delete(s.subs, a)
			}
			s.subMu.Unlock()
		})
		c()
	}
}

// wtx is one write transaction: the changes it makes are notified inside
// it and published after its commit.
type wtx struct {
	pgx.Tx
	ctx     context.Context
	s       *Store
	origin  uint64
	changes []store.Change
	unlock  func() // the order lock, held from before COMMIT to after Publish
}

// write runs fn in a transaction that first checks the lease, sends the
// changes fn records with pg_notify, commits, and then publishes them. A
// deadlock or serialisation failure runs it again from the start.
func (s *Store) write(ctx context.Context, fn func(w *wtx) error) error {
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		w, err := s.try(ctx, fn)
		if err == nil {
			s.hub.Publish(w.changes...)
			w.unlock()
			return nil
		}
		if attempt < maxRetries && retryable(err) {
			continue
		}
		return err
	}
}

func (s *Store) try(ctx context.Context, fn func(w *wtx) error) (*wtx, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, mapErr(ctx, "begin", err)
	}
	defer tx.Rollback(context.Background()) //nolint:errcheck // after Commit, a no-op
	w := &wtx{Tx: tx, ctx: ctx, s: s, origin: store.OriginOf(ctx)}
	if err := checkLease(ctx, tx, s.opt.Database, s.epoch); err != nil {
		return nil, err
	}
	if err := fn(w); err != nil {
		return nil, err
	}
	if len(w.changes) > 0 {
		// One round trip for every notification of the transaction.
		var batch pgx.Batch
		for i := range w.changes {
			w.changes[i].Origin = w.origin
			batch.Queue(`SELECT pg_notify($1, $2)`, channel, s.payload(w.changes[i]))
		}
		if err := tx.SendBatch(ctx, &batch).Close(); err != nil {
			return nil, mapErr(ctx, "notify", err)
		}
	}
	// Commit and Publish under the accounts' order lock: a later commit
	// of an account is published after an earlier one.
	var accounts []int64
	for _, c := range w.changes {
		accounts = append(accounts, int64(c.Account))
	}
	if w.unlock, err = s.order.lock(ctx, accounts); err != nil {
		return nil, err
	}
	if s.beforeCommit != nil {
		s.beforeCommit()
	}
	if err := tx.Commit(ctx); err != nil {
		w.unlock()
		return nil, mapErr(ctx, "commit", err)
	}
	return w, nil
}

// exec and queryRow run in the transaction with its context.
func (w *wtx) exec(sql string, args ...any) (pgconn.CommandTag, error) {
	return w.Exec(w.ctx, sql, args...)
}

func (w *wtx) queryRow(sql string, args ...any) pgx.Row { return w.QueryRow(w.ctx, sql, args...) }

// retryable reports a failure that running the transaction again may
// avoid.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// mapErr maps a PostgreSQL failure to the store's kinds: an error already
// of a store kind stays itself, the caller's cancellation is returned as
// such, a unique violation is ErrExists, anything else (a lost
// connection, PostgreSQL unavailable) is ErrTemporary.
func mapErr(ctx context.Context, what string, err error) error {
	for _, k := range []error{store.ErrNotFound, store.ErrExists, store.ErrNoPermission, store.ErrOverQuota,
		store.ErrExpunged, store.ErrTooBig, store.ErrTemporary, store.ErrInvalid, store.ErrDamaged} {
		if errors.Is(err, k) {
			return err
		}
	}
	if ctx.Err() != nil {
		return fmt.Errorf("pgstore: %s: %w", what, ctx.Err())
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("pgstore: %s: %w", what, err)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return fmt.Errorf("pgstore: %s: %w: %w", what, store.ErrExists, err)
	}
	return fmt.Errorf("pgstore: %s: %w: %w", what, store.ErrTemporary, err)
}

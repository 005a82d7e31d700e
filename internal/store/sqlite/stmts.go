package sqlite

import (
	"context"
	"database/sql"
	"log/slog"
	"sync"
)

// stmtCache keeps the writer's statements prepared across transactions,
// which saves SQLite a parse per statement (a large share of the writer's
// CPU). A statement is learnt on first use: inside a transaction the only
// connection is busy, so it runs unprepared once and is prepared on the
// DB after the commit; database/sql then reuses it in every transaction,
// as there is only one connection. Only the writer goroutine touches it.
type stmtCache struct {
	db     *sql.DB
	stmts  map[string]*sql.Stmt
	wanted map[string]bool
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, stmts: map[string]*sql.Stmt{}, wanted: map[string]bool{}}
}

// learn prepares the statements used since the last call. It must run
// outside a transaction. A failure only leaves a statement unprepared.
func (c *stmtCache) learn(log *slog.Logger) {
	for q := range c.wanted {
		s, err := c.db.Prepare(q)
		if err != nil {
			log.Warn("cannot prepare statement", slog.Any("err", err))
			continue
		}
		c.stmts[q] = s
	}
	clear(c.wanted)
}

func (c *stmtCache) close() {
	for _, s := range c.stmts {
		s.Close()
	}
	clear(c.stmts)
}

// prepared returns q bound to the transaction. Statements obtained here
// are closed with the transaction, so callers never close them (closing a
// statement with an open Row would wait for the Row).
func (w *wtx) prepared(q string) (*sql.Stmt, error) {
	if s, ok := w.cache.stmts[q]; ok {
		return w.tx.Stmt(s), nil
	}
	w.cache.wanted[q] = true
	return w.tx.Prepare(q)
}

func (w *wtx) exec(q string, args ...any) (sql.Result, error) {
	s, err := w.prepared(q)
	if err != nil {
		return nil, err
	}
	return s.Exec(args...)
}

func (w *wtx) queryRow(q string, args ...any) *sql.Row {
	s, err := w.prepared(q)
	if err != nil {
		return w.tx.QueryRow(q, args...) // reports the same error on Scan
	}
	return s.QueryRow(args...)
}

// QueryContext and QueryRowContext make the transaction a querier for the
// lookups shared with the read side.
func (w *wtx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	s, err := w.prepared(q)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

func (w *wtx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	s, err := w.prepared(q)
	if err != nil {
		return w.tx.QueryRowContext(ctx, q, args...)
	}
	return s.QueryRowContext(ctx, args...)
}

// readStmts keeps the read pool's statements prepared: database/sql
// prepares each on a connection the first time it runs there and reuses
// it after, which saves SQLite a parse per query (per FETCH of one
// message, the parse cost more than the lookup).
type readStmts struct {
	mu      sync.Mutex
	stmts   map[string]*sql.Stmt
	pending map[string]bool // being prepared in the background
	closed  bool
	bg      sync.WaitGroup // the background preparations
	stop    context.CancelFunc
	ctx     context.Context // ends at close
}

// readStmt returns q prepared on the read pool. Statements live until
// Close, so q must be one of the package's constant queries, never text
// built from arguments. Preparing takes a connection of the pool, so the
// caller must not hold one (see reader.stmt), and no lock is held while
// it waits for one.
func (db *DB) readStmt(ctx context.Context, q string) (*sql.Stmt, error) {
	if s, ok := db.rstmts.get(q); ok {
		return s, nil
	}
	s, err := db.rdb.PrepareContext(ctx, q)
	if err != nil {
		return nil, readErr(ctx, "prepare", err)
	}
	return db.rstmts.keep(q, s), nil
}

// prepareLater prepares q on the pool in the background, once at a time,
// so that the next transaction finds it; close waits for it.
func (db *DB) prepareLater(q string) {
	r := &db.rstmts
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || r.pending[q] {
		return
	}
	if r.pending == nil {
		r.pending = map[string]bool{}
		r.ctx, r.stop = context.WithCancel(context.Background())
	}
	r.pending[q] = true
	r.bg.Add(1)
	go func() {
		defer r.bg.Done()
		db.readStmt(r.ctx, q) //nolint:errcheck // only a missed saving
		r.mu.Lock()
		delete(r.pending, q)
		r.mu.Unlock()
	}()
}

func (r *readStmts) get(q string) (*sql.Stmt, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.stmts[q]
	return s, ok
}

// keep records s as q's statement, unless another was recorded first:
// then s is closed and that one returned.
func (r *readStmts) keep(q string, s *sql.Stmt) *sql.Stmt {
	r.mu.Lock()
	defer r.mu.Unlock()
	if have, ok := r.stmts[q]; ok {
		s.Close()
		return have
	}
	if r.closed {
		s.Close() // the caller's query fails on the closed pool
		return s
	}
	if r.stmts == nil {
		r.stmts = map[string]*sql.Stmt{}
	}
	r.stmts[q] = s
	return s
}

// close ends the background preparations, waits for them, and closes
// every statement.
func (r *readStmts) close() {
	r.mu.Lock()
	r.closed = true
	if r.stop != nil {
		r.stop()
	}
	r.mu.Unlock()
	r.bg.Wait()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.stmts {
		s.Close()
	}
	clear(r.stmts)
}

// reader is a querier on the read pool, or on one read transaction when
// tx is set, whose queries run as prepared statements (readStmt).
type reader struct {
	db *DB
	tx *sql.Tx
}

// stmt returns q prepared, bound to the transaction if there is one. A
// transaction holds a connection of the pool: were it to wait for another
// to prepare q, as many transactions as connections would wait for ever.
// So a statement the pool does not have yet is prepared on the
// transaction's own connection this once, and on the pool in the
// background, once a connection is free.
func (r reader) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	if r.tx == nil {
		return r.db.readStmt(ctx, q)
	}
	if s, ok := r.db.rstmts.get(q); ok {
		return r.tx.StmtContext(ctx, s), nil
	}
	r.db.prepareLater(q)
	return r.tx.PrepareContext(ctx, q)
}

func (r reader) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	s, err := r.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

func (r reader) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	s, err := r.stmt(ctx, q)
	if err != nil && r.tx != nil {
		return r.tx.QueryRowContext(ctx, q, args...) // reports the error on Scan
	}
	if err != nil {
		return r.db.rdb.QueryRowContext(ctx, q, args...) // likewise
	}
	return s.QueryRowContext(ctx, args...)
}

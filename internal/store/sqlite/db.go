package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // database/sql driver "sqlite"

	"github.com/postern/postern/internal/durable"
	"github.com/postern/postern/internal/store"
	"github.com/postern/postern/internal/store/migrate"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Options configures Open.
type Options struct {
	// Dir is the folder holding mailbox.db and blobs/; created if missing.
	// One process at a time may open it.
	Dir string
	// Logger receives warnings (orphans swept, unlink failures). Nil
	// discards them.
	Logger *slog.Logger
	// ReadConns is the size of the read connection pool. Zero means 4.
	ReadConns int
	// MaxBatch bounds the items one write transaction takes from the queue.
	// Zero means 512.
	MaxBatch int
	// MaxMessageSize rejects longer bodies with store.ErrTooBig. Zero means
	// no limit.
	MaxMessageSize int64
	// Analyze, if set, is run over every message's bytes as they are
	// stored; its result is kept with the bytes (Structure).
	Analyze store.Analyzer
	// AnalysisCurrent, if set, reports whether a kept analysis is in the
	// analyser's current form. One that is not (kept by an older version)
	// is made again from the bytes when it is read, and replaces the old.
	AnalysisCurrent func(data []byte) bool
	// BusyTimeout is how long a connection waits for a lock held by
	// another (checkpoints, readers at open). Zero means 10 seconds.
	BusyTimeout time.Duration
	// StructureCache bounds the analyses kept in memory (structcache.go),
	// in bytes, twice over. Zero means 16 MiB; negative keeps none.
	StructureCache int
	// OrphanGrace is how old a message file no row names must be before
	// Open moves it to quarantine/ (never deleting it). Zero means an
	// hour.
	OrphanGrace time.Duration
	// NoTextIndex turns the full-text index off (textindex.go): nothing
	// is indexed, and TextCandidates never narrows a search.
	NoTextIndex bool
	// ExpungeHistory is how many of a folder's mod-sequences its expunge
	// records span (ChangesExpunged): each expunge prunes the records of
	// commits more than ExpungeHistory below the folder's new
	// HIGHESTMODSEQ. A reader further behind is told the store cannot
	// name its expunges and reads the full listing. Zero means 10,000.
	ExpungeHistory int
}

// Validate reports options that cannot work.
func (o Options) Validate() error {
	switch {
	case o.Dir == "":
		return fmt.Errorf("sqlite: Options.Dir is empty: %w", store.ErrInvalid)
	case strings.ContainsAny(o.Dir, "?#"):
		// The driver reads everything after '?' in its DSN as parameters.
		return fmt.Errorf("sqlite: Options.Dir %q contains '?' or '#': %w", o.Dir, store.ErrInvalid)
	case o.ReadConns < 0, o.MaxBatch < 0, o.MaxMessageSize < 0, o.BusyTimeout < 0, o.ExpungeHistory < 0:
		return fmt.Errorf("sqlite: negative option: %w", store.ErrInvalid)
	}
	return nil
}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.ReadConns == 0 {
		o.ReadConns = 4
	}
	if o.MaxBatch == 0 {
		o.MaxBatch = 512
	}
	if o.BusyTimeout == 0 {
		o.BusyTimeout = 10 * time.Second
	}
	if o.OrphanGrace <= 0 {
		o.OrphanGrace = time.Hour
	}
	if o.ExpungeHistory == 0 {
		o.ExpungeHistory = DefaultExpungeHistory
	}
	if o.StructureCache == 0 {
		o.StructureCache = 16 << 20
	}
	return o
}

// DB is one mailbox database. It implements store.Store.
type DB struct {
	opt   Options
	log   *slog.Logger
	wdb   *sql.DB // one connection, used only by the writer goroutine
	rdb   *sql.DB // read pool
	blobs *blobStore
	hub   store.Hub
	sc    *structCache
	lock  *os.File

	ops        chan *item
	writerDone chan struct{}
	stats      writeStats
	stmts      *stmtCache // the writer's; see stmts.go
	rstmts     readStmts  // the read pool's

	// hookBeforeCommit, if set (by tests, before any write), runs in the
	// writer just before each COMMIT; the crash test uses it to widen the
	// window in which a kill finds a batch uncommitted.
	hookBeforeCommit func()

	noTextSearch atomic.Bool // SetTextSearch(false)

	mu     sync.RWMutex // submit holds it shared while queueing; Close exclusively
	closed bool
}

var (
	_ store.Store         = (*DB)(nil)
	_ store.ExpungeLister = (*DB)(nil)
)

// DefaultExpungeHistory is the ExpungeHistory that zero means.
const DefaultExpungeHistory = 10_000

// Open opens (creating if needed) the mailbox database in opt.Dir, applies
// schema migrations, sweeps orphan blobs and starts the writer. ctx bounds
// the opening only.
func Open(ctx context.Context, opt Options) (*DB, error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	opt = opt.withDefaults()
	if err := os.MkdirAll(opt.Dir, 0o700); err != nil {
		return nil, errTemp("create dir", err)
	}
	db := &DB{opt: opt, log: opt.Logger, ops: make(chan *item, 4*opt.MaxBatch), writerDone: make(chan struct{}),
		sc: newStructCache(opt.StructureCache)}
	if err := db.open(ctx); err != nil {
		db.release()
		return nil, err
	}
	go db.writeLoop()
	return db, nil
}

func (db *DB) open(ctx context.Context) error {
	var err error
	if db.lock, err = lockDir(db.opt.Dir); err != nil {
		return err
	}
	path := filepath.Join(db.opt.Dir, "mailbox.db")
	if err := checkMetadata(db.opt.Dir, path); err != nil {
		return err
	}
	if db.wdb, err = sql.Open("sqlite", db.dsn(path, true)); err != nil {
		return errTemp("open", err)
	}
	db.wdb.SetMaxOpenConns(1)
	db.wdb.SetMaxIdleConns(1)
	db.wdb.SetConnMaxLifetime(0)
	db.wdb.SetConnMaxIdleTime(0)
	db.stmts = newStmtCache(db.wdb)
	ms, err := migrate.Load(migrations, "migrations")
	if err != nil {
		return errTemp("load migrations", err)
	}
	if _, err := migrate.Up(ctx, db.wdb, ms); err != nil {
		return errTemp("open "+path, err)
	}
	if db.blobs, err = openBlobs(filepath.Join(db.opt.Dir, "blobs"), db.opt.MaxMessageSize); err != nil {
		return err
	}
	db.blobs.analyze = db.opt.Analyze
	if err := durable.SyncDir(db.opt.Dir); err != nil {
		return errTemp("sync dir", err)
	}
	if err := db.sweep(ctx); err != nil {
		return err
	}
	if db.rdb, err = sql.Open("sqlite", db.dsn(path, false)); err != nil {
		return errTemp("open", err)
	}
	db.rdb.SetMaxOpenConns(db.opt.ReadConns)
	db.rdb.SetMaxIdleConns(db.opt.ReadConns)
	if err := db.rdb.PingContext(ctx); err != nil {
		return errTemp("open read pool", err)
	}
	return nil
}

// dsn builds the modernc DSN. The write connection runs its transactions as
// BEGIN IMMEDIATE; the read connections refuse writes.
func (db *DB) dsn(path string, write bool) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", db.opt.BusyTimeout.Milliseconds()))
	q.Add("_pragma", "foreign_keys(1)")
	if write {
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(FULL)")
		q.Set("_txlock", "immediate")
	} else {
		q.Add("_pragma", "query_only(1)")
	}
	return path + "?" + q.Encode()
}

// Close stops the writer after it has resolved every queued item (committed,
// or failed and answered), then closes the connections and stops the
// subscriptions. Ops submitted after Close fail with store.ErrTemporary.
func (db *DB) Close() error {
	db.mu.Lock()
	if db.closed {
		db.mu.Unlock()
		return nil
	}
	db.closed = true
	close(db.ops)
	db.mu.Unlock()
	<-db.writerDone
	db.hub.Close()
	return db.release()
}

// release closes whatever open managed to open.
func (db *DB) release() error {
	var errs []error
	db.rstmts.close()
	if db.rdb != nil {
		errs = append(errs, db.rdb.Close())
	}
	if db.wdb != nil {
		errs = append(errs, db.wdb.Close())
	}
	if db.lock != nil {
		errs = append(errs, db.lock.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return errTemp("close", err)
	}
	return nil
}

// Subscribe implements store.Store.
func (db *DB) Subscribe(a store.AccountID, fn func(store.Change)) (cancel func()) {
	return db.hub.Subscribe(a, fn)
}

// errTemp wraps an unexpected I/O or SQL failure as store.ErrTemporary,
// keeping the cause reachable for logs.
func errTemp(what string, err error) error {
	return fmt.Errorf("sqlite: %s: %w: %w", what, store.ErrTemporary, err)
}

// readErr maps a read failure: the caller's own cancellation stays itself,
// anything else is temporary.
func readErr(ctx context.Context, what string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return errTemp(what, err)
}

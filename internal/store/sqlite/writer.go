package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"

	"github.com/postern/postern/internal/store"
)

// item is one unit of work for the writer: run executes inside the batch's
// transaction, under the item's own savepoint. run reports its results
// through variables it captured; the submitter reads them only after done
// said nil. run must not write a variable the submitter may still write
// (such as its err): a submitter whose ctx ends returns at once.
type item struct {
	ctx  context.Context
	run  func(w *wtx) error
	pins []string   // blobs pinned for this item; the writer gives them back
	done chan error // buffered; receives exactly one result
}

// wtx is the batch's transaction as the items see it. Items append the
// changes to publish and the blobs whose references they dropped; both are
// truncated again when an item rolls back.
type wtx struct {
	tx           *sql.Tx
	cache        *stmtCache
	changes      []store.Change
	freed        []string
	unreferenced []string      // freed blobs found unreferenced before commit
	texts        []pendingText // documents to index at the end of the batch
	noText       []string      // blobs stored without a document (text_unindexed)
	log          *slog.Logger
	history      int64 // Options.ExpungeHistory
}

// writeStats counts the writer's work; benchmarks report items per batch.
type writeStats struct {
	batches, items atomic.Int64
}

var errClosed = fmt.Errorf("sqlite: store closed: %w", store.ErrTemporary)

// submit queues o and waits for its commit. A caller whose ctx ends first
// gets ctx.Err(); its item is skipped if the writer has not started it, and
// may still commit if it has.
func (db *DB) submit(ctx context.Context, o *item) error {
	o.ctx = ctx
	o.done = make(chan error, 1)
	db.mu.RLock()
	if db.closed {
		db.mu.RUnlock()
		db.blobs.release(o.pins...)
		return errClosed
	}
	select {
	case db.ops <- o:
	case <-ctx.Done():
		db.mu.RUnlock()
		db.blobs.release(o.pins...)
		return ctx.Err()
	}
	db.mu.RUnlock()
	select {
	case err := <-o.done:
		return err
	case <-ctx.Done():
		select {
		case err := <-o.done: // resolved at the same moment: report the truth
			return err
		default:
			return ctx.Err()
		}
	}
}

// writeLoop is the writer goroutine: it takes the first queued item, drains
// whatever else is queued (up to MaxBatch) and commits it all at once. It
// returns when Close has closed the queue and every item in it is resolved.
func (db *DB) writeLoop() {
	defer close(db.writerDone)
	defer db.stmts.close()
	batch := make([]*item, 0, db.opt.MaxBatch)
	for o := range db.ops {
		batch = append(batch[:0], o)
	drain:
		for len(batch) < db.opt.MaxBatch {
			select {
			case o, ok := <-db.ops:
				if !ok {
					break drain
				}
				batch = append(batch, o)
			default:
				break drain
			}
		}
		db.commitBatch(batch)
		db.stmts.learn(db.log)
		db.stats.batches.Add(1)
		db.stats.items.Add(int64(len(batch)))
		clear(batch)
	}
}

// commitBatch runs the live items of one batch in one transaction,
// commits, settles the blobs, publishes the changes and answers the
// waiters.
func (db *DB) commitBatch(batch []*item) {
	live := make([]*item, 0, len(batch))
	var pins, freed []string
	for _, o := range batch {
		pins = append(pins, o.pins...)
		if err := o.ctx.Err(); err != nil {
			o.done <- err // the caller is gone; do not make its change
			freed = append(freed, o.pins...)
			continue
		}
		live = append(live, o)
	}
	freed = append(freed, db.blobs.takeSuspects()...)
	if len(live) == 0 && len(freed) == 0 {
		db.blobs.settle(pins, nil)
		return
	}
	res, w, err := db.runBatch(live, freed)
	if err != nil {
		db.log.Error("write transaction failed", slog.Int("items", len(live)), slog.Any("err", err))
		for _, o := range live {
			o.done <- err
		}
		// Nothing committed: every blob of the batch may be an orphan.
		db.blobs.release(pins...)
		db.blobs.suspect(freed...)
		return
	}
	// Settle before answering, so that a caller who expunged the last
	// reference finds the blob gone on return.
	if errs := db.blobs.settle(pins, w.unreferenced); len(errs) > 0 {
		db.log.Warn("cannot remove unreferenced blob", slog.Any("err", errors.Join(errs...)))
	}
	db.hub.Publish(w.changes...)
	for i, o := range live {
		o.done <- res[i]
	}
}

// runBatch executes the items and commits. It returns each item's error,
// or a batch error when the transaction itself failed and nothing
// committed.
func (db *DB) runBatch(live []*item, freed []string) ([]error, *wtx, error) {
	// The blobs' directories are synced while the items run; the commit
	// waits for them.
	var pins []string
	for _, o := range live {
		pins = append(pins, o.pins...)
	}
	dirsSynced := make(chan error, 1)
	go func() { dirsSynced <- db.blobs.syncDirs(pins) }()
	tx, err := db.wdb.Begin()
	if err != nil {
		<-dirsSynced
		return nil, nil, errTemp("begin", err)
	}
	w := &wtx{tx: tx, cache: db.stmts, log: db.log, history: int64(db.opt.ExpungeHistory)}
	res := make([]error, len(live))
	for i, o := range live {
		var fatal error
		if res[i], fatal = w.runOp(o); fatal != nil {
			tx.Rollback()
			return nil, nil, fatal
		}
		if res[i] != nil {
			freed = append(freed, o.pins...)
		}
	}
	if err := w.indexTexts(); err != nil {
		tx.Rollback()
		return nil, nil, err
	}
	if w.unreferenced, err = w.findUnreferenced(append(freed, w.freed...)); err != nil {
		tx.Rollback()
		return nil, nil, err
	}
	if err := <-dirsSynced; err != nil {
		tx.Rollback()
		return nil, nil, err
	}
	if db.hookBeforeCommit != nil {
		db.hookBeforeCommit()
	}
	if err := tx.Commit(); err != nil {
		return nil, nil, errTemp("commit", err)
	}
	return res, w, nil
}

// runOp runs one item under a savepoint, so that its failure undoes only
// its own work. fatal reports a transaction that can no longer be trusted.
func (w *wtx) runOp(o *item) (opErr, fatal error) {
	if _, err := w.exec(`SAVEPOINT item`); err != nil {
		return nil, errTemp("savepoint", err)
	}
	nChanges, nFreed, nTexts := len(w.changes), len(w.freed), len(w.texts)
	if opErr = o.run(w); opErr != nil {
		w.changes, w.freed, w.texts = w.changes[:nChanges], w.freed[:nFreed], w.texts[:nTexts]
		if _, err := w.exec(`ROLLBACK TO item`); err != nil {
			return nil, errTemp("rollback to savepoint", err)
		}
	}
	if origin := store.OriginOf(o.ctx); origin != 0 {
		for i := nChanges; i < len(w.changes); i++ {
			w.changes[i].Origin = origin
		}
	}
	if _, err := w.exec(`RELEASE item`); err != nil {
		return nil, errTemp("release savepoint", err)
	}
	return opErr, nil
}

// findUnreferenced returns the blobs among hashes that no row names any
// more. It runs inside the transaction, before commit; only the writer adds
// rows, so the answer holds until the blobs are settled.
func (w *wtx) findUnreferenced(hashes []string) ([]string, error) {
	seen := make(map[string]bool, len(hashes))
	var out []string
	for _, h := range hashes {
		if seen[h] {
			continue
		}
		seen[h] = true
		var one int
		err := w.queryRow(`SELECT 1 FROM messages WHERE blob = ? LIMIT 1`, h).Scan(&one)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			out = append(out, h)
			if _, err := w.exec(`DELETE FROM structures WHERE blob = ?`, h); err != nil {
				return nil, errTemp("forget structure", err)
			}
			if err := w.forgetText(h); err != nil {
				return nil, err
			}
		case err != nil:
			return nil, errTemp("check blob references", err)
		}
	}
	return out, nil
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/postern/postern/internal/store"
)

// ClaimRecent implements store.RecentClaimer: folders.recent_claim is
// raised in one writer item, so two sessions never claim one UID. A claim
// with nothing to take (upto 0, or not above the claim) only reads.
func (db *DB) ClaimRecent(ctx context.Context, f store.FolderID, upto uint32) (uint32, error) {
	// A read first: most claims find nothing left to take and need not
	// wait for the writer.
	if claim, err := readClaim(ctx, reader{db: db}, f); err != nil || upto <= claim {
		return claim, err
	}
	var from uint32
	err := db.submit(ctx, &item{run: func(w *wtx) error {
		prev, err := readClaim(context.Background(), w, f)
		if err != nil {
			return err
		}
		if upto > prev {
			if _, err := w.exec(`UPDATE folders SET recent_claim = ? WHERE id = ?`, int64(upto), f); err != nil {
				return errTemp("claim recent", err)
			}
		}
		from = prev
		return nil
	}})
	return from, err
}

func readClaim(ctx context.Context, q querier, f store.FolderID) (uint32, error) {
	var claim int64
	err := q.QueryRowContext(ctx, `SELECT recent_claim FROM folders WHERE id = ?`, f).Scan(&claim)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("sqlite: folder %d: %w", f, store.ErrNotFound)
	}
	if err != nil {
		return 0, readErr(ctx, "read recent claim", err)
	}
	return uint32(claim), nil
}

// CountRecent implements store.RecentClaimer: the messages above the
// claim, found by the primary key (folder, uid).
func (db *DB) CountRecent(ctx context.Context, f store.FolderID) (int, error) {
	var n int
	err := reader{db: db}.QueryRowContext(ctx, `SELECT COUNT(*) FROM messages
		WHERE folder = ? AND uid > (SELECT recent_claim FROM folders WHERE id = ?)`, f, f).Scan(&n)
	if err != nil {
		return 0, readErr(ctx, "count recent", err)
	}
	return n, nil
}

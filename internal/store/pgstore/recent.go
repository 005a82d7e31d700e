package pgstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/postern/postern/internal/store"
)

// claimExpr is a folder's recent claim: NULL, for a folder made before
// the column, counts as every message seen.
const claimExpr = `COALESCE(recent_claim, uid_next - 1)`

// ClaimRecent implements store.RecentClaimer: the folder's row is locked
// and its claim raised in one statement, in a transaction that checks the
// lease as every write does. A claim with nothing to take (upto 0, or not
// above the claim) only reads, as other reads, without the lease.
func (s *Store) ClaimRecent(ctx context.Context, f store.FolderID, upto uint32) (uint32, error) {
	// A read first: most claims (every SELECT, every session after the
	// first to sync a new message) find nothing left to take, and need
	// no write.
	var claim int64
	err := s.pool.QueryRow(ctx, `SELECT `+claimExpr+` FROM mailbox_folders WHERE db = $1 AND id = $2`, s.db, f).Scan(&claim)
	if err != nil || int64(upto) <= claim {
		return uint32(claim), claimErr(ctx, f, err)
	}
	var from int64
	err = s.write(ctx, func(w *wtx) error {
		err := w.queryRow(`WITH o AS (
				SELECT id, `+claimExpr+` AS claim FROM mailbox_folders WHERE db = $1 AND id = $2 FOR UPDATE)
			UPDATE mailbox_folders m SET recent_claim = GREATEST(o.claim, $3) FROM o WHERE m.id = o.id
			RETURNING o.claim`, s.db, f, int64(upto)).Scan(&from)
		return claimErr(ctx, f, err)
	})
	return uint32(from), err
}

func claimErr(ctx context.Context, f store.FolderID, err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("pgstore: folder %d: %w", f, store.ErrNotFound)
	}
	if err != nil {
		return mapErr(ctx, "claim recent", err)
	}
	return nil
}

// CountRecent implements store.RecentClaimer: the messages above the
// claim, found by the primary key (folder, uid).
func (s *Store) CountRecent(ctx context.Context, f store.FolderID) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT COUNT(*) FROM mailbox_messages
		WHERE folder = $1 AND uid > (SELECT `+claimExpr+` FROM mailbox_folders WHERE db = $2 AND id = $1)`, f, s.db).Scan(&n)
	if err != nil {
		return 0, mapErr(ctx, "count recent", err)
	}
	return n, nil
}

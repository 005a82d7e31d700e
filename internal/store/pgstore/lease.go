package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/postern/postern/internal/store"
)

// ErrHeld is Acquire's answer when another server holds an unexpired
// lease; the error wrapping it names the holder.
var ErrHeld = errors.New("pgstore: lease held by another server")

// ErrLeaseLost means this server no longer holds the lease it had (its
// epoch is not the current one): it must not write. Store writes wrap it
// together with store.ErrTemporary.
var ErrLeaseLost = errors.New("pgstore: lease lost")

// Lease is the right of one server to write one mailbox database. Epoch
// grows by one each time the lease changes hands; a Store remembers the
// epoch it opened with and refuses to write under any other.
type Lease struct {
	Database, Server string
	Epoch            int64
	Expires          time.Time
}

// secs is ttl in seconds for make_interval.
func secs(ttl time.Duration) float64 { return ttl.Seconds() }

// Acquire takes the lease of database for server if it is free, expired,
// or already server's (then it keeps its epoch and is extended). A new
// holder gets the previous epoch plus one (1 for the first). Otherwise it
// fails with an error wrapping ErrHeld that names the holder.
func Acquire(ctx context.Context, pool *pgxpool.Pool, database, server string, ttl time.Duration) (Lease, error) {
	l := Lease{Database: database}
	err := pool.QueryRow(ctx, `INSERT INTO mailbox_db_leases AS l (database, server, epoch, expires)
		VALUES ($1, $2, 1, now() + make_interval(secs => $3))
		ON CONFLICT (database) DO UPDATE SET
			epoch = CASE WHEN l.server = excluded.server THEN l.epoch ELSE l.epoch + 1 END,
			server = excluded.server, expires = excluded.expires
		WHERE l.server = excluded.server OR l.expires < now()
		RETURNING server, epoch, expires`, database, server, secs(ttl)).Scan(&l.Server, &l.Epoch, &l.Expires)
	if errors.Is(err, pgx.ErrNoRows) {
		h, herr := Holder(ctx, pool, database)
		if herr != nil {
			return Lease{}, herr
		}
		return Lease{}, fmt.Errorf("pgstore: database %q: held by %q (epoch %d) until %s: %w",
			database, h.Server, h.Epoch, h.Expires.UTC().Format(time.RFC3339), ErrHeld)
	}
	if err != nil {
		return Lease{}, mapErr(ctx, "acquire lease", err)
	}
	return l, nil
}

// Transfer gives the lease of database to server to, whoever holds it,
// with the epoch raised by one: the switchover. It waits for the write
// transactions in flight under the old epoch (they hold the lease row
// FOR SHARE); any later write of the old holder fails with ErrLeaseLost.
func Transfer(ctx context.Context, pool *pgxpool.Pool, database, to string, ttl time.Duration) (Lease, error) {
	l := Lease{Database: database}
	err := pool.QueryRow(ctx, `INSERT INTO mailbox_db_leases AS l (database, server, epoch, expires)
		VALUES ($1, $2, 1, now() + make_interval(secs => $3))
		ON CONFLICT (database) DO UPDATE SET
			epoch = l.epoch + 1, server = excluded.server, expires = excluded.expires
		RETURNING server, epoch, expires`, database, to, secs(ttl)).Scan(&l.Server, &l.Epoch, &l.Expires)
	if err != nil {
		return Lease{}, mapErr(ctx, "transfer lease", err)
	}
	return l, nil
}

// Renew extends l by ttl from now if its server still holds it under its
// epoch; ErrLeaseLost otherwise.
func Renew(ctx context.Context, pool *pgxpool.Pool, l Lease, ttl time.Duration) (Lease, error) {
	err := pool.QueryRow(ctx, `UPDATE mailbox_db_leases SET expires = now() + make_interval(secs => $4)
		WHERE database = $1 AND server = $2 AND epoch = $3 RETURNING expires`,
		l.Database, l.Server, l.Epoch, secs(ttl)).Scan(&l.Expires)
	if errors.Is(err, pgx.ErrNoRows) {
		return Lease{}, fmt.Errorf("pgstore: renew %q for %q at epoch %d: %w", l.Database, l.Server, l.Epoch, ErrLeaseLost)
	}
	if err != nil {
		return Lease{}, mapErr(ctx, "renew lease", err)
	}
	return l, nil
}

// Holder reads the lease of database; store.ErrNotFound (wrapped) if no
// server ever held it.
func Holder(ctx context.Context, pool *pgxpool.Pool, database string) (Lease, error) {
	l := Lease{Database: database}
	err := pool.QueryRow(ctx, `SELECT server, epoch, expires FROM mailbox_db_leases WHERE database = $1`,
		database).Scan(&l.Server, &l.Epoch, &l.Expires)
	if errors.Is(err, pgx.ErrNoRows) {
		return Lease{}, fmt.Errorf("pgstore: no lease for %q: %w", database, store.ErrNotFound)
	}
	if err != nil {
		return Lease{}, mapErr(ctx, "read lease", err)
	}
	return l, nil
}

// checkLease runs first in every write transaction: it holds the lease row
// FOR SHARE until the commit, so that a Transfer or Acquire waits for the
// writes in flight, and fails unless the epoch is still epoch.
func checkLease(ctx context.Context, tx pgx.Tx, database string, epoch int64) error {
	var cur int64
	err := tx.QueryRow(ctx, `SELECT epoch FROM mailbox_db_leases WHERE database = $1 FOR SHARE`, database).Scan(&cur)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("pgstore: %q has no lease: %w: %w", database, ErrLeaseLost, store.ErrTemporary)
	}
	if err != nil {
		return mapErr(ctx, "check lease", err)
	}
	if cur != epoch {
		return fmt.Errorf("pgstore: %q is at epoch %d, this store opened at %d: %w: %w",
			database, cur, epoch, ErrLeaseLost, store.ErrTemporary)
	}
	return nil
}

// Release ends l now, if it is still this holder's at this epoch, so that
// the next server need not wait for it to expire (a clean stop, a
// dismount). A lease already lost is not an error.
func Release(ctx context.Context, pool *pgxpool.Pool, l Lease) error {
	_, err := pool.Exec(ctx, `UPDATE mailbox_db_leases SET expires = now()
		WHERE database = $1 AND server = $2 AND epoch = $3`, l.Database, l.Server, l.Epoch)
	if err != nil {
		return mapErr(ctx, "release lease", err)
	}
	return nil
}

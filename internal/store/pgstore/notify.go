package pgstore

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/postern/postern/internal/store"
)

// channel is the PostgreSQL notification channel of every Store.
const channel = "postern_changes"

// maxNotifiedUIDs bounds the UIDs a notification carries, to keep it
// small (PostgreSQL caps a payload under 8000 bytes); a change with more
// is sent without them, which its consumers read as "re-read the folder".
const maxNotifiedUIDs = 64

// note is a notification's payload.
type note struct {
	Instance string   `json:"i"`
	Database string   `json:"d"`
	Account  int64    `json:"a"`
	Folder   int64    `json:"f"`
	Kind     int      `json:"k"`
	ModSeq   uint64   `json:"m"`
	Origin   uint64   `json:"o,omitempty"`
	UIDs     []uint32 `json:"u,omitempty"`
}

func (s *Store) payload(c store.Change) string {
	n := note{Instance: s.instance, Database: s.opt.Database, Account: int64(c.Account), Folder: int64(c.Folder),
		Kind: int(c.Kind), ModSeq: c.ModSeq, Origin: c.Origin}
	if len(c.UIDs) <= maxNotifiedUIDs {
		n.UIDs = c.UIDs
	}
	b, _ := json.Marshal(n)
	return string(b)
}

// listen keeps one connection LISTENing on channel and republishes the
// changes other Store instances of the database commit. Their Origin is
// dropped: it names a session of another process. When the connection is
// lost, changes may have been missed: once it is back, every subscribed
// account gets a ChangeResync. ready is closed after the first LISTEN
// (or the first failure).
func (s *Store) listen(ctx context.Context, ready chan struct{}) {
	defer close(s.done)
	first := true
	signal := func() {
		if first {
			first = false
			close(ready)
		}
	}
	defer signal()
	lost := false
	backoff := 50 * time.Millisecond
	for ctx.Err() == nil {
		conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
		if err == nil {
			if _, err = conn.Exec(ctx, "LISTEN "+channel); err != nil {
				conn.Close(context.Background())
			}
		}
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("listen for changes", "err", err)
			}
			lost = true
			signal()
			select {
			case <-ctx.Done():
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 2*time.Second)
			continue
		}
		backoff = 50 * time.Millisecond
		signal()
		if lost {
			s.resync()
		}
		err = s.receive(ctx, conn)
		conn.Close(context.Background())
		if ctx.Err() == nil {
			s.log.Warn("lost the change notifications; resyncing when back", "err", err)
			lost = true
		}
	}
}

// receive republishes notifications until the connection fails.
func (s *Store) receive(ctx context.Context, conn *pgx.Conn) error {
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		var p note
		if json.Unmarshal([]byte(n.Payload), &p) != nil || p.Database != s.opt.Database || p.Instance == s.instance {
			continue
		}
		s.hub.Publish(store.Change{Kind: store.ChangeKind(p.Kind), Account: store.AccountID(p.Account),
			Folder: store.FolderID(p.Folder), UIDs: p.UIDs, ModSeq: p.ModSeq})
	}
}

// resync tells every subscribed account that changes may have been lost.
func (s *Store) resync() {
	s.subMu.Lock()
	var cs []store.Change
	for a := range s.subs {
		cs = append(cs, store.Change{Kind: store.ChangeResync, Account: a})
	}
	s.subMu.Unlock()
	s.hub.Publish(cs...)
}

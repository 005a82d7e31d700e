package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/postern/postern/internal/admin/api"
	"github.com/postern/postern/internal/directory"
	"github.com/postern/postern/internal/store"
)

// Mailbox moves (New-MoveRequest): a mailbox is copied, folder by folder
// and message by message, from its database into another one active on
// the same server, then the directory points at the new database and the
// source copy is deleted. The records live in the organisation-wide
// setting MoveRequests (one per mailbox), so that Get-MoveRequest shows
// them on every server.
//
// UIDs are not kept: store.Append gives each message a new UID, and the
// target folders are new folders with their own UIDVALIDITY. IMAP clients
// read the folders again; POP3 UIDLs change.
//
// While a mailbox moves, its owner's sessions end and new ones are
// refused with the temporary error (refuseMoving), and deliveries to it
// get a temporary failure, so that the sender retries (enterDelivery):
// the source does not change under the copy. A session that slipped in
// as the move began is caught at the end, when the source's folders are
// compared with what they were: the move fails and can be run again. A
// logon or a delivery that read the directory before the switch and
// reaches the source after it gets the temporary error too (movedFrom),
// and finds the target when it tries again.

// ErrMove is the kind of a move refused as asked (the admin API answers
// 400): the same database, a database not active here, a move under way.
var ErrMove = errors.New("move refused")

const (
	moveRequestsKey = "MoveRequests"
	// maxMoves is how many moves one server runs at once; more wait
	// Queued.
	maxMoves = 2
	// moveProgressEvery is how often, in messages, a move records its
	// progress in the directory.
	moveProgressEvery = 50
	moveUIDNote       = "UIDs are not kept: every folder in the target database has a new UIDVALIDITY (IMAP clients read the folders again, POP3 UIDLs change)."
)

// moves is the state of the moves this server runs.
type moves struct {
	// gate is held for reading by a delivery into a store from its
	// check of the moving set until its commit; marking a mailbox as
	// moving takes it for writing, so no delivery is half-way then.
	gate   sync.RWMutex
	mu     sync.Mutex // guards moving, live and the records' read-modify-write
	moving map[int64]bool
	// movedFrom is the database each mailbox moved here has left.
	movedFrom map[int64]string
	live      map[int64]api.MoveRequest // the moves running here, as they stand
	slots     chan struct{}
	wg        sync.WaitGroup
}

func (m *moves) init() {
	m.moving = map[int64]bool{}
	m.movedFrom = map[int64]string{}
	m.live = map[int64]api.MoveRequest{}
	m.slots = make(chan struct{}, maxMoves)
}

// moveCopied, when set (tests), is called after each message a move
// copies, with their number so far.
var moveCopied func(n int)

// MoveMailbox starts moving a mailbox to targetDatabase
// (New-MoveRequest -TargetDatabase) and returns at once, InProgress or
// Queued. Both databases must be active on this server.
func (s *Server) MoveMailbox(ctx context.Context, identity, targetDatabase string) (api.MoveRequest, error) {
	u, err := s.dir.Lookup(ctx, identity)
	if err != nil {
		return api.MoveRequest{}, err
	}
	tdb, err := s.dir.Database(ctx, targetDatabase)
	if err != nil {
		return api.MoveRequest{}, err
	}
	if strings.EqualFold(tdb.Name, u.Database) {
		return api.MoveRequest{}, fmt.Errorf("the mailbox %s is already in %s: %w", u.Address(), tdb.Name, ErrMove)
	}
	for _, db := range []string{u.Database, tdb.Name} {
		if _, err := s.Store(db); err != nil {
			return api.MoveRequest{}, fmt.Errorf("mailbox database %s is not active on %s (%v): run the move on the server holding both %s and %s, "+
				"or switch them over to one server first (Move-ActiveMailboxDatabase): %w", db, s.name, err, u.Database, tdb.Name, ErrMove)
		}
	}
	now := time.Now().UTC().Format(time.RFC3339)
	rec := api.MoveRequest{Identity: u.Address(), DisplayName: u.DisplayName, UserID: u.ID, Status: api.MoveQueued,
		SourceDatabase: u.Database, TargetDatabase: tdb.Name, Server: s.name, QueuedTime: now, Note: moveUIDNote}
	s.moves.mu.Lock()
	defer s.moves.mu.Unlock()
	list, err := s.loadMoves(ctx)
	if err != nil {
		return rec, err
	}
	if i := slices.IndexFunc(list, func(m api.MoveRequest) bool { return m.UserID == u.ID }); i >= 0 && !moveFinished(list[i]) {
		return rec, fmt.Errorf("the mailbox %s is already being moved (%s, on %s): %w", u.Address(), list[i].Status, list[i].Server, ErrMove)
	}
	if _, ok := s.moves.live[u.ID]; ok {
		return rec, fmt.Errorf("the mailbox %s is already being moved: %w", u.Address(), ErrMove)
	}
	slot := false
	select {
	case s.moves.slots <- struct{}{}:
		slot = true
		rec.Status, rec.StartTime = api.MoveInProgress, now
	default:
	}
	if err := s.saveMoveLocked(ctx, list, rec); err != nil {
		if slot {
			<-s.moves.slots
		}
		return rec, err
	}
	s.moves.live[u.ID] = rec
	s.moves.wg.Add(1)
	go s.runMove(rec, slot)
	s.log.Info("mailbox move queued", "mailbox", rec.Identity, "from", rec.SourceDatabase, "to", rec.TargetDatabase)
	return rec, nil
}

func moveFinished(m api.MoveRequest) bool {
	return m.Status == api.MoveCompleted || m.Status == api.MoveFailed
}

// runMove runs one move in the background and records how it ended.
func (s *Server) runMove(rec api.MoveRequest, slot bool) {
	defer s.moves.wg.Done()
	ctx := s.ctx
	if !slot {
		select {
		case s.moves.slots <- struct{}{}:
		case <-ctx.Done():
			s.endMove(rec, errors.New("the server stopped before the move began"))
			return
		}
		rec.Status, rec.StartTime = api.MoveInProgress, time.Now().UTC().Format(time.RFC3339)
		s.moveProgress(&rec, true)
	}
	defer func() { <-s.moves.slots }()
	err := s.move(ctx, &rec)
	s.endMove(rec, err)
}

// endMove records a move's end: Completed if err is nil, else Failed.
func (s *Server) endMove(rec api.MoveRequest, err error) {
	rec.Status = api.MoveCompleted
	if err != nil {
		rec.Status, rec.Error = api.MoveFailed, err.Error()
		s.log.Error("mailbox move failed", "mailbox", rec.Identity, "to", rec.TargetDatabase, "err", err)
	} else {
		s.log.Info("mailbox moved", "mailbox", rec.Identity, "from", rec.SourceDatabase, "to", rec.TargetDatabase,
			"folders", rec.FoldersCopied, "messages", rec.MessagesCopied)
	}
	rec.CompleteTime = time.Now().UTC().Format(time.RFC3339)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s.moves.mu.Lock()
	defer s.moves.mu.Unlock()
	delete(s.moves.live, rec.UserID)
	if err := s.saveMove(ctx, rec); err != nil {
		s.log.Error("recording a mailbox move", "mailbox", rec.Identity, "err", err)
	}
}

// moveProgress publishes rec to Get-MoveRequest: in memory on this
// server, and in the directory if persist.
func (s *Server) moveProgress(rec *api.MoveRequest, persist bool) {
	s.moves.mu.Lock()
	defer s.moves.mu.Unlock()
	s.moves.live[rec.UserID] = *rec
	if persist {
		if err := s.saveMove(s.ctx, *rec); err != nil {
			s.log.Warn("recording a mailbox move's progress", "mailbox", rec.Identity, "err", err)
		}
	}
}

// move moves one mailbox; on an error before the directory points at the
// target, the target's copy is deleted and the source is as it was.
func (s *Server) move(ctx context.Context, rec *api.MoveRequest) error {
	u, err := s.dir.UserByID(ctx, rec.UserID)
	if err != nil {
		return err
	}
	if u.Database != rec.SourceDatabase {
		return fmt.Errorf("the mailbox is now in %s, not %s", u.Database, rec.SourceDatabase)
	}
	src, err := s.Store(rec.SourceDatabase)
	if err != nil {
		return err
	}
	tgt, err := s.Store(rec.TargetDatabase)
	if err != nil {
		return err
	}
	s.markMoving(u.ID, true, "")
	defer s.markMoving(u.ID, false, "")
	s.endUserSessions(u.ID)
	acct := store.AccountID(u.ID)
	before, err := src.Folders(ctx, acct)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("reading the source mailbox: %w", err)
	}
	rec.FoldersTotal, rec.MessagesTotal = len(before), 0
	for _, f := range before {
		rec.MessagesTotal += f.Messages
	}
	s.moveProgress(rec, true)
	fail := func(err error) error {
		cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if derr := tgt.DeleteAccount(cctx, acct); derr != nil && !errors.Is(derr, store.ErrNotFound) {
			s.log.Warn("removing a failed move's copy", "mailbox", rec.Identity, "database", rec.TargetDatabase, "err", derr)
		}
		return err
	}
	if err := s.copyMailbox(ctx, src, tgt, acct, before, rec); err != nil {
		return fail(err)
	}
	s.endUserSessions(u.ID) // one that began as the move did
	after, err := src.Folders(ctx, acct)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fail(fmt.Errorf("reading the source mailbox: %w", err))
	}
	if !sameFolders(before, after) {
		return fail(errors.New("the mailbox changed while it was copied (a session that began as the move did); nothing was moved: run the move again"))
	}
	if err := s.dir.SetUserDatabase(ctx, u.ID, rec.TargetDatabase); err != nil {
		return fail(err)
	}
	s.markMoving(u.ID, true, rec.SourceDatabase)
	// The mailbox is in the target now; the source's copy goes.
	cctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := src.DeleteAccount(cctx, acct); err != nil && !errors.Is(err, store.ErrNotFound) {
		rec.Note += " The copy left in " + rec.SourceDatabase + " could not be deleted: " + err.Error()
		s.log.Warn("deleting a moved mailbox's source copy", "mailbox", rec.Identity, "database", rec.SourceDatabase, "err", err)
	}
	return nil
}

// copyMailbox makes acct's mailbox in tgt a copy of folders in src: the
// folders with their subscription, and every message's bytes, flags and
// internal date, appended in UID order. Leftovers of an earlier failed
// move are deleted first.
func (s *Server) copyMailbox(ctx context.Context, src, tgt store.Store, acct store.AccountID, folders []store.Folder, rec *api.MoveRequest) error {
	if err := tgt.DeleteAccount(ctx, acct); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("clearing the target: %w", err)
	}
	if err := tgt.CreateAccount(ctx, acct); err != nil {
		return fmt.Errorf("creating the mailbox in %s: %w", rec.TargetDatabase, err)
	}
	names := map[string]bool{}
	for _, f := range folders {
		names[f.Name] = true
		tf, err := tgt.Folder(ctx, acct, f.Name)
		if errors.Is(err, store.ErrNotFound) {
			tf, err = tgt.CreateFolder(ctx, acct, f.Name)
		}
		if err != nil {
			return fmt.Errorf("folder %q: %w", f.Name, err)
		}
		if err := tgt.SetSubscribed(ctx, acct, tf.Name, f.Subscribed); err != nil {
			return fmt.Errorf("folder %q: %w", f.Name, err)
		}
		if err := s.copyFolder(ctx, src, tgt, f, tf, rec); err != nil {
			return err
		}
		rec.FoldersCopied++
		s.moveProgress(rec, true)
	}
	// Default folders the source mailbox no longer has (one never
	// made, in cluster mode, gets them all).
	for _, name := range store.DefaultFolders {
		if len(folders) > 0 && !names[name] {
			if err := tgt.DeleteFolder(ctx, acct, name); err != nil && !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("folder %q: %w", name, err)
			}
		}
	}
	return nil
}

func (s *Server) copyFolder(ctx context.Context, src, tgt store.Store, f, tf store.Folder, rec *api.MoveRequest) error {
	msgs, err := src.Messages(ctx, f.ID)
	if err != nil {
		return fmt.Errorf("folder %q: %w", f.Name, err)
	}
	for _, m := range msgs {
		if err := ctx.Err(); err != nil {
			return err
		}
		body, err := src.Open(ctx, f.ID, m.UID)
		if errors.Is(err, store.ErrExpunged) {
			continue
		}
		if err != nil {
			return fmt.Errorf("folder %q, UID %d: %w", f.Name, m.UID, err)
		}
		_, err = tgt.Append(ctx, tf.ID, store.NewMessage{Body: body, Flags: m.Flags, InternalDate: m.InternalDate})
		body.Close()
		if err != nil {
			return fmt.Errorf("copying folder %q, UID %d into %s: %w", f.Name, m.UID, rec.TargetDatabase, err)
		}
		rec.MessagesCopied++
		rec.BytesCopied += m.Size
		s.moveProgress(rec, rec.MessagesCopied%moveProgressEvery == 0)
		if moveCopied != nil {
			moveCopied(rec.MessagesCopied)
		}
	}
	return nil
}

// sameFolders tells whether a mailbox's folders are as they were: no
// folder made, deleted or renamed, nothing added, flagged or expunged.
func sameFolders(a, b []store.Folder) bool {
	return slices.EqualFunc(a, b, func(x, y store.Folder) bool {
		return x.ID == y.ID && x.Name == y.Name && x.UIDNext == y.UIDNext && x.HighestModSeq == y.HighestModSeq &&
			x.Messages == y.Messages && x.Subscribed == y.Subscribed
	})
}

// markMoving adds a mailbox to, or takes it out of, the set whose new
// sessions and deliveries wait; adding waits for deliveries under way.
// left, if not "", is the database the mailbox has left.
func (s *Server) markMoving(id int64, on bool, left string) {
	s.moves.gate.Lock()
	defer s.moves.gate.Unlock()
	s.moves.mu.Lock()
	defer s.moves.mu.Unlock()
	if on {
		s.moves.moving[id] = true
	} else {
		delete(s.moves.moving, id)
	}
	if left != "" {
		s.moves.movedFrom[id] = left
	}
}

// refuseMoving is the backends' check at a session's start on a mailbox
// in database: a mailbox being moved, or one that has left database,
// answers the temporary error.
func (s *Server) refuseMoving(id int64, database string) error {
	s.moves.mu.Lock()
	defer s.moves.mu.Unlock()
	if s.moves.moving[id] {
		return fmt.Errorf("the mailbox is being moved to another database: %w", store.ErrTemporary)
	}
	if from, ok := s.moves.movedFrom[id]; ok && strings.EqualFold(from, database) {
		return fmt.Errorf("the mailbox has moved from %s: %w", database, store.ErrTemporary)
	}
	return nil
}

// enterDelivery is held by a delivery into database, a store of this
// server, from before its check until its commit (release); a mailbox
// being moved, or that has left database, gets the temporary error, so
// that the sender retries later.
func (s *Server) enterDelivery(database string, to []store.AccountID) (release func(), err error) {
	s.moves.gate.RLock()
	for _, a := range to {
		if err := s.refuseMoving(int64(a), database); err != nil {
			s.moves.gate.RUnlock()
			return nil, err
		}
	}
	return s.moves.gate.RUnlock, nil
}

// endUserSessions ends a user's sessions in every local backend.
func (s *Server) endUserSessions(id int64) int {
	n := 0
	for _, p := range s.backends.m {
		if b := p.Load(); b != nil {
			n += b.EndUser(id)
		}
	}
	return n
}

// MoveRequests lists the move requests (Get-MoveRequest), those running
// here as they stand now.
func (s *Server) MoveRequests(ctx context.Context) ([]api.MoveRequest, error) {
	s.moves.mu.Lock()
	defer s.moves.mu.Unlock()
	list, err := s.loadMoves(ctx)
	if err != nil {
		return nil, err
	}
	for i, m := range list {
		if live, ok := s.moves.live[m.UserID]; ok {
			list[i] = live
		}
	}
	return list, nil
}

// MoveRequest is the move request of one mailbox.
func (s *Server) MoveRequest(ctx context.Context, identity string) (api.MoveRequest, error) {
	list, err := s.MoveRequests(ctx)
	if err != nil {
		return api.MoveRequest{}, err
	}
	i := s.findMove(ctx, list, identity)
	if i < 0 {
		return api.MoveRequest{}, fmt.Errorf("move request %q: %w", identity, directory.ErrNotFound)
	}
	return list[i], nil
}

// RemoveMoveRequest removes a finished move request (Remove-MoveRequest);
// one queued or in progress cannot be.
func (s *Server) RemoveMoveRequest(ctx context.Context, identity string) error {
	s.moves.mu.Lock()
	defer s.moves.mu.Unlock()
	list, err := s.loadMoves(ctx)
	if err != nil {
		return err
	}
	i := s.findMove(ctx, list, identity)
	if i < 0 {
		return fmt.Errorf("move request %q: %w", identity, directory.ErrNotFound)
	}
	if !moveFinished(list[i]) {
		return fmt.Errorf("the move of %s is %s: it can be removed once it has Completed or Failed: %w", list[i].Identity, list[i].Status, ErrMove)
	}
	return s.storeMoves(ctx, slices.Delete(list, i, i+1))
}

// findMove finds the record of the mailbox identity names (address,
// alias), or of a removed mailbox by its recorded address.
func (s *Server) findMove(ctx context.Context, list []api.MoveRequest, identity string) int {
	if u, err := s.dir.Lookup(ctx, identity); err == nil {
		if i := slices.IndexFunc(list, func(m api.MoveRequest) bool { return m.UserID == u.ID }); i >= 0 {
			return i
		}
	}
	return slices.IndexFunc(list, func(m api.MoveRequest) bool {
		return strings.EqualFold(m.Identity, identity) || strings.EqualFold(m.DisplayName, identity) && m.DisplayName != ""
	})
}

func (s *Server) loadMoves(ctx context.Context) ([]api.MoveRequest, error) {
	b, err := s.dir.Setting(ctx, "", moveRequestsKey)
	if errors.Is(err, directory.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var list []api.MoveRequest
	return list, json.Unmarshal(b, &list)
}

func (s *Server) storeMoves(ctx context.Context, list []api.MoveRequest) error {
	b, err := json.Marshal(list)
	if err != nil {
		return err
	}
	return s.dir.SetSetting(ctx, "", moveRequestsKey, b)
}

// saveMove replaces (or adds) the record of rec's mailbox; s.moves.mu is
// held.
func (s *Server) saveMove(ctx context.Context, rec api.MoveRequest) error {
	list, err := s.loadMoves(ctx)
	if err != nil {
		return err
	}
	return s.saveMoveLocked(ctx, list, rec)
}

func (s *Server) saveMoveLocked(ctx context.Context, list []api.MoveRequest, rec api.MoveRequest) error {
	if i := slices.IndexFunc(list, func(m api.MoveRequest) bool { return m.UserID == rec.UserID }); i >= 0 {
		list[i] = rec
	} else {
		list = append(list, rec)
	}
	return s.storeMoves(ctx, list)
}

// recoverMoves settles, at start, the moves this server was running when
// it stopped: one that had switched the directory over is Completed (the
// source's copy is deleted), any other is Failed (the target's copy is
// deleted).
func (s *Server) recoverMoves(ctx context.Context) {
	s.moves.mu.Lock()
	defer s.moves.mu.Unlock()
	list, err := s.loadMoves(ctx)
	if err != nil {
		s.log.Warn("reading the mailbox moves", "err", err)
		return
	}
	changed := false
	now := time.Now().UTC().Format(time.RFC3339)
	for i, m := range list {
		if m.Server != s.name || moveFinished(m) {
			continue
		}
		changed = true
		list[i].CompleteTime = now
		list[i].Status, list[i].Error = api.MoveFailed, "the server stopped during the move; the mailbox stayed in "+m.SourceDatabase
		drop := m.TargetDatabase
		if u, err := s.dir.UserByID(ctx, m.UserID); err == nil && u.Database == m.TargetDatabase {
			list[i].Status, list[i].Error, drop = api.MoveCompleted, "", m.SourceDatabase
		}
		if st, err := s.Store(drop); err == nil {
			if err := st.DeleteAccount(ctx, store.AccountID(m.UserID)); err != nil && !errors.Is(err, store.ErrNotFound) {
				s.log.Warn("removing an interrupted move's copy", "mailbox", m.Identity, "database", drop, "err", err)
			}
		}
	}
	if changed {
		if err := s.storeMoves(ctx, list); err != nil {
			s.log.Warn("recording the interrupted mailbox moves", "err", err)
		}
	}
}

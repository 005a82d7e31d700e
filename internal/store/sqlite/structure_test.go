package sqlite

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/postern/postern/internal/store"
)

// countingAnalyzer returns "<size>:<first line>" and counts its calls.
func countingAnalyzer(calls *atomic.Int64) store.Analyzer {
	return func(r io.Reader) ([]byte, error) {
		calls.Add(1)
		b, err := io.ReadAll(r)
		first, _, _ := strings.Cut(string(b), "\r\n")
		return fmt.Appendf(nil, "%d:%s", len(b), first), err
	}
}

// storedBeforeAnalyser makes account 1 in dir and delivers to it one
// message, "Subject: old", with no analyser, then reopens the store with
// a counting one.
func storedBeforeAnalyser(t *testing.T, dir string, calls *atomic.Int64) (*DB, []store.Delivered) {
	ctx := context.Background()
	db := openTest(t, Options{Dir: dir})
	if err := db.CreateAccount(ctx, 1); err != nil {
		t.Fatal(err)
	}
	old, err := db.Deliver(ctx, []store.AccountID{1}, strings.NewReader("Subject: old\r\n\r\nx\r\n"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Structure(ctx, old[0].Folder, old[0].UID); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("Structure without analyser: %v", err)
	}
	db.Close()
	if db, err = Open(ctx, Options{Dir: dir, Analyze: countingAnalyzer(calls)}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, old
}

func TestStructure(t *testing.T) {
	ctx := context.Background()
	var calls atomic.Int64
	db, old := storedBeforeAnalyser(t, t.TempDir(), &calls)
	msg := "Subject: new\r\n\r\nbody\r\n"
	d, err := db.Deliver(ctx, []store.AccountID{1}, strings.NewReader(msg), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 1 {
		t.Fatalf("analysed %d times at delivery", calls.Load())
	}
	for range 2 { // from the table, not analysed again
		got, err := db.Structure(ctx, d[0].Folder, d[0].UID)
		if err != nil || string(got) != fmt.Sprintf("%d:Subject: new", len(msg)) {
			t.Fatalf("Structure = %q, %v", got, err)
		}
	}
	if calls.Load() != 1 {
		t.Fatalf("analysed %d times", calls.Load())
	}
	// The old message: analysed on first use, then kept.
	for range 2 {
		got, err := db.Structure(ctx, old[0].Folder, old[0].UID)
		if err != nil || string(got) != "19:Subject: old" {
			t.Fatalf("Structure(old) = %q, %v", got, err)
		}
	}
	if calls.Load() != 2 {
		t.Fatalf("analysed %d times, want 2", calls.Load())
	}
	// Expunged: the error kind, and the structure row goes with the blob.
	if _, err := db.Expunge(ctx, d[0].Folder, []uint32{d[0].UID}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Structure(ctx, d[0].Folder, d[0].UID); !errors.Is(err, store.ErrExpunged) {
		t.Fatalf("Structure(expunged) = %v", err)
	}
	var n int
	db.rdb.QueryRow(`SELECT count(*) FROM structures`).Scan(&n)
	if n != 1 {
		t.Fatalf("%d structure rows left, want 1", n)
	}
}

// TestStructures: the batch read agrees with Structure, leaves out
// expunged and unknown UIDs, takes sparse sets and duplicates, and gives
// nil for a message not analysed yet.
func TestStructures(t *testing.T) {
	ctx := context.Background()
	var calls atomic.Int64
	db, old := storedBeforeAnalyser(t, t.TempDir(), &calls)
	folder := old[0].Folder
	var uids []uint32
	for i := range 200 {
		d, err := db.Deliver(ctx, []store.AccountID{1}, strings.NewReader(fmt.Sprintf("Subject: m%d\r\n\r\nx\r\n", i)), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		uids = append(uids, d[0].UID)
	}
	gone := []uint32{uids[5], uids[150]}
	if _, err := db.Expunge(ctx, folder, gone); err != nil {
		t.Fatal(err)
	}
	ask := []uint32{uids[199], 99999, old[0].UID, uids[5], uids[6], uids[6], uids[150], uids[7], uids[120], 0}
	got, err := db.Structures(ctx, folder, ask)
	if err != nil {
		t.Fatal(err)
	}
	want := map[uint32]string{old[0].UID: "", uids[6]: "", uids[7]: "", uids[120]: "", uids[199]: ""}
	for uid := range want {
		if uid != old[0].UID {
			s, err := db.Structure(ctx, folder, uid)
			if err != nil {
				t.Fatal(err)
			}
			want[uid] = string(s)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("got %d entries, want %d: %v", len(got), len(want), got)
	}
	for uid, w := range want {
		data, ok := got[uid]
		if !ok || string(data) != w || (w == "" && data != nil) {
			t.Errorf("UID %d: %q (present %v), want %q", uid, data, ok, w)
		}
	}
	if n := calls.Load(); n != 200 {
		t.Errorf("analysed %d times, want 200 (the batch read analyses nothing)", n)
	}
	if got, err := db.Structures(ctx, folder+100, uids); err != nil || len(got) != 0 {
		t.Errorf("unknown folder: %v, %v", got, err)
	}
}

// TestStructureNotCurrent: an analysis kept by an older analyser (here
// "old:" rather than "new:") is made again when it is read, replaces the
// old one, and reads as none in Structures until then.
func TestStructureNotCurrent(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	tagged := func(tag string, calls *atomic.Int64) store.Analyzer {
		return func(r io.Reader) ([]byte, error) {
			calls.Add(1)
			b, err := io.ReadAll(r)
			return fmt.Appendf(nil, "%s%d", tag, len(b)), err
		}
	}
	var oldCalls, newCalls atomic.Int64
	db, err := Open(ctx, Options{Dir: dir, Analyze: tagged("old:", &oldCalls)})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateAccount(ctx, 1); err != nil {
		t.Fatal(err)
	}
	var got []store.Delivered
	for _, body := range []string{"Subject: a\r\n\r\nx\r\n", "Subject: bb\r\n\r\nx\r\n"} {
		d, err := db.Deliver(ctx, []store.AccountID{1}, strings.NewReader(body), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, d...)
	}
	db.Close()
	db, err = Open(ctx, Options{Dir: dir, Analyze: tagged("new:", &newCalls),
		AnalysisCurrent: func(b []byte) bool { return strings.HasPrefix(string(b), "new:") }})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	f := got[0].Folder
	uids := []uint32{got[0].UID, got[1].UID}
	kept, err := db.Structures(ctx, f, uids)
	if err != nil || len(kept) != 2 || kept[uids[0]] != nil || kept[uids[1]] != nil {
		t.Fatalf("Structures before any read: %v %v, want two without analysis", kept, err)
	}
	s, err := db.Structure(ctx, f, got[0].UID)
	if err != nil || string(s) != "new:17" || newCalls.Load() != 1 {
		t.Fatalf("Structure: %q %v after %d analyses, want new:17 after 1", s, err, newCalls.Load())
	}
	kept, err = db.Structures(ctx, f, uids)
	if err != nil || len(kept) != 2 || string(kept[uids[0]]) != "new:17" || kept[uids[1]] != nil {
		t.Fatalf("Structures after one read: %v %v", kept, err)
	}
	if s, _ := db.Structure(ctx, f, got[0].UID); string(s) != "new:17" || newCalls.Load() != 1 {
		t.Fatalf("second read: %q after %d analyses, want it kept", s, newCalls.Load())
	}
}

// TestReadTransactionsNeverWaitForThePool: a read transaction holds one
// of the pool's connections; a query it runs for the first time must not
// wait for another to be prepared on (with every connection held by such
// transactions, none would ever come back). One connection makes the
// smallest such pool.
func TestReadTransactionsNeverWaitForThePool(t *testing.T) {
	t.Parallel()
	db := openTest(t, Options{ReadConns: 1, Analyze: func(r io.Reader) ([]byte, error) {
		_, err := io.Copy(io.Discard, r)
		return []byte("analysis"), err
	}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := db.CreateAccount(ctx, 1); err != nil {
		t.Fatal(err)
	}
	d, err := db.Deliver(ctx, []store.AccountID{1}, strings.NewReader("Subject: s\r\n\r\nx\r\n"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if got, err := db.Structures(ctx, d[0].Folder, []uint32{d[0].UID}); err != nil || string(got[d[0].UID]) != "analysis" {
		t.Fatalf("Structures = %v, %v", got, err)
	}
	if _, msgs, err := db.Changes(ctx, d[0].Folder, 0); err != nil || len(msgs) != 1 {
		t.Fatalf("Changes = %v, %v", msgs, err)
	}
}

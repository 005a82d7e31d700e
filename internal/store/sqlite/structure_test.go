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

func TestStructure(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	// Stored before there was an analyser.
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

	var calls atomic.Int64
	db, err = Open(ctx, Options{Dir: dir, Analyze: countingAnalyzer(&calls)})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
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

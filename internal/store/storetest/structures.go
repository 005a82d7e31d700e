package storetest

import (
	"bytes"
	"fmt"
	"io"
	"sync/atomic"
	"testing"
	"time"

	"github.com/postern/postern/internal/store"
)

// RunStructures checks Structure and, if the store implements it,
// store.StructureBatcher. open must return a new, empty store that uses
// analyze as its analyser (none if nil) and current as its test of a kept
// analysis (nil: every kept one is current).
func RunStructures(t *testing.T, open func(t *testing.T, analyze store.Analyzer, current func([]byte) bool) store.Store) {
	t.Run("Structure", func(t *testing.T) { t.Parallel(); testStructure(t, open) })
	t.Run("StructureNoAnalyzer", func(t *testing.T) {
		t.Parallel()
		s := open(t, nil, nil)
		newAccount(t, s, 1)
		in := getFolder(t, s, 1, store.Inbox)
		m := appendMsg(t, s, in.ID, []byte("Subject: x\r\n\r\nx"))
		_, err := s.Structure(t.Context(), in.ID, m.UID)
		wantErr(t, "Structure without an analyser", err, store.ErrInvalid)
	})
	t.Run("StructureNotCurrent", func(t *testing.T) { t.Parallel(); testStructureNotCurrent(t, open) })
}

// genAnalyzer returns "g<gen>:<size>:<first line>" and counts its calls.
func genAnalyzer(gen, calls *atomic.Int64) store.Analyzer {
	return func(r io.Reader) ([]byte, error) {
		calls.Add(1)
		b, err := io.ReadAll(r)
		if err != nil {
			return nil, err
		}
		line, _, _ := bytes.Cut(b, []byte("\r\n"))
		return fmt.Appendf(nil, "g%d:%d:%s", gen.Load(), len(b), line), nil
	}
}

func wantStructure(t *testing.T, s store.Store, f store.FolderID, uid uint32, want string) {
	t.Helper()
	got, err := s.Structure(t.Context(), f, uid)
	if err != nil || string(got) != want {
		t.Errorf("Structure(%d, %d) = %q, %v; want %q", f, uid, got, err, want)
	}
}

func testStructure(t *testing.T, open func(t *testing.T, analyze store.Analyzer, current func([]byte) bool) store.Store) {
	var gen, calls atomic.Int64
	gen.Store(1)
	s := open(t, genAnalyzer(&gen, &calls), nil)
	ctx := t.Context()
	const a = 170
	newAccount(t, s, a)
	in := getFolder(t, s, a, store.Inbox)
	one := []byte("Subject: one\r\n\r\nbody")
	m1 := appendMsg(t, s, in.ID, one)
	m2 := appendMsg(t, s, in.ID, []byte("Subject: two\r\n\r\nlonger body"))
	m3 := appendMsg(t, s, in.ID, one) // the same bytes as m1
	d, err := s.Deliver(ctx, []store.AccountID{a}, bytes.NewReader([]byte("Subject: four\r\n\r\n")), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	wantStructure(t, s, in.ID, m1.UID, "g1:20:Subject: one")
	wantStructure(t, s, in.ID, m2.UID, "g1:27:Subject: two")
	wantStructure(t, s, in.ID, m3.UID, "g1:20:Subject: one")
	wantStructure(t, s, in.ID, d[0].UID, "g1:17:Subject: four")
	before := calls.Load()
	wantStructure(t, s, in.ID, m2.UID, "g1:27:Subject: two")
	if n := calls.Load() - before; n != 0 {
		t.Errorf("a kept structure read again ran the analyser %d times", n)
	}

	// A copy shares what its source has kept.
	drafts := getFolder(t, s, a, "Drafts")
	if _, dst, err := s.Copy(ctx, in.ID, []uint32{m2.UID}, drafts.ID); err != nil || len(dst) != 1 {
		t.Fatalf("Copy = %v, %v", dst, err)
	} else {
		wantStructure(t, s, drafts.ID, dst[0], "g1:27:Subject: two")
	}

	if _, err := s.Expunge(ctx, in.ID, []uint32{m1.UID}); err != nil {
		t.Fatal(err)
	}
	_, err = s.Structure(ctx, in.ID, m1.UID)
	wantErr(t, "Structure of an expunged message", err, store.ErrExpunged)
	_, err = s.Structure(ctx, in.ID, 999)
	wantErr(t, "Structure of a UID never used", err, store.ErrNotFound)
	wantStructure(t, s, in.ID, m3.UID, "g1:20:Subject: one") // its bytes are m1's

	b, ok := s.(store.StructureBatcher)
	if !ok {
		return
	}
	got, err := b.Structures(ctx, in.ID, []uint32{d[0].UID, m1.UID, m3.UID, m2.UID, 999, m3.UID})
	if err != nil {
		t.Fatal(err)
	}
	want := map[uint32]string{m2.UID: "g1:27:Subject: two", m3.UID: "g1:20:Subject: one", d[0].UID: "g1:17:Subject: four"}
	if len(got) != len(want) {
		t.Errorf("Structures: %d entries %v, want %d", len(got), got, len(want))
	}
	for uid, w := range want {
		if string(got[uid]) != w {
			t.Errorf("Structures[%d] = %q, want %q", uid, got[uid], w)
		}
	}
	if got, err := b.Structures(ctx, in.ID, nil); err != nil || len(got) != 0 {
		t.Errorf("Structures of nothing = %v, %v", got, err)
	}
}

// A kept analysis no longer current is made again on use, and kept.
func testStructureNotCurrent(t *testing.T, open func(t *testing.T, analyze store.Analyzer, current func([]byte) bool) store.Store) {
	var gen, calls atomic.Int64
	gen.Store(1)
	current := func(data []byte) bool { return bytes.HasPrefix(data, fmt.Appendf(nil, "g%d:", gen.Load())) }
	s := open(t, genAnalyzer(&gen, &calls), current)
	ctx := t.Context()
	const a = 171
	newAccount(t, s, a)
	in := getFolder(t, s, a, store.Inbox)
	m := appendMsg(t, s, in.ID, []byte("Subject: old\r\n\r\n"))
	wantStructure(t, s, in.ID, m.UID, "g1:16:Subject: old")

	gen.Store(2)
	b, batch := s.(store.StructureBatcher)
	if batch {
		got, err := b.Structures(ctx, in.ID, []uint32{m.UID})
		if v, ok := got[m.UID]; err != nil || !ok || v != nil {
			t.Errorf("Structures with an analysis not current = %v, %v; want a nil entry", got, err)
		}
	}
	before := calls.Load()
	wantStructure(t, s, in.ID, m.UID, "g2:16:Subject: old")
	if calls.Load() == before {
		t.Errorf("an analysis not current was not made again")
	}
	before = calls.Load()
	wantStructure(t, s, in.ID, m.UID, "g2:16:Subject: old")
	if n := calls.Load() - before; n != 0 {
		t.Errorf("the new analysis was not kept: %d more calls", n)
	}
	if batch {
		got, err := b.Structures(ctx, in.ID, []uint32{m.UID})
		if err != nil || string(got[m.UID]) != "g2:16:Subject: old" {
			t.Errorf("Structures after the new analysis = %v, %v", got, err)
		}
	}
}

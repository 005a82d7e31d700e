package storetest

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/internal/store"
)

func testOpenMissing(t *testing.T, s store.Store) {
	ctx := t.Context()
	const a = 100
	newAccount(t, s, a)
	in := getFolder(t, s, a, store.Inbox)
	_, err := s.Open(ctx, in.ID, 1)
	wantErr(t, "Open of a UID never used", err, store.ErrNotFound)
	_, err = s.Open(ctx, 987654, 1)
	wantErr(t, "Open in a missing folder", err, store.ErrNotFound)
	m := appendMsg(t, s, in.ID, []byte("short-lived"))
	if _, err := s.Expunge(ctx, in.ID, []uint32{m.UID}); err != nil {
		t.Fatalf("Expunge: %v", err)
	}
	_, err = s.Open(ctx, in.ID, m.UID)
	if !errors.Is(err, store.ErrExpunged) && !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Open of an expunged message: err = %v, want ErrExpunged or ErrNotFound", err)
	}
}

func testOpenThenExpunge(t *testing.T, s store.Store) {
	ctx := t.Context()
	const a = 110
	newAccount(t, s, a)
	in := getFolder(t, s, a, store.Inbox)
	body := bytes.Repeat([]byte("0123456789abcdef\r\n"), 1<<17)
	m := appendMsg(t, s, in.ID, body)
	b, err := s.Open(ctx, in.ID, m.UID)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer b.Close()
	head := make([]byte, 100)
	if _, err := io.ReadFull(b, head); err != nil {
		t.Fatalf("read head: %v", err)
	}
	if _, err := s.Expunge(ctx, in.ID, []uint32{m.UID}); err != nil {
		t.Fatalf("Expunge: %v", err)
	}
	rest, err := io.ReadAll(b)
	if err != nil {
		t.Fatalf("read after expunge: %v", err)
	}
	if got := append(head, rest...); !bytes.Equal(got, body) {
		t.Errorf("body read across an expunge: %d bytes, want %d identical", len(got), len(body))
	}
}

func testStoreFlags(t *testing.T, s store.Store) {
	ctx := t.Context()
	const a = 120
	newAccount(t, s, a)
	in := getFolder(t, s, a, store.Inbox)
	for range 3 {
		appendMsg(t, s, in.ID, []byte("m"))
	}
	high := getFolder(t, s, a, store.Inbox).HighestModSeq

	got, err := s.StoreFlags(ctx, in.ID, []uint32{1, 2, 99}, store.FlagsAdd, []string{`\SEEN`, `\answered`})
	if err != nil {
		t.Fatalf("StoreFlags add: %v", err)
	}
	if !slices.Equal(uidsOf(got), []uint32{1, 2}) {
		t.Fatalf("StoreFlags returned UIDs %v, want [1 2]", uidsOf(got))
	}
	for _, m := range got {
		wantFlags(t, "after add", m.Flags, []string{store.FlagSeen, store.FlagAnswered})
		if m.ModSeq <= high {
			t.Errorf("UID %d mod-sequence %d, want above %d", m.UID, m.ModSeq, high)
		}
	}
	f := getFolder(t, s, a, store.Inbox)
	if f.Unseen != 1 || f.Messages != 3 || f.HighestModSeq < got[0].ModSeq {
		t.Errorf("Inbox after add = %+v, want 1 unseen of 3, HighestModSeq >= %d", f, got[0].ModSeq)
	}

	got, err = s.StoreFlags(ctx, in.ID, []uint32{1}, store.FlagsRemove, []string{`\seen`})
	if err != nil || len(got) != 1 {
		t.Fatalf("StoreFlags remove = %+v, %v", got, err)
	}
	wantFlags(t, "after remove", got[0].Flags, []string{store.FlagAnswered})
	got, err = s.StoreFlags(ctx, in.ID, []uint32{3}, store.FlagsReplace, []string{"$Work", `\draft`})
	if err != nil || len(got) != 1 {
		t.Fatalf("StoreFlags replace = %+v, %v", got, err)
	}
	wantFlags(t, "after replace", got[0].Flags, []string{"$Work", store.FlagDraft})
	got, err = s.StoreFlags(ctx, in.ID, []uint32{3}, store.FlagsAdd, []string{"$WORK", "$work", "$Other"})
	if err != nil || len(got) != 1 {
		t.Fatalf("StoreFlags add keywords = %+v, %v", got, err)
	}
	wantFlags(t, "keywords de-duplicated ignoring case", got[0].Flags, []string{"$Work", store.FlagDraft, "$Other"})
	got, err = s.StoreFlags(ctx, in.ID, []uint32{3}, store.FlagsRemove, []string{"$WORK", `\DRAFT`})
	if err != nil || len(got) != 1 {
		t.Fatalf("StoreFlags remove keywords = %+v, %v", got, err)
	}
	wantFlags(t, "keyword removed ignoring case", got[0].Flags, []string{"$Other"})

	ms := listMessages(t, s, in.ID)
	wantFlags(t, "listed 1", ms[0].Flags, []string{store.FlagAnswered})
	wantFlags(t, "listed 2", ms[1].Flags, []string{store.FlagSeen, store.FlagAnswered})
	wantFlags(t, "listed 3", ms[2].Flags, []string{"$Other"})
	if f := getFolder(t, s, a, store.Inbox); f.Unseen != 2 {
		t.Errorf("Unseen = %d, want 2", f.Unseen)
	}
	if ms[2].ModSeq <= ms[1].ModSeq {
		t.Errorf("last changed message mod-sequence %d not above earlier %d", ms[2].ModSeq, ms[1].ModSeq)
	}

	_, err = s.StoreFlags(ctx, in.ID, []uint32{1}, store.FlagsAdd, []string{`\Recent2`})
	wantErr(t, "StoreFlags with an unknown system flag", err, store.ErrInvalid)
	_, err = s.StoreFlags(ctx, 987654, []uint32{1}, store.FlagsAdd, []string{store.FlagSeen})
	wantErr(t, "StoreFlags in a missing folder", err, store.ErrNotFound)
}

func testExpunge(t *testing.T, s store.Store) {
	ctx := t.Context()
	const a = 130
	newAccount(t, s, a)
	in := getFolder(t, s, a, store.Inbox)
	for i := range 5 {
		var flags []string
		if i%2 == 0 {
			flags = []string{store.FlagSeen}
		}
		appendMsg(t, s, in.ID, []byte{byte('a' + i)}, flags...)
	}
	high := getFolder(t, s, a, store.Inbox).HighestModSeq
	removed, err := s.Expunge(ctx, in.ID, []uint32{4, 2, 9})
	if err != nil {
		t.Fatalf("Expunge: %v", err)
	}
	slices.Sort(removed)
	if !slices.Equal(removed, []uint32{2, 4}) {
		t.Errorf("Expunge removed %v, want [2 4]", removed)
	}
	if got := uidsOf(listMessages(t, s, in.ID)); !slices.Equal(got, []uint32{1, 3, 5}) {
		t.Errorf("UIDs after expunge %v, want [1 3 5]", got)
	}
	f := getFolder(t, s, a, store.Inbox)
	if f.Messages != 3 || f.Unseen != 0 || f.HighestModSeq <= high {
		t.Errorf("Inbox after expunge = %+v, want 3 messages, 0 unseen, HighestModSeq above %d", f, high)
	}
	for _, uids := range [][]uint32{nil, {2}, {77}} {
		removed, err := s.Expunge(ctx, in.ID, uids)
		if err != nil || len(removed) != 0 {
			t.Errorf("Expunge(%v) = %v, %v; want nothing removed", uids, removed, err)
		}
	}
	wantBody(t, s, in.ID, 3, []byte("c"))
	_, err = s.Expunge(ctx, 987654, []uint32{1})
	wantErr(t, "Expunge in a missing folder", err, store.ErrNotFound)
}

// Changes names, in one snapshot with the folder, exactly the messages
// added or re-flagged after a given HighestModSeq; expunges show only in
// the folder's count.
func testChanges(t *testing.T, s store.Store) {
	ctx := t.Context()
	const a = 135
	newAccount(t, s, a)
	in := getFolder(t, s, a, store.Inbox)
	for i := range 4 {
		appendMsg(t, s, in.ID, []byte{byte('a' + i)})
	}
	f, all, err := s.Changes(ctx, in.ID, 0)
	if err != nil || f.Messages != 4 || !slices.Equal(uidsOf(all), []uint32{1, 2, 3, 4}) {
		t.Fatalf("Changes since 0 = %+v, %v, %v; want the 4 messages", f, uidsOf(all), err)
	}
	if !slices.Equal(uidsOf(all), uidsOf(listMessages(t, s, in.ID))) {
		t.Errorf("Changes since 0 lists %v, Messages %v", uidsOf(all), uidsOf(listMessages(t, s, in.ID)))
	}
	since := f.HighestModSeq
	if f, none, err := s.Changes(ctx, in.ID, since); err != nil || len(none) != 0 || f.HighestModSeq != since {
		t.Errorf("Changes with nothing changed = %+v, %v, %v", f, uidsOf(none), err)
	}
	if _, err := s.StoreFlags(ctx, in.ID, []uint32{2}, store.FlagsAdd, []string{store.FlagFlagged}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Expunge(ctx, in.ID, []uint32{3}); err != nil {
		t.Fatal(err)
	}
	appendMsg(t, s, in.ID, []byte("e"))
	f, changed, err := s.Changes(ctx, in.ID, since)
	if err != nil || !slices.Equal(uidsOf(changed), []uint32{2, 5}) {
		t.Fatalf("Changes after a flag change, an expunge and an append = %v, %v; want UIDs [2 5]", uidsOf(changed), err)
	}
	if !store.HasFlag(changed[0].Flags, store.FlagFlagged) || changed[0].ModSeq <= since || f.Messages != 4 || f.HighestModSeq < changed[1].ModSeq {
		t.Errorf("Changes: folder %+v, messages %+v", f, changed)
	}
	_, _, err = s.Changes(ctx, 987654, 0)
	wantErr(t, "Changes of a missing folder", err, store.ErrNotFound)
}

// A body shared by several messages survives until the last one goes.
func testSharedBlob(t *testing.T, s store.Store) {
	ctx := t.Context()
	const a, b = 140, 141
	newAccount(t, s, a)
	newAccount(t, s, b)
	body := []byte("Subject: shared\r\n\r\nsame bytes for everyone\r\n")
	d, err := s.Deliver(ctx, []store.AccountID{a, b}, bytes.NewReader(body), time.Time{})
	if err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	archive := createFolder(t, s, a, "Archive")
	_, dst, err := s.Copy(ctx, d[0].Folder, []uint32{d[0].UID}, archive.ID)
	if err != nil || len(dst) != 1 {
		t.Fatalf("Copy = %v, %v", dst, err)
	}
	again := appendMsg(t, s, archive.ID, body) // identical bytes, appended separately

	if _, err := s.Expunge(ctx, d[0].Folder, []uint32{d[0].UID}); err != nil {
		t.Fatalf("Expunge: %v", err)
	}
	wantBody(t, s, d[1].Folder, d[1].UID, body)
	wantBody(t, s, archive.ID, dst[0], body)
	if err := s.DeleteAccount(ctx, b); err != nil {
		t.Fatalf("DeleteAccount: %v", err)
	}
	wantBody(t, s, archive.ID, dst[0], body)
	if _, err := s.Expunge(ctx, archive.ID, []uint32{dst[0]}); err != nil {
		t.Fatalf("Expunge copy: %v", err)
	}
	wantBody(t, s, archive.ID, again.UID, body)
	if _, err := s.Expunge(ctx, archive.ID, []uint32{again.UID}); err != nil {
		t.Fatalf("Expunge last: %v", err)
	}
	// With every reference gone the same bytes can be stored again.
	m := appendMsg(t, s, archive.ID, body)
	wantBody(t, s, archive.ID, m.UID, body)
}

func testCopyMove(t *testing.T, s store.Store) {
	ctx := t.Context()
	const a, other = 150, 151
	newAccount(t, s, a)
	newAccount(t, s, other)
	in := getFolder(t, s, a, store.Inbox)
	archive := createFolder(t, s, a, "Archive")
	appendMsg(t, s, archive.ID, []byte("already there"))
	date := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	var src []store.Message
	for i := range 4 {
		m, err := s.Append(ctx, in.ID, store.NewMessage{
			Body: bytes.NewReader([]byte(strings.Repeat("x", i+1))), Flags: []string{"$K" + string(rune('a'+i))},
			InternalDate: date.Add(time.Duration(i) * time.Hour)})
		if err != nil {
			t.Fatalf("Append: %v", err)
		}
		src = append(src, m)
	}

	from, to, err := s.Copy(ctx, in.ID, []uint32{4, 1, 3, 77}, archive.ID)
	if err != nil {
		t.Fatalf("Copy: %v", err)
	}
	checkUIDMap(t, "Copy", from, to, []uint32{1, 3, 4}, 2)
	lastCopy := to[len(to)-1]
	checkCopies(t, s, archive.ID, src, from, to)
	if n := len(listMessages(t, s, in.ID)); n != 4 {
		t.Errorf("Copy changed the source: %d messages", n)
	}

	from, to, err = s.Move(ctx, in.ID, []uint32{2, 3}, archive.ID)
	if err != nil {
		t.Fatalf("Move: %v", err)
	}
	checkUIDMap(t, "Move", from, to, []uint32{2, 3}, lastCopy+1)
	checkCopies(t, s, archive.ID, src, from, to)
	if got := uidsOf(listMessages(t, s, in.ID)); !slices.Equal(got, []uint32{1, 4}) {
		t.Errorf("Inbox after Move has UIDs %v, want [1 4]", got)
	}
	f := getFolder(t, s, a, "Archive")
	if f.Messages != 6 || f.Unseen != 6 {
		t.Errorf("Archive = %+v, want 6 messages, 6 unseen", f)
	}

	// Within one folder: new UIDs above the others, the sources gone.
	before := getFolder(t, s, a, store.Inbox)
	from, to, err = s.Move(ctx, in.ID, []uint32{4, 1}, in.ID)
	if err != nil {
		t.Fatalf("Move within the Inbox: %v", err)
	}
	checkUIDMap(t, "Move within", from, to, []uint32{1, 4}, before.UIDNext)
	checkCopies(t, s, in.ID, src, from, to)
	if got := uidsOf(listMessages(t, s, in.ID)); !slices.Equal(got, to) {
		t.Errorf("Inbox after Move within has UIDs %v, want %v", got, to)
	}
	if f := getFolder(t, s, a, store.Inbox); f.Messages != 2 || f.Unseen != 2 || f.UIDNext != to[1]+1 || f.HighestModSeq <= before.HighestModSeq {
		t.Errorf("Inbox after Move within = %+v, before %+v", f, before)
	}
	in1, in4 := to[0], to[1]

	oin := getFolder(t, s, other, store.Inbox)
	_, _, err = s.Copy(ctx, in.ID, []uint32{in1}, oin.ID)
	wantErr(t, "Copy to another account", err, store.ErrInvalid)
	_, _, err = s.Move(ctx, in.ID, []uint32{in1}, oin.ID)
	wantErr(t, "Move to another account", err, store.ErrInvalid)
	_, _, err = s.Copy(ctx, in.ID, []uint32{in4}, 987654)
	wantErr(t, "Copy to a missing folder", err, store.ErrNotFound)
	from, to, err = s.Copy(ctx, in.ID, []uint32{55}, archive.ID)
	if err != nil || len(from) != 0 || len(to) != 0 {
		t.Errorf("Copy of missing UIDs = %v, %v, %v; want nothing", from, to, err)
	}
}

// checkUIDMap checks that src is want and that dst ascends strictly,
// starting at first or above.
func checkUIDMap(t *testing.T, what string, src, dst, want []uint32, first uint32) {
	t.Helper()
	if !slices.Equal(src, want) || len(dst) != len(src) {
		t.Fatalf("%s map %v → %v, want sources %v", what, src, dst, want)
	}
	for i, uid := range dst {
		if uid < first || (i > 0 && uid <= dst[i-1]) {
			t.Errorf("%s destination UIDs %v, want strictly ascending from %d", what, dst, first)
			break
		}
	}
}

// checkCopies compares each copy with its original: body, size, flags, date.
func checkCopies(t *testing.T, s store.Store, f store.FolderID, orig []store.Message, src, dst []uint32) {
	t.Helper()
	ms := listMessages(t, s, f)
	for i, uid := range dst {
		o := orig[src[i]-1]
		j := slices.IndexFunc(ms, func(m store.Message) bool { return m.UID == uid })
		if j < 0 {
			t.Errorf("copy UID %d missing", uid)
			continue
		}
		c := ms[j]
		if c.Size != o.Size || !c.InternalDate.Equal(o.InternalDate) {
			t.Errorf("copy %d = %+v, want size %d date %v", uid, c, o.Size, o.InternalDate)
		}
		wantFlags(t, "copy", c.Flags, o.Flags)
		wantBody(t, s, f, uid, bytes.Repeat([]byte("x"), int(o.Size)))
	}
}

func testUIDRules(t *testing.T, s store.Store) {
	ctx := t.Context()
	const a = 160
	newAccount(t, s, a)
	in := getFolder(t, s, a, store.Inbox)
	high := in.HighestModSeq
	raised := func(what string) {
		t.Helper()
		f := getFolder(t, s, a, store.Inbox)
		if f.HighestModSeq <= high {
			t.Errorf("%s: HighestModSeq %d, want above %d", what, f.HighestModSeq, high)
		}
		high = f.HighestModSeq
	}
	for range 3 {
		appendMsg(t, s, in.ID, []byte("u"))
		raised("Append")
	}
	if _, err := s.StoreFlags(ctx, in.ID, []uint32{2}, store.FlagsAdd, []string{store.FlagDeleted}); err != nil {
		t.Fatal(err)
	}
	raised("StoreFlags")
	if _, err := s.Expunge(ctx, in.ID, []uint32{3}); err != nil {
		t.Fatal(err)
	}
	raised("Expunge")
	m := appendMsg(t, s, in.ID, []byte("after"))
	raised("Append after expunge")
	if m.UID <= 3 {
		t.Errorf("Append after expunging UID 3 got UID %d, want above 3 (never reused)", m.UID)
	}
	if _, err := s.Expunge(ctx, in.ID, []uint32{1, 2, m.UID}); err != nil {
		t.Fatal(err)
	}
	if f := getFolder(t, s, a, store.Inbox); f.UIDNext <= m.UID || f.Messages != 0 {
		t.Errorf("emptied Inbox = %+v, want no messages and UIDNext above %d", f, m.UID)
	}
	last := appendMsg(t, s, in.ID, []byte("x"))
	if f := getFolder(t, s, a, store.Inbox); last.UID <= m.UID || last.UID >= f.UIDNext || last.ModSeq > f.HighestModSeq {
		t.Errorf("Append into emptied Inbox = %+v, folder %+v; want UID above %d and below UIDNext, ModSeq within HighestModSeq",
			last, f, m.UID)
	}
}

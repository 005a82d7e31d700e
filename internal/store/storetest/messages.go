package storetest

import (
	"bytes"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/internal/store"
)

// Deliver is all or nothing: an unknown recipient fails the whole call.
func testDeliver(t *testing.T, s store.Store) {
	ctx := t.Context()
	accounts := []store.AccountID{70, 71, 72}
	inboxes := map[store.AccountID]store.Folder{}
	for _, a := range accounts {
		newAccount(t, s, a)
		inboxes[a] = getFolder(t, s, a, store.Inbox)
	}
	body := []byte("From: a@example.com\r\nSubject: hi\r\n\r\nhello\r\n")
	date := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	got, err := s.Deliver(ctx, accounts, bytes.NewReader(body), date)
	if err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	if len(got) != len(accounts) {
		t.Fatalf("Deliver returned %d results, want %d", len(got), len(accounts))
	}
	for i, d := range got {
		a := accounts[i]
		if d.Account != a || d.Folder != inboxes[a].ID || d.UID != 1 {
			t.Errorf("Delivered[%d] = %+v, want account %d, folder %d, UID 1", i, d, a, inboxes[a].ID)
		}
		wantBody(t, s, d.Folder, d.UID, body)
		ms := listMessages(t, s, d.Folder)
		if len(ms) != 1 || ms[0].Size != int64(len(body)) || !ms[0].InternalDate.Equal(date) || len(ms[0].Flags) != 0 {
			t.Errorf("account %d messages = %+v, want one of %d bytes dated %v without flags", a, ms, len(body), date)
		}
		if f := getFolder(t, s, a, store.Inbox); f.Messages != 1 || f.Unseen != 1 || f.UIDNext <= 1 {
			t.Errorf("account %d Inbox after Deliver = %+v, want 1 message, 1 unseen, UIDNext > 1", a, f)
		}
	}
	second, err := s.Deliver(ctx, accounts[:1], strings.NewReader("second"), time.Time{})
	if err != nil || len(second) != 1 || second[0].UID <= 1 {
		t.Fatalf("second Deliver = %+v, %v; want a UID above 1", second, err)
	}

	_, err = s.Deliver(ctx, []store.AccountID{accounts[1], 9999}, strings.NewReader("x"), time.Time{})
	wantErr(t, "Deliver to an unknown account", err, store.ErrNotFound)
	if ms := listMessages(t, s, inboxes[accounts[1]].ID); len(ms) != 1 {
		t.Errorf("failed Deliver left %d messages in a valid recipient's Inbox, want 1", len(ms))
	}
	_, err = s.Deliver(ctx, nil, strings.NewReader("x"), time.Time{})
	wantErr(t, "Deliver to nobody", err, store.ErrInvalid)
}

func testAppend(t *testing.T, s store.Store) {
	ctx := t.Context()
	const a = 80
	newAccount(t, s, a)
	drafts := getFolder(t, s, a, "Drafts")
	zone := time.FixedZone("", -7*3600)
	date := time.Date(2001, 2, 3, 4, 5, 6, 0, zone)
	body := []byte("Subject: draft\r\n\r\nbody\r\n")
	m, err := s.Append(ctx, drafts.ID, store.NewMessage{
		Body:         bytes.NewReader(body),
		Flags:        []string{`\seen`, "$Label1", `\FLAGGED`, "$label1", `\Seen`},
		InternalDate: date,
	})
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	if m.UID != 1 || m.Size != int64(len(body)) || m.ModSeq == 0 || !m.InternalDate.Equal(date) {
		t.Errorf("Append = %+v, want UID 1, size %d, a mod-sequence, date %v", m, len(body), date)
	}
	if _, off := m.InternalDate.Zone(); off != -7*3600 {
		t.Errorf("internal date zone offset %d, want %d", off, -7*3600)
	}
	wantFlags(t, "appended", m.Flags, []string{store.FlagSeen, store.FlagFlagged, "$Label1"})

	before := time.Now().Add(-time.Second)
	m2 := appendMsg(t, s, drafts.ID, []byte("now"))
	if m2.UID <= m.UID || m2.ModSeq <= m.ModSeq {
		t.Errorf("second Append = %+v, want UID and mod-sequence above %d, %d", m2, m.UID, m.ModSeq)
	}
	if m2.InternalDate.Before(before) || m2.InternalDate.After(time.Now().Add(time.Second)) {
		t.Errorf("zero InternalDate became %v, want about now", m2.InternalDate)
	}
	ms := listMessages(t, s, drafts.ID)
	if len(ms) != 2 || ms[0].UID != m.UID || ms[1].UID != m2.UID || ms[0].Size != m.Size || ms[1].Size != 3 {
		t.Fatalf("Messages = %+v, want the two appended", ms)
	}
	wantFlags(t, "listed", ms[0].Flags, m.Flags)
	if !ms[0].InternalDate.Equal(date) {
		t.Errorf("listed date %v, want %v", ms[0].InternalDate, date)
	}
	if f := getFolder(t, s, a, "Drafts"); f.Messages != 2 || f.Unseen != 1 || f.HighestModSeq < m2.ModSeq {
		t.Errorf("Drafts = %+v, want 2 messages, 1 unseen, HighestModSeq >= %d", f, m2.ModSeq)
	}

	_, err = s.Append(ctx, 987654, store.NewMessage{Body: strings.NewReader("x")})
	wantErr(t, "Append to a missing folder", err, store.ErrNotFound)
	for _, bad := range []string{`\Bogus`, "two words", ""} {
		_, err = s.Append(ctx, drafts.ID, store.NewMessage{Body: strings.NewReader("x"), Flags: []string{bad}})
		wantErr(t, "Append with flag "+bad, err, store.ErrInvalid)
	}
	if n := len(listMessages(t, s, drafts.ID)); n != 2 {
		t.Errorf("failed Appends left %d messages, want 2", n)
	}
}

// bodies are the tricky payloads every store must return byte for byte.
func bodies() map[string][]byte {
	rng := rand.New(rand.NewPCG(1, 2))
	big := make([]byte, 5<<20+123)
	for i := range big {
		big[i] = byte(rng.Uint32())
	}
	eightBit := make([]byte, 0, 256)
	for i := range 256 {
		eightBit = append(eightBit, byte(255-i))
	}
	return map[string][]byte{
		"empty":    {},
		"one byte": []byte("x"),
		"crlf":     []byte("Subject: t\r\n\r\nline 1\r\nline 2\r\n"),
		"bare lf":  []byte("Subject: t\n\nline 1\nline 2\n\n.\n"),
		"bare cr":  []byte("a\rb\r\r\nc"),
		"nul":      []byte("a\x00b\x00\x00\r\n\x00"),
		"8-bit":    eightBit,
		"utf-8":    []byte("Subject: Grüße 日本\r\n\r\nпривет\r\n"),
		"5 MB":     big,
	}
}

func testBodies(t *testing.T, s store.Store) {
	const a = 90
	newAccount(t, s, a)
	in := getFolder(t, s, a, store.Inbox)
	bs := bodies()
	names := make([]string, 0, len(bs))
	for name := range bs {
		names = append(names, name)
	}
	slices.Sort(names)
	uids := map[string]uint32{}
	for _, name := range names {
		m := appendMsg(t, s, in.ID, bs[name])
		if m.Size != int64(len(bs[name])) {
			t.Errorf("%s: Append size %d, want %d", name, m.Size, len(bs[name]))
		}
		uids[name] = m.UID
	}
	ms := listMessages(t, s, in.ID)
	if len(ms) != len(names) {
		t.Fatalf("Messages has %d, want %d", len(ms), len(names))
	}
	for i, name := range names {
		if ms[i].UID != uids[name] || ms[i].Size != int64(len(bs[name])) {
			t.Errorf("Messages[%d] = UID %d size %d, want %s: UID %d size %d",
				i, ms[i].UID, ms[i].Size, name, uids[name], len(bs[name]))
		}
		t.Run(name, func(t *testing.T) { checkBody(t, s, in.ID, uids[name], bs[name]) })
	}
}

// checkBody reads a body whole, then at random offsets with ReadAt.
func checkBody(t *testing.T, s store.Store, f store.FolderID, uid uint32, want []byte) {
	b, err := s.Open(t.Context(), f, uid)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer b.Close()
	if b.Size() != int64(len(want)) {
		t.Errorf("Size() = %d, want %d", b.Size(), len(want))
	}
	got, err := io.ReadAll(b)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("read %d bytes (err %v), want %d identical bytes", len(got), err, len(want))
	}
	if len(want) == 0 {
		return
	}
	rng := rand.New(rand.NewPCG(3, uint64(len(want))))
	for range 8 {
		off := rng.IntN(len(want))
		n := min(1+rng.IntN(70000), len(want)-off)
		buf := make([]byte, n)
		if _, err := b.ReadAt(buf, int64(off)); err != nil && err != io.EOF {
			t.Fatalf("ReadAt(%d, %d): %v", n, off, err)
		}
		if !bytes.Equal(buf, want[off:off+n]) {
			t.Fatalf("ReadAt(%d, %d) differs", n, off)
		}
	}
}

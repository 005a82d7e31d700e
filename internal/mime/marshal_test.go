package mime

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestMarshalRoundTrip(t *testing.T) {
	t.Parallel()
	for _, name := range corpus(t) {
		msg := readTestdata(t, name)
		p := mustParse(t, msg)
		b, err := p.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var q Part
		if err := q.UnmarshalBinary(b); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(p, &q) {
			t.Errorf("%s: round trip differs\n got %s\nwant %s", name, describe(&q), describe(p))
		}
		t.Logf("%-26s message %5d bytes, cache %4d bytes", name, len(msg), len(b))
	}
}

func TestUnmarshalCorrupt(t *testing.T) {
	t.Parallel()
	p := mustParse(t, readTestdata(t, "rfc822-nested.eml"))
	good, _ := p.MarshalBinary()
	var q Part
	if err := q.UnmarshalBinary(nil); !errors.Is(err, ErrCorrupt) {
		t.Errorf("empty: %v", err)
	}
	if err := q.UnmarshalBinary(append([]byte{99}, good[1:]...)); !errors.Is(err, ErrCorrupt) {
		t.Errorf("unknown version: %v", err)
	}
	if err := q.UnmarshalBinary(append(bytes.Clone(good), 0)); !errors.Is(err, ErrCorrupt) {
		t.Errorf("trailing bytes: %v", err)
	}
	for i := 1; i < len(good); i++ { // every truncation fails cleanly
		if err := q.UnmarshalBinary(good[:i]); err == nil {
			t.Errorf("truncated at %d accepted", i)
		}
	}
	for i := 1; i < len(good); i++ { // flipped bytes never panic
		b := bytes.Clone(good)
		b[i] ^= 0xff
		_ = q.UnmarshalBinary(b)
	}
}

// TestMarshalSharedSender: Sender and Reply-To defaulted from From are
// stored once and restored.
func TestMarshalSharedSender(t *testing.T) {
	t.Parallel()
	p := mustParse(t, []byte("From: a@b.c\r\nSender: a@b.c\r\nReply-To: r@b.c\r\n\r\n"))
	b, _ := p.MarshalBinary()
	var q Part
	if err := q.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p, &q) {
		t.Errorf("differs: %+v vs %+v", p.Envelope, q.Envelope)
	}
}

func TestDictionary(t *testing.T) {
	t.Parallel()
	dict := dictWords()
	seen := map[string]bool{}
	for i, w := range dict {
		if w == "" || seen[w] || dictIndex(&dict, w) != i {
			t.Errorf("word %d %q empty, duplicated or not found", i, w)
		}
		seen[w] = true
	}
	if dictIndex(&dict, "absent") != -1 {
		t.Error("absent word found")
	}
}

// TestMarshalFormatStable freezes serialisation version 2, and checks
// that entries of version 1, written by earlier builds and kept in
// mailbox databases, still decode to the same tree less what version 1
// did not store (the header copy, empty envelope fields). If this fails,
// the layout changed and needs a new version byte instead.
func TestMarshalFormatStable(t *testing.T) {
	t.Parallel()
	p := mustParse(t, readTestdata(t, "rfc822-nested.eml"))
	got, _ := p.MarshalBinary()
	path := filepath.Join("testdata", "rfc822-nested.v2.hex")
	if *update {
		if err := os.WriteFile(path, []byte(hex.EncodeToString(got)+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want := readHex(t, path)
	if !bytes.Equal(got, want) {
		t.Errorf("serialisation changed:\n got %x\nwant %x", got, want)
	}
	var q Part
	if err := q.UnmarshalBinary(want); err != nil || !reflect.DeepEqual(p, &q) {
		t.Errorf("stored v2 entry does not decode to the same tree: %v", err)
	}
	v1 := readHex(t, filepath.Join("testdata", "rfc822-nested.v1.hex"))
	old := *p
	old.Header = nil
	if err := q.UnmarshalBinary(v1); err != nil || !reflect.DeepEqual(&old, &q) {
		t.Errorf("stored v1 entry does not decode to the same tree: %v", err)
	}
	// Version 1 never had the bits version 2 added.
	for _, b := range [][]byte{append([]byte{1}, got[1:]...), {1, 0x80, 0x10, 0, 0, 0, 0, 0, 0}} {
		if err := q.UnmarshalBinary(b); !errors.Is(err, ErrCorrupt) {
			t.Errorf("v1 entry with v2 bits %x: %v", b, err)
		}
	}
}

func readHex(t testing.TB, path string) []byte {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := hex.DecodeString(strings.TrimSpace(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestEnvelopeEmptyAndAbsent: a field written with an empty value is ""
// in ENVELOPE, an absent one NIL (RFC 3501 §7.4.2: nstring), through
// the cache; an entry of version 1 (which could not tell them apart)
// still reads as NIL.
func TestEnvelopeEmptyAndAbsent(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ msg, want string }{
		{"From: a@b.c\r\nSubject:\r\nDate: \r\nMessage-ID:\r\nIn-Reply-To:  \r\n\r\nbody\r\n",
			`("" "" ((NIL NIL "a" "b.c")) ((NIL NIL "a" "b.c")) ((NIL NIL "a" "b.c")) NIL NIL NIL "" "")`},
		{"From: a@b.c\r\n\r\nbody\r\n",
			`(NIL NIL ((NIL NIL "a" "b.c")) ((NIL NIL "a" "b.c")) ((NIL NIL "a" "b.c")) NIL NIL NIL NIL NIL)`},
		{"Subject:\r\n folded\r\nDate: Thu, 10 Jul 2025 10:00:00 +0000\r\n\r\n",
			`("Thu, 10 Jul 2025 10:00:00 +0000" "folded" NIL NIL NIL NIL NIL NIL NIL NIL)`},
	} {
		want := c.want
		p := mustParse(t, []byte(c.msg))
		if got := string(AppendEnvelope(nil, p.Envelope)); got != want {
			t.Errorf("%q:\n got %s\nwant %s", c.msg, got, want)
		}
		b, _ := p.MarshalBinary()
		var q Part
		if err := q.UnmarshalBinary(b); err != nil || !reflect.DeepEqual(p, &q) {
			t.Errorf("%q: round trip differs (%v)", c.msg, err)
		}
		if got := string(AppendEnvelope(nil, q.Envelope)); got != want {
			t.Errorf("%q from the cache:\n got %s\nwant %s", c.msg, got, want)
		}
	}
	// Version 1 of the first message: the empty fields were not stored.
	p := mustParse(t, []byte("Subject:\r\n\r\n"))
	p.Header, p.Envelope.Empty = nil, 0
	b, _ := p.MarshalBinary()
	b[0] = 1
	var q Part
	if err := q.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if got := string(AppendEnvelope(nil, q.Envelope)); !strings.HasPrefix(got, "(NIL NIL ") {
		t.Errorf("v1 entry: %s", got)
	}
}

// TestHeaderKept: the top-level header block is kept, byte for byte,
// up to MaxKeptHeader, and survives the cache; a longer one is not kept.
func TestHeaderKept(t *testing.T) {
	t.Parallel()
	hdr := "From: a@b.c\r\nSubject: x\r\n\r\n"
	p := mustParse(t, []byte(hdr+"body\r\n"))
	if string(p.Header) != hdr || !p.HasHeader() {
		t.Errorf("Header %q", p.Header)
	}
	long := "X-Long: " + strings.Repeat("y", MaxKeptHeader) + "\r\n" + hdr
	p = mustParse(t, []byte(long+"body\r\n"))
	if p.Header != nil || p.HasHeader() {
		t.Errorf("a %d-byte header was kept", len(long))
	}
	exact := "X-Pad: " + strings.Repeat("z", MaxKeptHeader-len(hdr)-9) + "\r\n" + hdr
	p = mustParse(t, []byte(exact+"body"))
	if len(exact) != MaxKeptHeader || string(p.Header) != exact {
		t.Errorf("a header of exactly %d bytes (%d) was not kept", MaxKeptHeader, len(exact))
	}
	for _, c := range p.Children {
		if c.Header != nil {
			t.Error("a body part has a Header")
		}
	}
	p = mustParse(t, []byte("no header at all\r\n"))
	if p.Header != nil || !p.HasHeader() {
		t.Errorf("no header: Header %q", p.Header)
	}
}

func TestIsCurrent(t *testing.T) {
	p, err := Parse(strings.NewReader("Subject: x\r\n\r\nbody\r\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	v1 := append([]byte{marshalVersionV1}, b[1:]...)
	for _, c := range []struct {
		data []byte
		want bool
	}{{b, true}, {v1, false}, {nil, false}, {[]byte{}, false}} {
		if got := IsCurrent(c.data); got != c.want {
			t.Errorf("IsCurrent(% x...) = %v, want %v", c.data[:min(len(c.data), 2)], got, c.want)
		}
	}
}

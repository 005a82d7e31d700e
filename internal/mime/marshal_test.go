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

// TestMarshalFormatStable freezes serialisation version 1: caches written
// by earlier builds must still decode to the same tree. If this fails, the
// layout changed and needs a new version byte instead.
func TestMarshalFormatStable(t *testing.T) {
	t.Parallel()
	p := mustParse(t, readTestdata(t, "rfc822-nested.eml"))
	got, _ := p.MarshalBinary()
	path := filepath.Join("testdata", "rfc822-nested.v1.hex")
	if *update {
		if err := os.WriteFile(path, []byte(hex.EncodeToString(got)+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want, err := hex.DecodeString(strings.TrimSpace(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("serialisation changed:\n got %x\nwant %x", got, want)
	}
	var q Part
	if err := q.UnmarshalBinary(want); err != nil || !reflect.DeepEqual(p, &q) {
		t.Errorf("stored v1 entry does not decode to the same tree: %v", err)
	}
}

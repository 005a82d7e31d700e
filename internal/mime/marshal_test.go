package mime

import (
	"bytes"
	"errors"
	"reflect"
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
	seen := map[string]bool{}
	for i := uint64(0); ; i++ {
		w, ok := dictWord(i)
		if !ok {
			if i != 64 {
				t.Errorf("dictionary has %d words; keep it at 64 so indexes fit one byte", i)
			}
			break
		}
		if seen[w] || dictIndex(w) != int(i) {
			t.Errorf("word %d %q duplicated or not found", i, w)
		}
		seen[w] = true
	}
}

package mime

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
)

// TestGolden compares BODYSTRUCTURE, BODY, ENVELOPE and the part offsets of
// every corpus message with testdata/*.golden (go test -update rewrites
// them; review the diff by hand against RFC 3501 §7.4.2 and §9).
func TestGolden(t *testing.T) {
	t.Parallel()
	for _, name := range corpus(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			msg := readTestdata(t, name)
			p := mustParse(t, msg)
			checkParsed(t, msg, p)
			got := describe(p)
			path := filepath.Join("testdata", strings.TrimSuffix(name, ".eml")+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("mismatch with %s\n got:\n%s\nwant:\n%s", path, got, want)
			}
		})
	}
}

// TestOneByteReader parses every corpus message one byte per Read and
// with tiny options-independent buffers, and expects identical trees.
func TestOneByteReader(t *testing.T) {
	t.Parallel()
	for _, name := range corpus(t) {
		msg := readTestdata(t, name)
		want := describe(mustParse(t, msg))
		p, err := Parse(iotest.OneByteReader(bytes.NewReader(msg)), Options{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := describe(p); got != want {
			t.Errorf("%s: one-byte reads differ\n got:\n%s\nwant:\n%s", name, got, want)
		}
		p, err = Parse(iotest.HalfReader(bytes.NewReader(msg)), Options{})
		if err != nil || describe(p) != want {
			t.Errorf("%s: half reads differ (err %v)", name, err)
		}
	}
}

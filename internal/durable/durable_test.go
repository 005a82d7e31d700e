package durable

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteFileReplacesAtomically(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	for _, data := range []string{"first", "second, longer"} {
		if err := WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(p)
		if err != nil || string(b) != data {
			t.Fatalf("read %q, %v; want %q", b, err, data)
		}
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode())
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("left behind: %v", ents)
	}
	// A folder that does not exist: an error, nothing created.
	if err := WriteFile(filepath.Join(dir, "no", "f"), []byte("x"), 0o600); err == nil {
		t.Error("wrote into a missing folder")
	}
}

func TestCreateFileNeverOverwrites(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "key")
	if err := CreateFile(p, []byte("one"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := CreateFile(p, []byte("two"), 0o600); !errors.Is(err, os.ErrExist) {
		t.Fatalf("second create: %v", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "one" {
		t.Errorf("content %q", b)
	}
	if err := SyncDir(filepath.Join(p, "missing")); err == nil {
		t.Error("synced a missing folder")
	}
}

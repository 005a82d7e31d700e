package sqlite

import (
	"fmt"
	"testing"
)

func TestStructCache(t *testing.T) {
	t.Parallel()
	entry := 10 + 100 + structEntryOverhead // a 10-octet name, 100 octets of data
	c := newStructCache(3 * entry)
	data := func(i int) []byte { return []byte(fmt.Sprintf("%0100d", i)) }
	name := func(i int) string { return fmt.Sprintf("blob%06d", i) }
	for i := range 3 {
		c.put(name(i), data(i))
	}
	if d, ok := c.get(name(1)); !ok || string(d) != string(data(1)) {
		t.Fatalf("get in the first generation: %q %v", d, ok)
	}
	// A fourth entry starts a new generation; the first three stay readable.
	c.put(name(3), data(3))
	if len(c.cur) != 1 || len(c.old) != 3 {
		t.Fatalf("generations %d and %d, want 1 and 3", len(c.cur), len(c.old))
	}
	// A hit in the older generation moves the entry to the newer.
	if _, ok := c.get(name(0)); !ok || len(c.cur) != 2 || len(c.old) != 2 {
		t.Fatalf("promotion: %d and %d", len(c.cur), len(c.old))
	}
	// Two more: the newer fills, turns older, and what was not read since
	// (1 and 2) is gone; 0, 3, 4 and 5 are kept.
	c.put(name(4), data(4))
	c.put(name(5), data(5))
	for i, want := range []bool{true, false, false, true, true, true} {
		if _, ok := c.get(name(i)); ok != want {
			t.Errorf("entry %d kept: %v, want %v", i, ok, want)
		}
	}
	if c.curBytes > c.limit {
		t.Errorf("newer generation holds %d bytes, limit %d", c.curBytes, c.limit)
	}
	// Nothing larger than a generation, and nothing at all when disabled.
	c.put("huge", make([]byte, 4*entry))
	if _, ok := c.get("huge"); ok {
		t.Error("an entry above the limit was kept")
	}
	off := newStructCache(-1)
	off.put("x", []byte("y"))
	if _, ok := off.get("x"); ok {
		t.Error("a disabled cache kept an entry")
	}
}

package wire

import (
	"reflect"
	"slices"
	"testing"
)

func TestParseSeqSet(t *testing.T) {
	t.Parallel()
	good := map[string]SeqSet{
		"1":            {{1, 1}},
		"*":            {{0, 0}},
		"1:*":          {{1, 0}},
		"1:*,3,5:7":    {{1, 0}, {3, 3}, {5, 7}},
		"4:2":          {{4, 2}},
		"*:4":          {{0, 4}},
		"1:4294967295": {{1, 4294967295}},
		"4294967295":   {{4294967295, 4294967295}},
		"2,2,2":        {{2, 2}, {2, 2}, {2, 2}},
		"559:*":        {{559, 0}},
		"1:1":          {{1, 1}},
	}
	for in, want := range good {
		got, err := ParseSeqSet(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("ParseSeqSet(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "0", "1:0", "0:*", "01", "1,", ",1", "1::2", "1:2:3", "a", "4294967296", "-1", "1 2", "$", "**", "1:", ":1", "1,,2"} {
		if _, err := ParseSeqSet(in); err == nil {
			t.Errorf("ParseSeqSet(%q) accepted", in)
		}
	}
}

func TestSeqSetString(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"1", "*", "1:*", "1:*,3,5:7", "4:2", "*:4", "1:4294967295"} {
		set, _ := ParseSeqSet(s)
		if set.String() != s {
			t.Errorf("%q -> %q", s, set.String())
		}
	}
	// "1:1" is the number 1.
	if set, _ := ParseSeqSet("1:1"); set.String() != "1" {
		t.Error(set.String())
	}
}

func TestSeqSetContains(t *testing.T) {
	t.Parallel()
	set, _ := ParseSeqSet("2:4,10:*,7")
	in := func(n, max uint32) bool { return set.Contains(n, max) }
	for _, c := range []struct {
		n, max uint32
		want   bool
	}{
		{1, 20, false}, {2, 20, true}, {4, 20, true}, {5, 20, false}, {7, 20, true}, {9, 20, false},
		{10, 20, true}, {20, 20, true}, {21, 20, false}, {0, 20, false},
		// 10:* with * = 8 is 8:10 (RFC 3501 §6.4.8).
		{8, 8, true}, {9, 8, true}, {10, 8, true}, {11, 8, false},
	} {
		if in(c.n, c.max) != c.want {
			t.Errorf("Contains(%d, %d) != %v", c.n, c.max, c.want)
		}
	}
	huge, _ := ParseSeqSet("1:4294967295")
	if !huge.Contains(4294967295, 3) || !huge.Contains(1, 0) || huge.Contains(0, 0) {
		t.Error("huge range")
	}
	if !set.Dynamic() || huge.Dynamic() {
		t.Error("Dynamic")
	}
}

func TestSeqSetResolveAll(t *testing.T) {
	t.Parallel()
	set, _ := ParseSeqSet("7,2:4,*,3:5,9:8,1")
	want := []SeqRange{{1, 5}, {7, 10}}
	if got := set.Resolve(10); !reflect.DeepEqual(got, want) {
		t.Fatalf("Resolve = %v", got)
	}
	if got := slices.Collect(set.All(10)); !reflect.DeepEqual(got, []uint32{1, 2, 3, 4, 5, 7, 8, 9, 10}) {
		t.Fatalf("All = %v", got)
	}
	// "*" in an empty mailbox resolves to nothing.
	star, _ := ParseSeqSet("*")
	if got := star.Resolve(0); len(got) != 0 {
		t.Fatalf("empty: %v", got)
	}
	if got, _ := ParseSeqSet("1:*"); !reflect.DeepEqual(got.Resolve(0), []SeqRange{{1, 1}}) {
		t.Fatalf("1:* empty: %v", got.Resolve(0))
	}
	// A huge range is two numbers, and iteration can stop at any point,
	// including at the top of the range without overflowing.
	huge, _ := ParseSeqSet("4294967290:*,1:4294967295")
	if r := huge.Resolve(4294967295); !reflect.DeepEqual(r, []SeqRange{{1, 4294967295}}) {
		t.Fatalf("huge: %v", r)
	}
	n := 0
	for v := range huge.All(4294967295) {
		if n++; n == 1000 || v == 0 {
			break
		}
	}
	top, _ := ParseSeqSet("4294967294:4294967295")
	if got := slices.Collect(top.All(5)); !reflect.DeepEqual(got, []uint32{4294967294, 4294967295}) {
		t.Fatalf("top: %v", got)
	}
}

func TestSeqSetArg(t *testing.T) {
	t.Parallel()
	p := args(t, "1:*,3 FLAGS")
	set := p.SeqSet()
	a := p.Atom()
	p.End()
	if p.Err() != nil || set.String() != "1:*,3" || a != "FLAGS" {
		t.Fatalf("%v %q %v", set, a, p.Err())
	}
	for _, in := range []string{"1a", "0", "1:*x", "", "(1)", "1,2:", "\"1\""} {
		if _, err := parseOne(t, in, (*Parser).SeqSet); err == nil {
			t.Errorf("SeqSet(%q) accepted", in)
		}
	}
}

package backend

import (
	"testing"

	"github.com/postern/postern/internal/imap/wire"
	"github.com/postern/postern/internal/store"
)

func viewOf(uids ...uint32) *view {
	ms := make([]store.Message, len(uids))
	for i, u := range uids {
		ms[i] = store.Message{UID: u}
	}
	return newView(store.Folder{}, ms, false)
}

func set(t *testing.T, s string) wire.SeqSet {
	t.Helper()
	ss, err := wire.ParseSeqSet(s)
	if err != nil {
		t.Fatal(err)
	}
	return ss
}

// TestAbsentUIDs: when the store can no longer name the expunges, the
// resync names every UID the client may know that the folder lacks.
func TestAbsentUIDs(t *testing.T) {
	v := viewOf(2, 3, 7, 10)
	for _, c := range []struct {
		set   string
		floor uint32
		want  string
	}{
		{"1:*", 1, "1,4:6,8:9"}, {"1:4294967295", 1, "1,4:6,8:9"}, {"5:6,9", 1, "5:6,9"}, {"2:3,10", 1, ""},
		{"1:*", 4, "4:6,8:9"}, {"1:*", 8, "8:9"}, {"1:*", 11, ""}, {"20:30", 1, ""}, {"9:1", 1, "1,4:6,8:9"},
	} {
		if got := absentUIDs(v, set(t, c.set), c.floor); got != c.want {
			t.Errorf("absentUIDs(%s, %d) = %q, want %q", c.set, c.floor, got, c.want)
		}
	}
	if got := absentUIDs(viewOf(), set(t, "1:*"), 1); got != "" {
		t.Errorf("empty view: %q", got)
	}
	if got := absentUIDs(viewOf(4294967295), set(t, "4294967290:*"), 1); got != "4294967290:4294967294" {
		t.Errorf("top UID: %q", got)
	}
}

// TestMatchFloor: the sequence match data lift the floor only where
// they hold in the view (RFC 7162 §3.2.5.2); made-up data leave it at 1.
func TestMatchFloor(t *testing.T) {
	v := viewOf(2, 3, 7, 10) // 1:2 3:3 4:7 5:10 ... as seq:UID
	for _, c := range []struct {
		seqs, uids string
		want       uint32
	}{
		{"1,3", "2,7", 8}, {"1:2", "2:3", 4}, {"1,3", "1,5", 1}, {"1:4", "11:14", 1}, {"9,10", "50,60", 1},
		{"1,2,3", "2,4,7", 8}, {"1:4294967295", "1:4294967295", 1}, {"2,4", "3,10", 11}, {"2,4", "3,9", 4},
	} {
		if got := matchFloor(v, set(t, c.seqs), set(t, c.uids)); got != c.want {
			t.Errorf("matchFloor(%s, %s) = %d, want %d", c.seqs, c.uids, got, c.want)
		}
	}
}

package store

import (
	"errors"
	"slices"
	"testing"
)

func TestCanonicalFolderName(t *testing.T) {
	for in, want := range map[string]string{
		"INBOX": "INBOX", "inbox": "INBOX", "InBoX": "INBOX",
		"Drafts": "Drafts", "drafts": "drafts", "a/b/c": "a/b/c", "inbox/x": "inbox/x", "Grüße": "Grüße",
	} {
		got, err := CanonicalFolderName(in)
		if err != nil || got != want {
			t.Errorf("CanonicalFolderName(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "/", "/a", "a/", "a//b", "a\x00b", "a\nb", "\xff", string(make([]byte, MaxFolderNameLen+1))} {
		if _, err := CanonicalFolderName(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("CanonicalFolderName(%q) = %v, want ErrInvalid", bad, err)
		}
	}
}

func TestCanonicalFlags(t *testing.T) {
	got, err := CanonicalFlags([]string{"$Label1", `\draft`, `\SEEN`, "$label1", `\Seen`, "Junk", `\answered`, `\Flagged`, `\deleted`})
	want := []string{FlagSeen, FlagAnswered, FlagFlagged, FlagDeleted, FlagDraft, "$Label1", "Junk"}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("CanonicalFlags = %q, %v; want %q", got, err, want)
	}
	if got, err := CanonicalFlags(nil); err != nil || got == nil || len(got) != 0 {
		t.Errorf("CanonicalFlags(nil) = %#v, %v; want an empty, non-nil list", got, err)
	}
	for _, bad := range []string{"", "a b", "a\tb", `\Recent`, `\Bogus`, "x\x7f"} {
		if _, err := CanonicalFlags([]string{bad}); !errors.Is(err, ErrInvalid) {
			t.Errorf("CanonicalFlags(%q) = %v, want ErrInvalid", bad, err)
		}
	}
}

func TestApplyFlags(t *testing.T) {
	cur := []string{FlagSeen, "$Work"}
	for _, tc := range []struct {
		op    FlagOp
		flags []string
		want  []string
	}{
		{FlagsAdd, []string{FlagDraft, "$WORK", "$New"}, []string{FlagSeen, FlagDraft, "$Work", "$New"}},
		{FlagsRemove, []string{"$WORK", FlagFlagged}, []string{FlagSeen}},
		{FlagsReplace, []string{"$B", FlagAnswered}, []string{FlagAnswered, "$B"}},
		{FlagsReplace, []string{}, []string{}},
		{FlagOp(42), []string{FlagDraft}, []string{FlagSeen, "$Work"}},
	} {
		flags, err := CanonicalFlags(tc.flags)
		if err != nil {
			t.Fatal(err)
		}
		if got := ApplyFlags(cur, tc.op, flags); !slices.Equal(got, tc.want) {
			t.Errorf("ApplyFlags(%q, %d, %q) = %q, want %q", cur, tc.op, tc.flags, got, tc.want)
		}
	}
	if !slices.Equal(cur, []string{FlagSeen, "$Work"}) {
		t.Errorf("ApplyFlags modified its input: %q", cur)
	}
	if !HasFlag(cur, `\SEEN`) || HasFlag(cur, FlagDraft) {
		t.Errorf("HasFlag wrong")
	}
}

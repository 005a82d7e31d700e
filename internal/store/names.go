package store

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// MaxFolderNameLen bounds a folder's full name, in bytes.
const MaxFolderNameLen = 1024

// IsInbox reports whether name refers to the Inbox: "INBOX" in any case.
func IsInbox(name string) bool { return strings.EqualFold(name, Inbox) }

// CanonicalFolderName validates a folder name and returns the spelling the
// store keeps: any case of "INBOX" becomes Inbox, every other name is kept
// exactly. Empty names, empty hierarchy levels ("/a", "a/", "a//b"),
// control characters and invalid UTF-8 are ErrInvalid.
func CanonicalFolderName(name string) (string, error) {
	if IsInbox(name) {
		return Inbox, nil
	}
	switch {
	case name == "":
		return "", fmt.Errorf("empty folder name: %w", ErrInvalid)
	case len(name) > MaxFolderNameLen:
		return "", fmt.Errorf("folder name longer than %d bytes: %w", MaxFolderNameLen, ErrInvalid)
	case !utf8.ValidString(name):
		return "", fmt.Errorf("folder name is not UTF-8: %w", ErrInvalid)
	}
	for _, level := range strings.Split(name, Separator) {
		if level == "" {
			return "", fmt.Errorf("folder name %q has an empty level: %w", name, ErrInvalid)
		}
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return "", fmt.Errorf("folder name %q has a control character: %w", name, ErrInvalid)
		}
	}
	return name, nil
}

// systemFlags lists the system flags in the order CanonicalFlags puts them.
var systemFlags = [...]string{FlagSeen, FlagAnswered, FlagFlagged, FlagDeleted, FlagDraft}

// CanonicalFlags validates flags and returns them in canonical form: system
// flags spelled as IMAP spells them (`\Seen` for `\SEEN`), first and in a
// fixed order; then keywords as given, in the order given, without
// case-insensitive duplicates (the first spelling wins). An empty flag, one
// with white space or control characters, or an unknown flag starting with
// `\` is ErrInvalid. The result is never nil.
func CanonicalFlags(flags []string) ([]string, error) {
	var sys [len(systemFlags)]bool
	keywords := make([]string, 0, len(flags))
	for _, f := range flags {
		if f == "" {
			return nil, fmt.Errorf("empty flag: %w", ErrInvalid)
		}
		for _, r := range f {
			if r <= ' ' || r == 0x7f {
				return nil, fmt.Errorf("flag %q has white space or a control character: %w", f, ErrInvalid)
			}
		}
		if strings.HasPrefix(f, `\`) {
			i := slices.IndexFunc(systemFlags[:], func(s string) bool { return strings.EqualFold(s, f) })
			if i < 0 {
				return nil, fmt.Errorf("unknown system flag %q: %w", f, ErrInvalid)
			}
			sys[i] = true
			continue
		}
		if !containsFold(keywords, f) {
			keywords = append(keywords, f)
		}
	}
	out := make([]string, 0, len(keywords)+len(sys))
	for i, on := range sys {
		if on {
			out = append(out, systemFlags[i])
		}
	}
	return append(out, keywords...), nil
}

// ApplyFlags combines the canonical flags cur with the canonical flags
// given, as op says, and returns the canonical result. A keyword already
// present keeps its stored spelling; FlagsRemove matches case-insensitively.
func ApplyFlags(cur []string, op FlagOp, flags []string) []string {
	var next []string
	switch op {
	case FlagsReplace:
		next = slices.Clone(flags)
	case FlagsAdd:
		next = append(slices.Clone(cur), flags...)
	case FlagsRemove:
		next = make([]string, 0, len(cur))
		for _, f := range cur {
			if !containsFold(flags, f) {
				next = append(next, f)
			}
		}
	default:
		return slices.Clone(cur)
	}
	// Canonical inputs stay valid, so only the ordering and de-duplication
	// of CanonicalFlags apply here and the error cannot occur.
	out, err := CanonicalFlags(next)
	if err != nil {
		return slices.Clone(cur)
	}
	return out
}

// HasFlag reports whether flags contains f, ignoring case.
func HasFlag(flags []string, f string) bool { return containsFold(flags, f) }

func containsFold(list []string, s string) bool {
	return slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(x, s) })
}

package directory

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrBadName is returned for a name that cannot name any account.
var ErrBadName = errors.New("directory: invalid account name")

// maxNameLen bounds a login name (an RFC 5321 path is at most 256 octets).
const maxNameLen = 320

// Name is a login name after Canonical folding.
type Name struct {
	Alias string // the account alias, folded
	// Domain is the folded domain part: after "@" (an SMTP address or UPN)
	// or before "\" (DOMAIN\alias); empty for a bare alias.
	Domain string
	// Backslash reports the DOMAIN\alias form.
	Backslash bool
}

// Canonical folds a name a client typed into the one form the directory
// looks up: surrounding white space trimmed, Unicode lower case, and the
// DOMAIN\alias and alias@domain forms split. Every look-up and every check
// on built-in account names uses this function, so a spelling that would
// resolve to an account is also caught by the checks on that account.
func Canonical(s string) (Name, error) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > maxNameLen || !utf8.ValidString(s) {
		return Name{}, ErrBadName
	}
	for _, r := range s {
		if unicode.IsControl(r) || unicode.IsSpace(r) || r == unicode.ReplacementChar {
			return Name{}, ErrBadName
		}
	}
	s = strings.ToLower(s)
	var n Name
	if i := strings.IndexByte(s, '\\'); i >= 0 {
		n = Name{Domain: s[:i], Alias: s[i+1:], Backslash: true}
	} else if i := strings.LastIndexByte(s, '@'); i >= 0 {
		n = Name{Alias: s[:i], Domain: s[i+1:]}
	} else {
		n = Name{Alias: s}
	}
	if n.Alias == "" || strings.ContainsAny(n.Alias, `\@"<>()[],;: `) {
		return Name{}, ErrBadName
	}
	if (n.Backslash || strings.Contains(s, "@")) && n.Domain == "" {
		return Name{}, ErrBadName
	}
	return n, nil
}

// matchesDomain reports whether a folded name's domain part names the
// accepted domain d: the full name after "@", or the full name or its first
// label (the NetBIOS-style name) before "\".
func (n Name) matchesDomain(d string) bool {
	if n.Domain == d {
		return true
	}
	if n.Backslash {
		first, _, _ := strings.Cut(d, ".")
		return n.Domain == first
	}
	return false
}

package backend

import (
	"context"
	"sort"
	"strings"

	"github.com/postern/postern/internal/imap/wire"
	"github.com/postern/postern/internal/store"
)

// listEntry is one line of a LIST or LSUB answer.
type listEntry struct {
	name  string
	attrs []string
}

// list runs LIST and LSUB (RFC 3501 §6.3.8-9) with the CHILDREN
// attributes (RFC 3348). Hidden folders appear only with
// ShowHiddenFoldersEnabled (spec §11 item 33).
func (s *session) list(ctx context.Context, cmd *wire.Command, args *wire.Parser) (reply, error) {
	if cmd.Name == "LIST" && s.advertises("LIST-EXTENDED") {
		return s.listExt(ctx, cmd, args)
	}
	ref := args.Mailbox()
	pattern := args.ListMailbox()
	if args.End(); args.Err() != nil {
		return argReply(cmd.Name, args.Err()), nil
	}
	if pattern == "" && cmd.Name == "LIST" {
		// The hierarchy delimiter and root (RFC 3501 §6.3.8).
		s.c.WriteString(`* LIST (\Noselect) "/" ""` + "\r\n")
		return ok("LIST completed."), nil
	}
	folders, err := s.st.Folders(ctx, s.acct)
	if err != nil {
		return s.storeReply(cmd.Name, err), nil
	}
	var visible []store.Folder
	for _, f := range folders {
		if !f.Hidden || s.b.o.ShowHidden {
			visible = append(visible, f)
		}
	}
	full := pattern
	if ref != "" && !strings.HasPrefix(pattern, store.Separator) {
		full = strings.TrimSuffix(ref, store.Separator) + store.Separator + pattern
	}
	for _, e := range listEntries(visible, full, cmd.Name == "LSUB") {
		s.c.WriteString("* " + cmd.Name + " (" + strings.Join(e.attrs, " ") + `) "/" ` + mailboxName(e.name) + "\r\n")
	}
	return ok(cmd.Name + " completed."), nil
}

// listEntries matches folders against a pattern. A name that is not a
// (subscribed, for LSUB) folder but whose children match through "%" is
// listed \Noselect, so that clients can walk the hierarchy. For LSUB the
// candidates are the ancestors of subscribed folders only (RFC 3501
// §6.3.9: a parent is listed \Noselect when a subscribed folder lies
// below it, not for any child); \HasChildren still says whether the
// folder has children at all (RFC 3348).
func listEntries(folders []store.Folder, pattern string, lsub bool) []listEntry {
	exists := map[string]store.Folder{}
	children := map[string]bool{}
	names := map[string]bool{}
	for _, f := range folders {
		exists[f.Name] = f
		listed := !lsub || f.Subscribed
		if listed {
			names[f.Name] = true
		}
		parts := strings.Split(f.Name, store.Separator)
		for i := 1; i < len(parts); i++ {
			parent := strings.Join(parts[:i], store.Separator)
			children[parent] = true
			if listed {
				names[parent] = true // candidates for \Noselect
			}
		}
	}
	var out []listEntry
	for name := range names {
		if !matchPattern(pattern, name) {
			continue
		}
		f, ok := exists[name]
		real := ok && (!lsub || f.Subscribed)
		if !real && !strings.HasSuffix(pattern, "%") {
			continue // "*" already lists every real descendant
		}
		var attrs []string
		if !real {
			attrs = append(attrs, `\Noselect`)
		}
		if children[name] {
			attrs = append(attrs, `\HasChildren`)
		} else {
			attrs = append(attrs, `\HasNoChildren`)
		}
		out = append(out, listEntry{name: name, attrs: attrs})
	}
	sort.Slice(out, func(i, j int) bool { return listLess(out[i].name, out[j].name) })
	return out
}

// listLess orders the Inbox first, then by name.
func listLess(a, b string) bool {
	if a == store.Inbox || b == store.Inbox {
		return a == store.Inbox && b != store.Inbox
	}
	return a < b
}

// matchPattern matches a LIST pattern: "*" matches anything, "%" anything
// but the separator (RFC 3501 §6.3.8). "INBOX" matches case-insensitively.
func matchPattern(pattern, name string) bool {
	if name == store.Inbox && len(pattern) >= 5 && strings.EqualFold(pattern[:5], store.Inbox) {
		pattern, name = store.Inbox+pattern[5:], store.Inbox
	}
	// Iterative matching with backtracking over the last wildcard keeps
	// this linear in practice and free of recursion.
	p, n := 0, 0
	starP, starN := -1, 0
	for n < len(name) {
		switch {
		case p < len(pattern) && (pattern[p] == '*' || pattern[p] == '%'):
			starP, starN = p, n
			p++
		case p < len(pattern) && pattern[p] == name[n]:
			p++
			n++
		case starP >= 0 && (pattern[starP] == '*' || name[starN] != '/'):
			starN++
			n = starN
			p = starP + 1
		default:
			return false
		}
	}
	for p < len(pattern) && (pattern[p] == '*' || pattern[p] == '%') {
		p++
	}
	return p == len(pattern)
}

// mailboxName formats a folder name for the wire: modified UTF-7, quoted.
func mailboxName(name string) string {
	return quote(wire.EncodeMailboxName(name))
}

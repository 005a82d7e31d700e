package backend

import (
	"context"
	"sort"
	"strconv"
	"strings"

	"github.com/postern/postern/internal/imap/wire"
	"github.com/postern/postern/internal/store"
)

// This file holds the LIST extensions Postern adds to Exchange's IMAP4:
// LIST-EXTENDED (RFC 5258), LIST-STATUS (RFC 5819), SPECIAL-USE and
// CREATE-SPECIAL-USE (RFC 6154) and STATUS=SIZE (RFC 8438). With
// AdvertiseExchangeCapabilitiesOnly none of it is reachable: LIST, CREATE
// and STATUS take RFC 3501's syntax only, as on Exchange.

// specialUses gives the special use of a top-level folder by its name:
// Postern's default folders (store.DefaultFolders) and a folder named
// Archive. The name decides; nothing else is stored.
var specialUses = []struct{ name, use string }{
	{"Drafts", wire.UseDrafts},
	{"Sent Items", wire.UseSent},
	{"Deleted Items", wire.UseTrash},
	{"Junk Email", wire.UseJunk},
	{"Archive", wire.UseArchive},
}

// specialUse returns the special-use attribute of a folder name, or "".
func specialUse(name string) string {
	for _, u := range specialUses {
		if strings.EqualFold(name, u.name) {
			return u.use
		}
	}
	return ""
}

// extEntry is one mailbox of an extended LIST answer.
type extEntry struct {
	name     string
	folder   *store.Folder // nil: the name does not exist (\NonExistent)
	children bool          // a visible folder lies below it
	// childInfo holds RECURSIVEMATCH's CHILDINFO selection options.
	childInfo []string
}

// listExt runs LIST with RFC 5258's extended syntax (the original syntax
// is a special case of it, RFC 5258 §3).
func (s *session) listExt(ctx context.Context, cmd *wire.Command, args *wire.Parser) (reply, error) {
	a := args.ListArgs()
	if args.End(); args.Err() != nil {
		return argReply(cmd.Name, args.Err()), nil
	}
	if len(a.Patterns) == 1 && a.Patterns[0] == "" && len(a.Select) == 0 {
		// The hierarchy delimiter and root (RFC 3501 §6.3.8, RFC 5258 §3).
		s.c.WriteString(`* LIST (\Noselect) "/" ""` + "\r\n")
		return ok("LIST completed."), nil
	}
	for _, it := range a.Status {
		if it == wire.StatusItemSize && !s.advertises("STATUS=SIZE") {
			return bad(textArgError), nil
		}
	}
	folders, err := s.st.Folders(ctx, s.acct)
	if err != nil {
		return s.storeReply(cmd.Name, err), nil
	}
	byName := map[string]*store.Folder{}
	children := map[string]bool{}
	var names []string // every folder and ancestor, once
	for i := range folders {
		f := &folders[i]
		if f.Hidden && !s.b.o.ShowHidden {
			continue
		}
		if _, seen := byName[f.Name]; !seen && !children[f.Name] {
			names = append(names, f.Name)
		}
		byName[f.Name] = f
		parts := strings.Split(f.Name, store.Separator)
		for i := 1; i < len(parts); i++ {
			parent := strings.Join(parts[:i], store.Separator)
			if _, seen := byName[parent]; !seen && !children[parent] {
				names = append(names, parent)
			}
			children[parent] = true
		}
	}
	subscribedSel := a.HasSelect(wire.ListSelectSubscribed)
	specialSel := a.HasSelect(wire.ListSelectSpecialUse)
	recursive := a.HasSelect(wire.ListSelectRecursiveMatch)
	// meets reports the selection criteria (RFC 5258 §3.1): every one
	// given must hold; with none, every existing mailbox.
	meets := func(name string) bool {
		f := byName[name]
		if f == nil {
			return false
		}
		return (!subscribedSel || f.Subscribed) && (!specialSel || specialUse(name) != "")
	}
	var criteria []string
	if subscribedSel {
		criteria = append(criteria, wire.ListSelectSubscribed)
	}
	if specialSel {
		criteria = append(criteria, wire.ListSelectSpecialUse)
	}
	// satisfied holds the ancestors of mailboxes meeting the criteria,
	// for RECURSIVEMATCH's CHILDINFO.
	satisfied := map[string]bool{}
	if recursive {
		for name := range byName {
			if !meets(name) {
				continue
			}
			parts := strings.Split(name, store.Separator)
			for i := 1; i < len(parts); i++ {
				satisfied[strings.Join(parts[:i], store.Separator)] = true
			}
		}
	}
	var out []extEntry
	for _, name := range names {
		if !s.matchAny(a, name) {
			continue
		}
		e := extEntry{name: name, folder: byName[name], children: children[name]}
		if satisfied[name] {
			e.childInfo = criteria
		}
		switch {
		case meets(name), e.childInfo != nil:
		case e.folder == nil && len(criteria) == 0 && s.percentMatch(a, name):
			// A parent that does not exist but whose children match
			// "%" is listed, so that clients can walk the hierarchy.
		default:
			continue
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return listLess(out[i].name, out[j].name) })
	returnSubscribed := subscribedSel || a.HasReturn(wire.ListReturnSubscribed)
	for _, e := range out {
		var attrs []string
		switch {
		case e.folder == nil && a.Extended:
			attrs = append(attrs, `\NonExistent`) // implies \Noselect (RFC 5258 §3)
		case e.folder == nil:
			attrs = append(attrs, `\Noselect`) // RFC 3501's syntax, RFC 3501's name
		}
		if e.children {
			attrs = append(attrs, `\HasChildren`)
		} else {
			attrs = append(attrs, `\HasNoChildren`)
		}
		if returnSubscribed && e.folder != nil && e.folder.Subscribed {
			attrs = append(attrs, `\Subscribed`)
		}
		if u := specialUse(e.name); u != "" && e.folder != nil {
			attrs = append(attrs, u)
		}
		line := "* LIST (" + strings.Join(attrs, " ") + `) "/" ` + mailboxName(e.name)
		if e.childInfo != nil {
			line += ` ("CHILDINFO" ("` + strings.Join(e.childInfo, `" "`) + `"))`
		}
		s.c.WriteString(line + "\r\n")
		if a.Status != nil && e.folder != nil {
			// LIST-STATUS (RFC 5819 §2): after the mailbox's LIST line.
			st, err := s.statusValues(ctx, e.folder, a.Status)
			if err != nil {
				return s.storeReply(cmd.Name, err), nil
			}
			s.c.WriteString("* STATUS " + mailboxName(e.name) + " (" + st + ")\r\n")
		}
	}
	return ok("LIST completed."), nil
}

// fullPattern joins a reference and a pattern (RFC 3501 §6.3.8).
func fullPattern(ref, pattern string) string {
	if ref != "" && !strings.HasPrefix(pattern, store.Separator) {
		return strings.TrimSuffix(ref, store.Separator) + store.Separator + pattern
	}
	return pattern
}

// matchAny reports whether name matches one of the patterns.
func (s *session) matchAny(a wire.ListArgs, name string) bool {
	for _, p := range a.Patterns {
		if p != "" && matchPattern(fullPattern(a.Ref, p), name) {
			return true
		}
	}
	return false
}

// percentMatch reports whether name matches a pattern ending in "%": as
// in the original LIST, only those list non-existent parents.
func (s *session) percentMatch(a wire.ListArgs, name string) bool {
	for _, p := range a.Patterns {
		if strings.HasSuffix(p, "%") && matchPattern(fullPattern(a.Ref, p), name) {
			return true
		}
	}
	return false
}

// statusValues formats STATUS's items for f (RFC 3501 §6.3.10, RFC 8438
// SIZE). RECENT is always 0, as on Exchange.
func (s *session) statusValues(ctx context.Context, f *store.Folder, items []string) (string, error) {
	out := make([]string, 0, len(items))
	for _, it := range items {
		var v uint64
		switch it {
		case wire.StatusItemMessages:
			v = uint64(f.Messages)
		case wire.StatusItemRecent:
			if rc, ok := s.st.(store.RecentClaimer); ok {
				n, err := rc.CountRecent(ctx, f.ID)
				if err != nil {
					return "", err
				}
				v = uint64(n)
			}
		case wire.StatusItemUIDNext:
			v = uint64(f.UIDNext)
		case wire.StatusItemUIDValidity:
			v = uint64(f.UIDValidity)
		case wire.StatusItemUnseen:
			v = uint64(f.Unseen)
		case wire.StatusItemHighestModSeq: // RFC 7162 §3.1.6
			v = f.HighestModSeq
			s.cond.condstore = true
		case wire.StatusItemSize:
			msgs, err := s.st.Messages(ctx, f.ID)
			if err != nil {
				return "", err
			}
			for _, m := range msgs {
				v += uint64(m.Size)
			}
		}
		out = append(out, it+" "+strconv.FormatUint(v, 10))
	}
	return strings.Join(out, " "), nil
}

// createUse checks CREATE's USE parameter (RFC 6154 §3) against the name:
// in Postern the name decides a folder's special use, so USE is accepted
// only when it names exactly the use the name gives (none for "USE ()"
// on other names). It returns a NO [USEATTR] reply, or ok false.
func createUse(name string, uses []string) (reply, bool) {
	want := specialUse(name)
	if strings.Contains(name, store.Separator) {
		want = "" // only top-level folders have a special use
	}
	okUse := len(uses) == 0 && want == ""
	if len(uses) > 0 {
		okUse = want != ""
		for _, u := range uses {
			okUse = okUse && u == want
		}
	}
	if okUse {
		return reply{}, false
	}
	text := "CREATE failed: a folder's special use follows from its name"
	if want != "" {
		text += " (" + want + " for this one)."
	} else {
		text += " (Drafts, Sent Items, Deleted Items, Junk Email, Archive)."
	}
	return reply{status: wire.StatusNO, code: "USEATTR", text: text}, true
}

package wire

import "strings"

// LIST-EXTENDED selection options (RFC 5258 §3.1, RFC 6154 §5.1).
const (
	ListSelectSubscribed     = "SUBSCRIBED"
	ListSelectRemote         = "REMOTE"
	ListSelectRecursiveMatch = "RECURSIVEMATCH"
	ListSelectSpecialUse     = "SPECIAL-USE"
)

// LIST-EXTENDED return options (RFC 5258 §3.2, RFC 5819, RFC 6154 §5.1).
const (
	ListReturnSubscribed = "SUBSCRIBED"
	ListReturnChildren   = "CHILDREN"
	ListReturnSpecialUse = "SPECIAL-USE"
	ListReturnStatus     = "STATUS"
)

// ListArgs are LIST's arguments with RFC 5258's extended syntax:
//
//	list = "LIST" [SP list-select-opts] SP mailbox SP mbox-or-pat
//	       [SP list-return-opts]
type ListArgs struct {
	// Select holds the selection options, upper-cased, in the order sent.
	Select []string
	// Ref is the reference name.
	Ref string
	// Patterns holds one pattern, or those of a parenthesised list.
	Patterns []string
	// Return holds the return options but STATUS, upper-cased.
	Return []string
	// Status holds LIST-STATUS's items (RFC 5819), nil without STATUS.
	Status []string
	// Extended reports that any of RFC 5258's syntax was used (a
	// selection option list, a pattern list or RETURN), even empty.
	Extended bool
}

// listOptHas reports whether opts holds opt.
func listOptHas(opts []string, opt string) bool {
	for _, o := range opts {
		if o == opt {
			return true
		}
	}
	return false
}

// HasSelect reports a selection option.
func (a ListArgs) HasSelect(opt string) bool { return listOptHas(a.Select, opt) }

// HasReturn reports a return option (STATUS: a.Status != nil).
func (a ListArgs) HasReturn(opt string) bool { return listOptHas(a.Return, opt) }

// ListArgs reads LIST's arguments, extended syntax included. Unknown
// selection or return options are a syntax error (RFC 5258 §3: the server
// MUST answer BAD), and so is RECURSIVEMATCH without a selection option
// other than REMOTE that it could apply to (§3.1).
func (p *Parser) ListArgs() ListArgs {
	var a ListArgs
	if p.Peek() == '(' {
		a.Extended = true
		a.Select = []string{}
		p.list("selection options", 0, func() {
			o := strings.ToUpper(p.Atom())
			switch o {
			case ListSelectSubscribed, ListSelectRemote, ListSelectRecursiveMatch, ListSelectSpecialUse:
			default:
				if p.err == nil {
					p.fail("Invalid selection option")
				}
			}
			a.Select = append(a.Select, o)
		})
		if p.err == nil && a.HasSelect(ListSelectRecursiveMatch) {
			base := false
			for _, o := range a.Select {
				base = base || o != ListSelectRecursiveMatch && o != ListSelectRemote
			}
			if !base {
				p.fail("RECURSIVEMATCH needs another selection option")
			}
		}
	}
	a.Ref = p.Mailbox()
	if p.Peek() == '(' {
		a.Extended = true
		p.list("mailbox patterns", 1, func() { a.Patterns = append(a.Patterns, p.ListMailbox()) })
	} else {
		a.Patterns = []string{p.ListMailbox()}
	}
	if p.More() {
		if kw := p.Atom(); p.err == nil && !strings.EqualFold(kw, "RETURN") {
			p.fail("Invalid LIST argument")
		}
		a.Extended = true
		a.Return = []string{}
		p.list("return options", 0, func() {
			o := strings.ToUpper(p.Atom())
			switch o {
			case ListReturnSubscribed, ListReturnChildren, ListReturnSpecialUse:
				a.Return = append(a.Return, o)
			case ListReturnStatus:
				if a.Status != nil && p.err == nil {
					p.fail("STATUS given twice")
				}
				a.Status = p.StatusItems()
			default:
				if p.err == nil {
					p.fail("Invalid return option")
				}
			}
		})
	}
	if p.err != nil {
		return ListArgs{}
	}
	return a
}

// Special-use attributes (RFC 6154 §2).
const (
	UseAll     = `\All`
	UseArchive = `\Archive`
	UseDrafts  = `\Drafts`
	UseFlagged = `\Flagged`
	UseJunk    = `\Junk`
	UseSent    = `\Sent`
	UseTrash   = `\Trash`
)

// canonicalUse spells a known use attribute in RFC 6154's case; others
// are kept as sent.
func canonicalUse(u string) string {
	for _, s := range [...]string{UseAll, UseArchive, UseDrafts, UseFlagged, UseJunk, UseSent, UseTrash} {
		if strings.EqualFold(u, s) {
			return s
		}
	}
	return u
}

// CreateParams reads CREATE's optional parameter list (RFC 4466 §2.2)
// with the one parameter Postern knows, USE (RFC 6154 §3):
//
//	create-params = "(" create-param *(SP create-param) ")"
//	create-param  = "USE" SP "(" [use-attr *(SP use-attr)] ")"
//
// It returns the use attributes ("\" atom, known ones in canonical case)
// and whether USE was given; without a parameter list it reads nothing.
func (p *Parser) CreateParams() (uses []string, use bool) {
	if p.Peek() != '(' {
		return nil, false
	}
	uses = []string{}
	p.list("create parameters", 1, func() {
		if name := p.Atom(); p.err == nil && !strings.EqualFold(name, "USE") {
			p.fail("Invalid create parameter")
			return
		}
		if use && p.err == nil {
			p.fail("USE given twice")
			return
		}
		use = true
		p.list("use attributes", 0, func() {
			if !p.begin("use attribute") {
				return
			}
			start := p.pos
			if p.s[p.pos] != '\\' {
				p.fail("Invalid use attribute")
				return
			}
			p.pos++
			if len(p.run(isAtomChar)) == 0 {
				p.fail("Invalid use attribute")
				return
			}
			p.done("use attribute")
			uses = append(uses, canonicalUse(string(p.s[start:p.pos])))
		})
	})
	if p.err != nil {
		return nil, false
	}
	return uses, use
}

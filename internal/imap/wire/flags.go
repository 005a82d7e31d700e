package wire

import "strings"

// System flags (RFC 3501 §2.3.2).
const (
	FlagSeen     = `\Seen`
	FlagAnswered = `\Answered`
	FlagFlagged  = `\Flagged`
	FlagDeleted  = `\Deleted`
	FlagDraft    = `\Draft`
	FlagRecent   = `\Recent`
)

// canonicalFlag spells the system flags in their RFC 3501 case; system
// flags are matched case-insensitively, keywords are kept as sent.
func canonicalFlag(f string) string {
	if len(f) == 0 || f[0] != '\\' {
		return f
	}
	for _, s := range [...]string{FlagSeen, FlagAnswered, FlagFlagged, FlagDeleted, FlagDraft, FlagRecent} {
		if strings.EqualFold(f, s) {
			return s
		}
	}
	return f
}

// Flag reads a flag: "\" atom (a system flag or flag-extension) or a
// keyword atom. System flags come back in canonical case.
func (p *Parser) Flag() string {
	if !p.begin("flag") {
		return ""
	}
	start := p.pos
	if p.s[p.pos] == '\\' {
		p.pos++
	}
	if len(p.run(isAtomChar)) == 0 {
		p.fail("Invalid flag")
		return ""
	}
	p.done("flag")
	return canonicalFlag(string(p.s[start:p.pos]))
}

// FlagList reads a flag-list: "(" [flag *(SP flag)] ")".
func (p *Parser) FlagList() []string {
	flags := []string{}
	p.list("flag list", 0, func() { flags = append(flags, p.Flag()) })
	if p.err != nil {
		return nil
	}
	return flags
}

// StoreMode is how STORE changes the flags.
type StoreMode byte

// Store modes: FLAGS, +FLAGS and -FLAGS.
const (
	StoreReplace StoreMode = '='
	StoreAdd     StoreMode = '+'
	StoreRemove  StoreMode = '-'
)

// StoreFlags is STORE's store-att-flags argument with its flags.
type StoreFlags struct {
	Mode StoreMode
	// Silent is the ".SILENT" suffix: no untagged FETCH in reply.
	Silent bool
	Flags  []string
}

// StoreFlags reads store-att-flags SP (flag-list / flag *(SP flag)) up to
// the end of the arguments: ["+" / "-"] "FLAGS" [".SILENT"], any case.
func (p *Parser) StoreFlags() StoreFlags {
	var st StoreFlags
	item := strings.ToUpper(p.Atom())
	if p.err != nil {
		return st
	}
	st.Mode = StoreReplace
	if item != "" && (item[0] == '+' || item[0] == '-') {
		st.Mode = StoreMode(item[0])
		item = item[1:]
	}
	item, st.Silent = strings.CutSuffix(item, ".SILENT")
	if item != "FLAGS" {
		p.fail("Invalid store item")
		return st
	}
	if p.Peek() == '(' {
		st.Flags = p.FlagList()
		return st
	}
	st.Flags = []string{}
	for p.More() && p.err == nil {
		if len(st.Flags) >= p.cmd.maxArgs {
			p.failKind(ErrTooMany, "Too many flags")
			break
		}
		st.Flags = append(st.Flags, p.Flag())
	}
	if len(st.Flags) == 0 {
		p.fail("Missing flags")
	}
	return st
}

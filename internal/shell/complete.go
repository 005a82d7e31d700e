package shell

import (
	"sort"
	"strings"
)

// Complete returns the completions of the word that ends at byte offset
// pos of line: cmdlet names where a command starts, parameter names
// (with their dash) after a command, as PowerShell's Tab does. start is
// where the word begins; every candidate replaces line[start:pos].
func (sh *Shell) Complete(line string, pos int) (start int, candidates []string) {
	pos = max(0, min(pos, len(line)))
	start = pos
	for start > 0 && !strings.ContainsRune(" \t;|(){},=", rune(line[start-1])) {
		start--
	}
	word := line[start:pos]
	if isCommandPosition(line[:start]) {
		for _, n := range sh.Names() {
			if strings.HasPrefix(lower(n), lower(word)) {
				candidates = append(candidates, n)
			}
		}
		return start, candidates
	}
	if !strings.HasPrefix(word, "-") {
		return start, nil
	}
	name := commandBefore(line[:start])
	prefix := lower(strings.TrimPrefix(word, "-"))
	for _, p := range sh.ParamNames(name) {
		if strings.HasPrefix(lower(p), prefix) {
			candidates = append(candidates, "-"+p)
		}
	}
	sort.Strings(candidates)
	return start, candidates
}

// isCommandPosition reports whether a word after before would be a
// command name: at the start, or after ';', '|', '(' or '='.
func isCommandPosition(before string) bool {
	t := strings.TrimRight(before, " \t")
	return t == "" || strings.ContainsRune(";|({=", rune(t[len(t)-1]))
}

// commandBefore finds the name of the command whose arguments end at the
// end of before.
func commandBefore(before string) string {
	i := strings.LastIndexAny(before, ";|(")
	fields := strings.Fields(before[i+1:])
	if len(fields) == 0 {
		return ""
	}
	return fields[0]
}

package lang

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// outDefault writes what a statement outputs when no Format-* cmdlet ends
// it, as PowerShell's Out-Default does: objects in their default view,
// and consecutive objects of one type under one table header, so that
// "Get-Service MSExchangePOP3; Get-Service MSExchangePOP3BE" prints one
// table.
type outDefault struct {
	w       io.Writer
	pending []*Object
}

func (o *outDefault) write(vs ...any) {
	for _, v := range vs {
		obj, ok := v.(*Object)
		if !ok {
			o.flush()
			if f, ok := v.(*Formatted); ok {
				io.WriteString(o.w, f.Text)
			} else {
				fmt.Fprintln(o.w, Display(v))
			}
			continue
		}
		if len(o.pending) > 0 && o.pending[0].TypeName != obj.TypeName {
			o.flush()
		}
		o.pending = append(o.pending, obj)
	}
}

// flush writes the objects held back for a common header.
func (o *outDefault) flush() {
	if len(o.pending) == 0 {
		return
	}
	objs := o.pending
	o.pending = nil
	if cols := objs[0].Columns; cols != nil {
		io.WriteString(o.w, FormatTable(objs, cols, false))
	} else {
		io.WriteString(o.w, FormatList(objs, nil))
	}
}

// selectProps returns the property names of obj matching the patterns
// (wildcards allowed), each pattern's matches in the object's order; no
// patterns means every property.
func selectProps(obj *Object, patterns []string) []string {
	if len(patterns) == 0 {
		names := make([]string, len(obj.Props))
		for i, p := range obj.Props {
			names[i] = p.Name
		}
		return names
	}
	var out []string
	seen := map[string]bool{}
	for _, pat := range patterns {
		if !HasWildcard(pat) {
			if !seen[lower(pat)] {
				seen[lower(pat)] = true
				out = append(out, canonicalName(obj, pat))
			}
			continue
		}
		for _, p := range obj.Props {
			if WildcardMatch(pat, p.Name) && !seen[lower(p.Name)] {
				seen[lower(p.Name)] = true
				out = append(out, p.Name)
			}
		}
	}
	return out
}

// canonicalName spells a property as the object does, when it has it.
func canonicalName(obj *Object, name string) string {
	for _, p := range obj.Props {
		if strings.EqualFold(p.Name, name) {
			return p.Name
		}
	}
	return name
}

// FormatList is Format-List: "Name : Value" lines, names padded to the
// longest, a blank line around each object.
func FormatList(objs []*Object, patterns []string) string {
	if len(objs) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("\n")
	for _, obj := range objs {
		names := selectProps(obj, patterns)
		width := 0
		for _, n := range names {
			width = max(width, utf8.RuneCountInString(n))
		}
		for _, n := range names {
			fmt.Fprintf(&b, "%s : %s\n", padRight(n, width), listValue(obj.text(n), width))
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
	return b.String()
}

// listValue indents the continuation lines of a multi-line value under
// the first.
func listValue(v string, width int) string {
	return strings.ReplaceAll(strings.TrimRight(v, "\n"), "\n", "\n"+strings.Repeat(" ", width+3))
}

// FormatTable is Format-Table: a header, a line of dashes under each
// header, and a row per object; columns are as wide as their widest cell
// and numbers are right-aligned.
func FormatTable(objs []*Object, patterns []string, hideHeaders bool) string {
	if len(objs) == 0 {
		return ""
	}
	cols := selectProps(objs[0], patterns)
	cells := make([][]string, len(objs))
	widths := make([]int, len(cols))
	right := make([]bool, len(cols))
	for i, c := range cols {
		widths[i] = utf8.RuneCountInString(c)
		right[i] = true
	}
	for r, obj := range objs {
		cells[r] = make([]string, len(cols))
		for i, c := range cols {
			v, _ := obj.Get(c)
			s := strings.ReplaceAll(Display(v), "\n", " ")
			cells[r][i] = s
			widths[i] = max(widths[i], utf8.RuneCountInString(s))
			if _, isNum := v.(int64); !isNum && v != nil {
				right[i] = false
			}
		}
	}
	var b strings.Builder
	b.WriteString("\n")
	row := func(vals []string) {
		parts := make([]string, len(vals))
		for i, v := range vals {
			if right[i] {
				parts[i] = padLeft(v, widths[i])
			} else {
				parts[i] = padRight(v, widths[i])
			}
		}
		b.WriteString(strings.TrimRight(strings.Join(parts, " "), " ") + "\n")
	}
	if !hideHeaders {
		row(cols)
		dashes := make([]string, len(cols))
		for i, c := range cols {
			dashes[i] = strings.Repeat("-", utf8.RuneCountInString(c))
		}
		row(dashes)
	}
	for _, r := range cells {
		row(r)
	}
	b.WriteString("\n")
	return b.String()
}

func padRight(s string, w int) string {
	return s + strings.Repeat(" ", max(0, w-utf8.RuneCountInString(s)))
}

func padLeft(s string, w int) string {
	return strings.Repeat(" ", max(0, w-utf8.RuneCountInString(s))) + s
}

// ObjectsOf keeps the objects of a pipeline's input; other values become
// objects with one property, as PowerShell wraps them.
func ObjectsOf(in []any) []*Object {
	out := make([]*Object, 0, len(in))
	for _, v := range in {
		if o, ok := v.(*Object); ok {
			out = append(out, o)
			continue
		}
		out = append(out, &Object{TypeName: TypeName(v), Props: []Property{{Name: "Value", Value: v}}, Text: Display(v)})
	}
	return out
}

// SelectObject is Select-Object -Property: new objects with the chosen
// properties; shown as a table with up to four properties, else as a list
// (PowerShell's rule for objects without a view).
func SelectObject(objs []*Object, patterns []string) []any {
	out := make([]any, 0, len(objs))
	for _, obj := range objs {
		sel := &Object{TypeName: "Selected." + obj.TypeName}
		for _, n := range selectProps(obj, patterns) {
			v, _ := obj.Get(n)
			sel.Add(n, v)
		}
		if len(sel.Props) <= 4 {
			sel.Columns = selectProps(sel, nil)
		}
		out = append(out, sel)
	}
	return out
}

// HasWildcard reports whether s holds a PowerShell wildcard character.
func HasWildcard(s string) bool { return strings.ContainsAny(s, "*?[") }

// WildcardMatch matches PowerShell wildcards (about_Wildcards): * any run,
// ? one character, [abc] and [a-z] one of a set; case-insensitive. A '['
// without a closing ']' matches itself.
func WildcardMatch(pattern, s string) bool {
	p, t := []rune(lower(pattern)), []rune(lower(s))
	// Iterative matching with one backtrack point for the last '*'.
	pi, ti, star, mark := 0, 0, -1, 0
	for ti < len(t) {
		if pi < len(p) {
			if p[pi] == '*' {
				star, mark = pi, ti
				pi++
				continue
			}
			if n, ok := matchOne(p[pi:], t[ti]); ok {
				pi += n
				ti++
				continue
			}
		}
		if star < 0 {
			return false
		}
		pi, mark = star+1, mark+1
		ti = mark
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// matchOne matches one pattern element against c, returning the
// element's length.
func matchOne(p []rune, c rune) (int, bool) {
	switch p[0] {
	case '?':
		return 1, true
	case '[':
		end := -1
		for i := 1; i < len(p); i++ {
			if p[i] == ']' && i > 1 {
				end = i
				break
			}
		}
		if end < 0 {
			return 1, c == '['
		}
		set := p[1:end]
		for i := 0; i < len(set); i++ {
			if i+2 < len(set) && set[i+1] == '-' {
				if c >= set[i] && c <= set[i+2] {
					return end + 1, true
				}
				i += 2
				continue
			}
			if set[i] == c {
				return end + 1, true
			}
		}
		return end + 1, false
	}
	return 1, p[0] == c
}
